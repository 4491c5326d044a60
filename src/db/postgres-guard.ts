/**
 * What keeps postgres.js from hurting the process when PostgreSQL goes away (client.ts routes every query through
 * these): transactions never hand it a statement for a connection that has closed, and while no connection can be
 * made, queries fail at once instead of queueing.
 */
import { asUnavailability, DatabaseUnavailableError, isConnectFailure, isDatabaseUnavailable } from './availability.js';

type PostgresClient = import('postgres').Sql;

/** What of a postgres.js query object the guards touch: the callbacks of its promise. */
interface QueryCallbacks {
  resolve?: (result: unknown) => void;
  reject?: (error: unknown) => void;
}

/** Calls `onRejected` (and `onResolved`) the moment postgres.js settles the query, before anyone awaiting it runs. */
function onSettled<T>(pending: T, onRejected: (error: unknown) => void, onResolved?: () => void): T {
  // postgres.js does not type a pending query's resolve/reject; QueryCallbacks names the two read
  const query = pending as unknown as QueryCallbacks;
  const { resolve, reject } = query;
  if (typeof resolve !== 'function' || typeof reject !== 'function') return pending;
  query.reject = (error) => {
    onRejected(error);
    reject(error);
  };
  if (onResolved) {
    query.resolve = (result) => {
      onResolved();
      resolve(result);
    };
  }
  return pending;
}

/** What drizzle gets instead of a query that is not sent: it fails (also as `.values()`), and nothing is sent. */
export function refusedQuery(error: unknown) {
  const refused = {
    then: (onResolved?: (value: never) => unknown, onRejected?: (reason: unknown) => unknown) => Promise.reject(error).then(onResolved, onRejected),
    values: () => refused,
  };
  return refused;
}

/**
 * While PostgreSQL cannot be connected to, the pool's queries fail at once. postgres.js gives a failed connect only to
 * the one query that asked for it and keeps the others waiting for the next try of each connection, so under load the
 * last of them waited far longer than a station waits for its answer. One query per `probeIntervalMs` still goes
 * through, to find PostgreSQL back.
 */
export class ConnectFailures {
  /** the last failed connect, while no query has succeeded since */
  private failure: unknown;
  private nextProbeAt = 0;

  constructor(
    private readonly probeIntervalMs = 250,
    private readonly now = () => performance.now(),
  ) {}

  /** The error to fail a new query with at once, or undefined to send it. */
  refusal(): DatabaseUnavailableError | undefined {
    if (this.failure === undefined) return undefined;
    const now = this.now();
    if (now < this.nextProbeAt) return new DatabaseUnavailableError(this.failure);
    this.nextProbeAt = now + this.probeIntervalMs;
    return undefined;
  }

  succeeded(): void {
    this.failure = undefined;
  }

  failed(error: unknown): void {
    if (!isConnectFailure(error)) return;
    this.failure = error;
    this.nextProbeAt = Math.max(this.nextProbeAt, this.now() + this.probeIntervalMs);
  }

  /** Follows a query sent: a connect that fails for it refuses the next ones, its answer lets them through again. */
  watch<T>(pending: T): T {
    return onSettled(pending, (error) => this.failed(error), this.failure === undefined ? undefined : () => this.succeeded());
  }
}

/** One transaction: whether its connection was lost (the error that said so), or it is over. */
export class TransactionState {
  private lost: unknown;
  private ended = false;

  get connectionLost(): boolean {
    return this.lost !== undefined;
  }

  lose(error: unknown): void {
    this.lost ??= error;
  }

  end(): void {
    this.ended = true;
  }

  /** Why a statement of this transaction must not be sent, if it must not. */
  refusal(): Error | undefined {
    if (this.lost !== undefined) return new DatabaseUnavailableError(this.lost);
    return this.ended ? new Error('the transaction is over') : undefined;
  }

  /** Notes the lost connection the moment postgres.js fails one of the transaction's statements for it. */
  watch<T>(pending: T): T {
    return onSettled(pending, (error) => isDatabaseUnavailable(error) && this.lose(error));
  }
}

/**
 * Runs a transaction without ever handing postgres.js a statement for a connection that has closed. postgres.js
 * sends a transaction's statements, and its own ROLLBACK or COMMIT, on the connection the transaction began on, also
 * once that connection has closed: the write then lands on no socket in a setImmediate, and the TypeError takes the
 * process down (porsager/postgres#1208, still so in 3.4.9). When the connection is lost, PostgreSQL rolls the
 * transaction back itself and postgres.js's `begin` rejects with the close; so from then on the transaction's
 * statements fail here, and its callback neither returns nor throws (either would have postgres.js commit or roll
 * back). The callback left waiting is garbage once `begin` has rejected.
 */
export async function beginGuarded(
  client: PostgresClient,
  args: unknown[],
  connects: ConnectFailures,
  wrap: (sql: PostgresClient, transaction: TransactionState) => PostgresClient,
): Promise<unknown> {
  const refusal = connects.refusal();
  if (refusal) throw refusal;
  const callback = args.at(-1) as (sql: PostgresClient) => unknown;
  const transaction = new TransactionState();
  const never = () => new Promise<never>(() => {});
  try {
    return await (client.begin as (...a: unknown[]) => Promise<unknown>)(...args.slice(0, -1), async (sql: PostgresClient) => {
      connects.succeeded();
      let result: unknown;
      try {
        result = await callback(wrap(sql, transaction));
      } catch (error) {
        // only this transaction's own connection counts: an error from elsewhere leaves it to be rolled back
        if (transaction.connectionLost) return never();
        throw error;
      }
      return transaction.connectionLost ? never() : result;
    });
  } catch (error) {
    connects.failed(error);
    if (isDatabaseUnavailable(error)) transaction.lose(error);
    throw asUnavailability(error);
  } finally {
    transaction.end();
  }
}
