/**
 * The database client when PostgreSQL goes away under it (a server this test starts itself): a transaction whose
 * connection dies fails with DatabaseUnavailableError and never takes the process down (postgres.js would send its
 * ROLLBACK on the closed connection: porsager/postgres#1208), and while no connection can be made, queries fail at
 * once instead of queueing.
 */
import { sql } from 'drizzle-orm';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DatabaseUnavailableError, isConnectFailure, isDatabaseUnavailable } from '../../src/db/availability.js';
import { openDatabase, type Database, type DatabaseHandle } from '../../src/db/client.js';
import { ConnectFailures } from '../../src/db/postgres-guard.js';
import { createPostgresServer, postgresBinDir, type PostgresServer } from '../support/postgres-server.js';

const binaries = postgresBinDir();
if (!binaries) console.warn('postgres-guard: skipped: no PostgreSQL binaries (initdb, pg_ctl) under /usr/lib/postgresql/*/bin');

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let server: PostgresServer | undefined;
let database: DatabaseHandle | undefined;
let admin: postgres.Sql | undefined;
const pools: DatabaseHandle[] = [];

beforeAll(async () => {
  if (!binaries) return;
  server = await createPostgresServer();
  admin = postgres(server.url(), { max: 1, onnotice: () => {} });
  await admin`create database guarded`;
  database = await openDatabase({ kind: 'postgres', url: server.url('guarded'), maxConnections: 2 });
}, 60_000);

afterAll(async () => {
  for (const pool of [database, ...pools]) await pool?.close().catch(() => {});
  await admin?.end({ timeout: 1 }).catch(() => {});
  await server?.destroy();
});

/**
 * Milliseconds until the pool answers a query again. The first query on a connection that replaced a terminated one
 * may still fail with the old backend's error (postgres.js keeps it across the reconnect): one failure is allowed.
 */
async function answersAgain(db: Database): Promise<number> {
  const since = performance.now();
  let failures = 0;
  for (;;) {
    const answer = await db.execute(sql`select 42 as answer`).catch((error: unknown) => {
      if (!isDatabaseUnavailable(error)) throw error;
      failures += 1;
    });
    if (answer) {
      expect(answer).toEqual([{ answer: 42 }]);
      return performance.now() - since;
    }
    if (failures > 1 && performance.now() - since > 3000) throw new Error(`the pool did not answer within 3 s (${failures} failures)`);
    await sleep(50);
  }
}

/** Terminates the backends of the `guarded` database in this state, once there is one; how many. */
async function terminate(state: string, queryLike = '%'): Promise<number> {
  for (let tries = 0; tries < 100; tries += 1) {
    const rows = await admin!`select pg_terminate_backend(pid) as ok from pg_stat_activity
      where datname = 'guarded' and state = ${state} and query like ${queryLike} and pid <> pg_backend_pid()`;
    if (rows.length > 0) return rows.length;
    await sleep(20);
  }
  throw new Error(`no backend ${state}`);
}

/**
 * A pool of its own for a case, closed after it: the first query on a connection that replaced a terminated one may
 * fail with the old backend's error without being sent (postgres.js keeps that error across the reconnect), and a
 * case's transaction must begin on a connection of its own.
 */
async function ownPool(): Promise<DatabaseHandle> {
  const handle = await openDatabase({ kind: 'postgres', url: server!.url('guarded'), maxConnections: 1 });
  pools.push(handle);
  return handle;
}

describe.skipIf(!binaries)('a transaction whose connection is terminated during a statement', () => {
  it('fails as database unavailable; the process lives on and the pool serves the next query', async () => {
    const { db } = await ownPool();
    const transaction = db.transaction(async (tx) => {
      await tx.execute(sql`select 1`);
      await tx.execute(sql`select pg_sleep(10)`);
    });
    const failure = transaction.then(() => undefined, (error: unknown) => error);
    expect(await terminate('active', '%pg_sleep(10)%')).toBe(1);
    expect(isDatabaseUnavailable(await failure)).toBe(true);
    await sleep(200); // where postgres.js's own ROLLBACK would have crashed the process
    expect(await answersAgain(db)).toBeLessThan(3000);
  });
});

