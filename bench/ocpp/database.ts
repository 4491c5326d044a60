/**
 * bench:ocpp's database: the throw-away one it creates, and the persisted-count check (the sampled values and
 * transactions the server acknowledged against what it stored for this run's stations).
 */
import { performance } from 'node:perf_hooks';
import postgres from 'postgres';
import { adminDatabaseUrl, createThrowawayDatabase, databaseSetupHelp } from '../shared/database.js';
import { say } from './log.js';
import type { Merged } from './merge.js';
import { args, serverKind } from './options.js';
import { onCleanup, runId, stationPrefix } from './run-state.js';
import type { ServerHandle } from './server.js';
import { BenchError, sleep } from './wait.js';

export async function createDatabase(): Promise<string> {
  const adminUrl = adminDatabaseUrl();
  let database;
  try {
    database = await createThrowawayDatabase(adminUrl, `anode_bench_${runId}`);
  } catch (error) {
    process.stdout.write(databaseSetupHelp(adminUrl, error, ', or pass --database-url <url> (an existing database) or --no-db'));
    throw new BenchError('database setup failed');
  }
  const { name } = database;
  onCleanup('drop the benchmark database', async () => {
    if (args['keep-db']) {
      say(`keeping database ${name} (--keep-db)`);
    } else {
      await database.drop();
      say(`dropped database ${name}`);
    }
    await database.close();
  });
  say(`created database ${name}`);
  return database.url;
}

export interface Verification {
  status: 'match' | 'mismatch' | 'skipped';
  reason?: string;
  expectedSampledValues: number;
  persistedSampledValues?: number | null;
  persistedAfterServerStop?: number | null;
  expectedTransactions?: { started: number; stopped: number };
  persistedTransactions?: { total: number; stopped: number } | null;
}

export async function countPersisted(databaseUrl: string): Promise<{ meterValues: number | null; transactions: { total: number; stopped: number } | null; missing: string[] }> {
  const sql = postgres(databaseUrl, { max: 1, onnotice: () => undefined, connect_timeout: 10 });
  const like = `${stationPrefix}-%`;
  const missing: string[] = [];
  const missingTable = (error: unknown) => ['42P01', '42703'].includes(String((error as { code?: string })?.code));
  try {
    let meterValues: number | null = null;
    try {
      const [row] = await sql<{ n: number }[]>`select coalesce(sum(jsonb_array_length(sampled_values)), 0)::int as n from meter_values where station_id like ${like}`;
      meterValues = row.n;
    } catch (error) {
      if (!missingTable(error)) throw error;
      missing.push(`meter_values (${(error as Error).message})`);
    }
    let transactions: { total: number; stopped: number } | null = null;
    try {
      const [row] = await sql<{ total: number; stopped: number }[]>`
        select count(*)::int as total, count(stopped_at)::int as stopped from transactions where station_id like ${like}`;
      transactions = row;
    } catch (error) {
      if (!missingTable(error)) throw error;
      missing.push(`transactions (${(error as Error).message})`);
    }
    return { meterValues, transactions, missing };
  } finally {
    await sql.end({ timeout: 2 });
  }
}

export async function verifyPersisted(server: ServerHandle, databaseUrl: string | undefined, m: Merged): Promise<Verification> {
  const expected = m.sampledValuesAcked;
  const base: Verification = {
    status: 'skipped',
    expectedSampledValues: expected,
    expectedTransactions: { started: m.transactions.started, stopped: m.transactions.stopped },
  };
  if (!databaseUrl) {
    if (serverKind !== 'stub') return { ...base, reason: 'no database (--no-db)' };
    // The stub counts what it was sent instead of storing it: the same check against its counters.
    const res = await fetch(`${server.baseUrl}/stub/stats?prefix=${encodeURIComponent(stationPrefix + '-')}`);
    const stub = (await res.json()) as { sampledValues: number; transactionsStarted: number; transactionsStopped: number };
    return {
      ...base,
      status: stub.sampledValues === expected ? 'match' : 'mismatch',
      reason: 'stub counters (no database)',
      persistedSampledValues: stub.sampledValues,
      persistedTransactions: { total: stub.transactionsStarted, stopped: stub.transactionsStopped },
    };
  }
  // The server may write asynchronously: poll for a while until the count stops short of nothing.
  const until = performance.now() + 15_000;
  let counted = await countPersisted(databaseUrl);
  while (counted.meterValues !== null && counted.meterValues < expected && performance.now() < until) {
    await sleep(1000);
    counted = await countPersisted(databaseUrl);
  }
  if (counted.meterValues === null) {
    return {
      ...base,
      reason: `table missing in the benchmark database: ${counted.missing.join('; ')}. The gateway does not persist meter values yet, so the persisted-count check was skipped.`,
      persistedSampledValues: null,
      persistedTransactions: counted.transactions,
    };
  }
  return {
    ...base,
    status: counted.meterValues === expected ? 'match' : 'mismatch',
    persistedSampledValues: counted.meterValues,
    persistedTransactions: counted.transactions,
    reason: counted.missing.length ? `missing: ${counted.missing.join('; ')}` : undefined,
  };
}
