/**
 * The database: embedded PGlite in a data directory by default, PostgreSQL (postgres.js) when a URL is given.
 * Same drizzle schema, same migrations, same code above this file.
 */
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { sql, type SQL } from 'drizzle-orm';
import type { AnyPgColumn, PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { DatabaseUnavailableError } from './availability.js';
import { beginGuarded, ConnectFailures, refusedQuery, type TransactionState } from './postgres-guard.js';
import * as schema from './schema.js';

export type Schema = typeof schema;
export type Database = PgDatabase<PgQueryResultHKT, Schema>;
export type DatabaseKind = 'pglite' | 'postgres';

export interface DatabaseHandle {
  db: Database;
  kind: DatabaseKind;
  close(): Promise<void>;
}

export type DatabaseTarget = { kind: 'postgres'; url: string; maxConnections?: number } | { kind: 'pglite'; dataDir: string };

const migrationsFolder = fileURLToPath(new URL('./migrations', import.meta.url));
/** Serialises migrations when several nodes start against one PostgreSQL at once. */
const MIGRATION_LOCK_KEY = 0x616e6f6465;

/**
 * How postgres.js connects again after it lost PostgreSQL. Its default backoff grows with every failed connect of the
 * whole pool (3^n / 100 s, up to 20 s): a few seconds of PostgreSQL restarting made queries wait 10-20 s for a
 * connection after it was back. A failed connect fails only one of the queries waiting for a connection, so the wait
 * also paces how fast those fail; here it is at most 250 ms (tries are few once ConnectFailures refuses new queries).
 * A query waits for a connect at most `connect_timeout` seconds (default 30) before it fails.
 */
const RECONNECTING = {
  backoff: (retries: number) => Math.min(0.025 * 2 ** retries, 0.25) * (0.5 + Math.random() / 2),
  connect_timeout: 10,
};

async function openPostgres(url: string, maxConnections: number): Promise<DatabaseHandle> {
  const { default: postgres } = await import('postgres');
  const { drizzle } = await import('drizzle-orm/postgres-js');
  const { migrate } = await import('drizzle-orm/postgres-js/migrator');
  // One connection, so that the advisory lock and the migration share a session.
  const migrator = postgres(url, { max: 1, onnotice: () => {} });
  try {
    await migrator`select pg_advisory_lock(${MIGRATION_LOCK_KEY})`;
    await migrate(drizzle(guardedClient(migrator), { schema }), { migrationsFolder });
    await migrator`select pg_advisory_unlock(${MIGRATION_LOCK_KEY})`;
  } finally {
    await migrator.end({ timeout: 5 });
  }
  const client = postgres(url, { max: maxConnections, onnotice: () => {}, ...RECONNECTING });
  const db = drizzle(guardedClient(client), { schema });
  return { db, kind: 'postgres', close: () => client.end({ timeout: 5 }) };
}

const PREPARED_MARK = '/* anode:prepared */';

/**
 * Marks a statement whose text never changes and that runs many times a second (the batched writes of the OCPP
 * gateway). On PostgreSQL it is prepared once per connection: drizzle prepares nothing, and postgres.js then asks
 * PostgreSQL for the parameter types before every run, an extra round trip. Statements whose text varies (lists
 * of parameters) stay unprepared, so the per-connection statement cache does not grow without end.
 */
export const PREPARED = sql.raw(`${PREPARED_MARK} `);

type PostgresClient = import('postgres').Sql;

/** What of a postgres.js query object `releaseParametersWhenDone` touches. */
interface QueryInternals {
  args: unknown[] | null;
  parameters: unknown[] | null;
  resolve: (result: unknown) => void;
}

/**
 * Lets go of a query's parameters once it has its result. postgres.js keeps them on the query object, and finished
 * query objects sit in the old generation until the next mark-compact: whatever they still point to survives every
 * scavenge until then and is promoted. For the batched writes of the OCPP gateway those are the JSON texts of whole
 * batches: in a postgres.js loop at 100 batches/s, 37 MB promoted in 20 s, 2.8 MB once they were released, and half
 * of what survived the server's scavenges in bench:ocpp's meter-values window. Only a resolved query lets go: one that
 * fails still reports its parameters, and one postgres.js runs again (a prepared statement gone stale) still has them.
 */
function releaseParametersWhenDone<T>(pending: T): T {
  // postgres.js does not type a pending query's settle callbacks and parameters: QueryInternals names the ones read
  const query = pending as unknown as QueryInternals;
  const resolve = query.resolve;
  if (typeof resolve !== 'function') return pending;
  query.resolve = (result) => {
    query.args = null;
    query.parameters = null;
    resolve(result);
  };
  return pending;
}

/**
 * The client drizzle is given: marked statements prepared, parameters let go of, and every query and transaction
 * through the guards of postgres-guard.ts.
 */
function guardedClient(client: PostgresClient): PostgresClient {
  const connects = new ConnectFailures();
  const wrap = (target: PostgresClient, transaction?: TransactionState): PostgresClient =>
    new Proxy(target, {
      get(object, property, receiver) {
        if (property === 'unsafe') {
          return (query: string, params?: unknown[], options: { prepare?: boolean } = {}) => {
            // a transaction has its connection: only queries waiting for one of the pool's are refused while down
            const refusal = transaction ? transaction.refusal() : connects.refusal();
            if (refusal) return refusedQuery(refusal);
            // postgres.js types unsafe()'s parameters by its own serialisable union; drizzle hands them on as unknown[]
            const pending = object.unsafe(query, params as never, query.startsWith(PREPARED_MARK) ? { ...options, prepare: true } : options);
            return releaseParametersWhenDone(transaction ? transaction.watch(pending) : connects.watch(pending));
          };
        }
        // a transaction runs on a client of its own: it prepares marked statements too
        if (property === 'begin') return (...args: unknown[]) => beginGuarded(object, args, connects, wrap);
        return Reflect.get(object, property, receiver);
      },
    });
  return wrap(client);
}

async function openPglite(dataDir: string): Promise<DatabaseHandle> {
  const { PGlite } = await import('@electric-sql/pglite');
  const { drizzle } = await import('drizzle-orm/pglite');
  const { migrate } = await import('drizzle-orm/pglite/migrator');
  if (!dataDir.startsWith('memory://')) mkdirSync(dataDir, { recursive: true });
  const client = await PGlite.create(dataDir);
  const db = drizzle(client, { schema });
  await migrate(db, { migrationsFolder });
  return { db, kind: 'pglite', close: () => client.close() };
}

/** Opens the database and brings its schema up to date. */
export async function openDatabase(target: DatabaseTarget): Promise<DatabaseHandle> {
  return target.kind === 'postgres'
    ? openPostgres(target.url, target.maxConnections ?? 10)
    : openPglite(target.dataDir);
}

/** A ping still waiting for its answer, per database: pings while one waits share it instead of piling up. */
const pingsInFlight = new WeakMap<Database, Promise<unknown>>();

/**
 * One round trip to the database; fails after `timeoutMs` without an answer. A server that is gone refuses at once,
 * but one that is stopped or cut off by the network may leave a query without an answer for minutes.
 */
export async function pingDatabase(db: Database, timeoutMs = 2000): Promise<void> {
  let ping = pingsInFlight.get(db);
  if (!ping) {
    ping = db.execute(sql`select 1`).finally(() => pingsInFlight.delete(db));
    pingsInFlight.set(db, ping);
  }
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DatabaseUnavailableError(undefined, `no answer to a ping within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    await Promise.race([ping, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Orders text by code point whatever the database's collation, so pages are the same on PGlite and PostgreSQL. */
export function byCodePoint(column: AnyPgColumn): SQL {
  return sql`${column} collate "C"`;
}

/** The rows of `db.execute`, which postgres.js returns as an array and PGlite as `{ rows }`. */
export function rowsOf<T>(result: unknown): T[] {
  return (Array.isArray(result) ? result : (result as { rows: T[] }).rows) as T[];
}