describe.skipIf(!binaries)('a transaction whose connection is terminated between two of its statements', () => {
  it('does not send the next statement, fails as database unavailable, and the pool serves the next query', async () => {
    const { db } = await ownPool();
    let resume!: () => void;
    const terminated = new Promise<void>((resolve) => (resume = resolve));
    let second: unknown;
    const transaction = db.transaction(async (tx) => {
      await tx.execute(sql`select 1`);
      await terminated;
      second = await tx.execute(sql`select 2`).catch((error: unknown) => error);
      throw second;
    });
    const failure = transaction.then(() => undefined, (error: unknown) => error);
    expect(await terminate('idle in transaction', 'select 1')).toBe(1);
    await sleep(200); // postgres.js has seen the connection close
    resume();
    expect(isDatabaseUnavailable(await failure)).toBe(true);
    await sleep(200);
    expect(isDatabaseUnavailable(second)).toBe(true);
    expect(await answersAgain(db)).toBeLessThan(3000);
  });
});

describe.skipIf(!binaries)('PostgreSQL is stopped', () => {
  it('answers queries waiting for a connection, fails the next ones at once, and serves them again once it is back', async () => {
    const db = database!.db;
    await server!.stop();
    try {
      const settled = async (count: number) => {
        const sent = performance.now();
        const outcomes = await Promise.allSettled(Array.from({ length: count }, () => db.execute(sql`select 1`)));
        expect(outcomes.every((outcome) => outcome.status === 'rejected' && isDatabaseUnavailable(outcome.reason))).toBe(true);
        return performance.now() - sent;
      };
      // these wait for postgres.js's connects, which fail them one at a time
      expect(await settled(20)).toBeLessThan(5000);
      // once a connect has failed, new queries do not wait
      expect(await settled(200)).toBeLessThan(500);
      const refused = await db.execute(sql`select 1`).catch((error: unknown) => error);
      expect((refused as Error).cause).toBeInstanceOf(DatabaseUnavailableError);
      expect(((refused as Error).cause as Error).message).toMatch(/^database unavailable, try again \(connect ECONNREFUSED/);
    } finally {
      await server!.start();
    }
    expect(await answersAgain(db)).toBeLessThan(3000);
  });
});

describe('what counts as the database being unavailable', () => {
  const driverError = (fields: Record<string, unknown>) => Object.assign(new Error('driver'), fields);
  const wrapped = (cause: unknown) => new Error('Failed query: select 1\nparams: ', { cause });

  it('a lost or refused connection, or PostgreSQL shutting down, also wrapped by drizzle: yes', () => {
    for (const cause of [
      driverError({ code: 'CONNECTION_CLOSED' }),
      driverError({ code: 'ECONNREFUSED' }),
      driverError({ code: 'ECONNRESET' }),
      driverError({ code: '57P01', severity: 'FATAL' }),
      driverError({ code: '57P03', severity: 'FATAL' }),
    ]) {
      expect(isDatabaseUnavailable(cause)).toBe(true);
      expect(isDatabaseUnavailable(wrapped(cause))).toBe(true);
    }
  });

  it('a statement the database refused (a broken constraint, a syntax error, a cancelled query): no', () => {
    for (const cause of [driverError({ code: '23505', severity: 'ERROR' }), driverError({ code: '42601', severity: 'ERROR' }), driverError({ code: '57014', severity: 'ERROR' })]) {
      expect(isDatabaseUnavailable(wrapped(cause))).toBe(false);
    }
  });

  it('only a connection that could not be made is a connect failure, not one that was lost', () => {
    expect(isConnectFailure(wrapped(driverError({ code: 'ECONNREFUSED' })))).toBe(true);
    expect(isConnectFailure(wrapped(driverError({ code: '57P03', severity: 'FATAL' })))).toBe(true);
    expect(isConnectFailure(wrapped(driverError({ code: 'CONNECTION_CLOSED' })))).toBe(false);
  });
});

describe('queries while connects fail', () => {
  it('are refused, but for one every probe interval; a success lets them all through again', () => {
    let clock = 0;
    const connects = new ConnectFailures(250, () => clock);
    expect(connects.refusal()).toBeUndefined();
    connects.failed(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }));
    expect(connects.refusal()?.message).toBe('database unavailable, try again (connect ECONNREFUSED 127.0.0.1:5432)');
    clock = 249;
    expect(connects.refusal()).toBeInstanceOf(DatabaseUnavailableError);
    clock = 250;
    expect(connects.refusal()).toBeUndefined(); // the probe
    expect(connects.refusal()).toBeInstanceOf(DatabaseUnavailableError);
    connects.succeeded();
    expect(connects.refusal()).toBeUndefined();
    expect(connects.refusal()).toBeUndefined();
  });

  it('a lost connection alone does not refuse anything', () => {
    const connects = new ConnectFailures();
    connects.failed(Object.assign(new Error('write CONNECTION_CLOSED'), { code: 'CONNECTION_CLOSED' }));
    expect(connects.refusal()).toBeUndefined();
  });
});
