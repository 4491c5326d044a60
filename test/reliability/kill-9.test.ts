/**
 * Anode killed outright (SIGKILL) while a few hundred transactions are charging, then started again on the same
 * database (PGlite in a data directory, or PostgreSQL when TEST_DATABASE_URL is set): whatever a station was answered
 * with a CALLRESULT is stored, no transaction is lost or doubled, and the stations carry on where they were.
 */
import postgres from 'postgres';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createTestDatabase, onPostgres, type TestDatabase } from '../support/anode.js';
import { startAnodeProcess, type AnodeProcess } from '../support/anode-process.js';
import { compareWithDatabase, MeterFlow, type Query } from '../support/meter-flow.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** How soon after its start a killed Anode must answer /health with 200 again. */
const READY_BOUND_MS = 15_000;

let database: TestDatabase | undefined;
const processes: AnodeProcess[] = [];
let flow: MeterFlow | undefined;

afterAll(async () => {
  await flow?.stop();
  await flow?.closeStations();
  for (const anode of processes) await anode.kill();
  await database?.drop();
});

/** Reads the database once no Anode has it open (PGlite is one process's at a time). */
async function withDatabase<T>(env: Record<string, string>, read: (query: Query) => Promise<T>): Promise<T> {
  const target = loadConfig(env).database;
  if (target.kind === 'postgres') {
    const sql = postgres(target.url, { max: 1, onnotice: () => {} });
    try {
      return await read(async (text) => [...(await sql.unsafe(text))]);
    } finally {
      await sql.end({ timeout: 5 });
    }
  }
  const { PGlite } = await import('@electric-sql/pglite');
  const pglite = await PGlite.create(target.dataDir);
  try {
    return await read(async (text) => (await pglite.query<Record<string, unknown>>(text)).rows);
  } finally {
    await pglite.close();
  }
}

describe(`kill -9 while stations charge, then a restart on the same database (${onPostgres ? 'PostgreSQL' : 'PGlite'})`, () => {
  it('keeps everything acknowledged, loses and doubles no transaction, and takes the stations back within seconds', async () => {
    database = await createTestDatabase({ persistent: true });
    // a fresh PGlite directory is made (initdb, migrations) on the first start: that one is slow on a busy machine
    const first = await startAnodeProcess(database.env, 60_000);
    processes.push(first);
    // 20 stations of 10 outlets each: 200 transactions charging at once, 800 MeterValues a second
    flow = new MeterFlow(
      Array.from({ length: 20 }, (_, index) => `KILL-${index + 1}`),
      10,
      { intervalMs: 250, meterValuesPerTransaction: Infinity },
    );
    await flow.register(first.anode);
    flow.start();
    const since = performance.now();
    while (flow.starts.length < 200 && performance.now() - since < 15_000) await sleep(50);
    const allStartedMs = Math.round(performance.now() - since);
    expect(flow.starts.length).toBe(200);
    await sleep(2000);
    expect(flow.meterValues.length).toBeGreaterThan(500);

    await first.kill();
    await flow.stop();
    const ackedAtKill = flow.meterValues.length;

    const second = await startAnodeProcess(database.env);
    processes.push(second);
    expect(second.readyMs).toBeLessThan(READY_BOUND_MS);
    await flow.reconnect(second.anode);
    flow.start();
    await sleep(1500);
    await flow.stop();
    await flow.finish();
    await flow.closeStations();
    expect(second.alive(), second.output().slice(-3000)).toBe(true);
    await second.stop();

    const comparison = await withDatabase(database.env, (query) => compareWithDatabase(query, flow!));
    console.info(
      JSON.stringify({
        database: onPostgres ? 'postgres' : 'pglite',
        readyAfterKillMs: second.readyMs,
        firstReadyMs: first.readyMs,
        allStartedMs,
        ackedAtKill,
        outcomes: flow.outcomes,
        ...comparison,
      }),
    );
    expect(flow.outcomes.timeouts).toBe(0);
    expect(comparison.missingMeterValueCount).toBe(0);
    expect(comparison.missingStarts).toEqual([]);
    expect(comparison.doubledStarts).toEqual([]);
    expect(comparison.unacknowledgedTransactions).toEqual([]);
    expect(comparison.wrongStops).toEqual([]);
    expect(comparison.stored.transactions).toBe(200);
    expect(comparison.acked.stops).toBe(200);
    expect(comparison.stored.stopped).toBe(200);
    expect(comparison.acked.meterValues).toBeGreaterThan(ackedAtKill);
  }, 90_000);
});
