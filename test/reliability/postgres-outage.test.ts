/**
 * PostgreSQL going away under a running Anode (a process of its own, as `npm start` runs it, on a PostgreSQL server
 * this test starts itself): stations charging meanwhile get an answer to every call, a CALLRESULT only for what is
 * committed, a CALLERROR saying the database is unavailable otherwise; Anode never exits, /health says what is wrong
 * while it is, and Anode is back by itself when PostgreSQL is.
 */
import postgres from 'postgres';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startAnodeProcess, type AnodeProcess } from '../support/anode-process.js';
import { compareWithDatabase, MeterFlow, type Query } from '../support/meter-flow.js';
import { createPostgresServer, postgresBinDir, type PostgresServer } from '../support/postgres-server.js';

const binaries = postgresBinDir();
if (!binaries) console.warn('postgres-outage: skipped: no PostgreSQL binaries (initdb, pg_ctl) under /usr/lib/postgresql/*/bin');

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** What a station is answered while the database is unavailable: InternalError (the fault is the server's), saying so. */
const UNAVAILABLE_ANSWER = /^InternalError: database unavailable, try again$/;

/** How long the database may take to come back into /health after PostgreSQL is accepting connections again. */
const RECOVERY_BOUND_MS = 5000;

let server: PostgresServer | undefined;
let anode: AnodeProcess | undefined;
let sql: postgres.Sql | undefined;
const query: Query = async (text) => [...(await sql!.unsafe(text))];

const anodeEnv = () => ({ DATABASE_URL: server!.url('anode'), DATABASE_POOL_SIZE: '4' });

beforeAll(async () => {
  if (!binaries) return;
  server = await createPostgresServer();
  const admin = postgres(server.url(), { max: 1, onnotice: () => {} });
  await admin`create database anode`;
  await admin.end();
  anode = await startAnodeProcess(anodeEnv());
  // the test's own reads reconnect by themselves too
  sql = postgres(server.url('anode'), { max: 1, onnotice: () => {} });
}, 60_000);

/** Every case's stations, stopped and disconnected after it even when it failed. */
const flows: MeterFlow[] = [];

afterEach(async () => {
  for (const flow of flows.splice(0)) {
    await flow.stop();
    await flow.closeStations();
  }
  // a case that failed while PostgreSQL was stopped leaves it stopped, or Anode exited: the next case has them again
  if (server && !server.running) await server.start();
  if (anode && !anode.alive()) anode = await startAnodeProcess(anodeEnv());
});

afterAll(async () => {
  for (const flow of flows.splice(0)) await flow.closeStations();
  await anode?.kill();
  await sql?.end({ timeout: 1 }).catch(() => {});
  await server?.destroy();
});

async function health(): Promise<{ status: number; body: { database: { ok: boolean; error?: string } }; ms: number }> {
  const sent = performance.now();
  try {
    const response = await fetch(`${anode!.url}/health`, { signal: AbortSignal.timeout(10_000) });
    return { status: response.status, body: (await response.json()) as never, ms: Math.round(performance.now() - sent) };
  } catch (error) {
    if (!anode!.alive()) throw new Error(`Anode exited (${anode!.exitCode()}): ${anode!.output().slice(-3000)}`);
    throw error;
  }
}

/** Milliseconds until /health answers 200 (polled every 50 ms). */
async function untilHealthy(boundMs: number): Promise<number> {
  const since = performance.now();
  while (performance.now() - since < boundMs) {
    if ((await health().catch(() => undefined))?.status === 200) return Math.round(performance.now() - since);
    await sleep(50);
  }
  throw new Error(`/health not 200 within ${boundMs} ms`);
}

/** Stations of this case, booted, in a steady flow of transactions and meter values. */
async function flowing(prefix: string): Promise<MeterFlow> {
  const flow = new MeterFlow(
    Array.from({ length: 10 }, (_, index) => `${prefix}-${index + 1}`),
    3,
    { intervalMs: 100, meterValuesPerTransaction: 10 },
  );
  flows.push(flow);
  await flow.register(anode!.anode);
  flow.start();
  return flow;
}

/** Ends the flow and checks the rules every case shares; returns the figures to report. */
async function endAndCheck(flow: MeterFlow, warnLinesBefore: number) {
  await flow.stop();
  await flow.finish();
  await flow.closeStations();
  const comparison = await compareWithDatabase(query, flow);
  const warnLines = anode!.lines(40).length - warnLinesBefore;
  console.info(JSON.stringify({ outcomes: flow.outcomes, ...comparison, warnLines }));
  expect(anode!.alive(), anode!.output().slice(-4000)).toBe(true);
  // every call was answered in time: a CALLRESULT, or a CALLERROR that says the database is the problem
  expect(flow.outcomes.timeouts).toBe(0);
  expect(flow.outcomes.failures).toEqual({});
  for (const callError of Object.keys(flow.outcomes.callErrors)) expect(callError).toMatch(UNAVAILABLE_ANSWER);
  expect(comparison.missingMeterValues).toEqual([]);
  expect(comparison.missingStarts).toEqual([]);
  expect(comparison.wrongStops).toEqual([]);
  expect(comparison.doubledStarts).toEqual([]);
  expect(comparison.unacknowledgedTransactions).toEqual([]);
  expect(comparison.stored.stopped).toBe(comparison.stored.transactions);
  // a run of identical failures is logged once per window, not each of them
  expect(warnLines).toBeLessThan(20);
  return comparison;
}

describe.skipIf(!binaries)('PostgreSQL stops for a few seconds while stations charge', () => {
  it('answers every call, acknowledges only what is committed, says 503 on /health meanwhile and is back by itself', async () => {
    const warnLinesBefore = anode!.lines(40).length;
    const flow = await flowing('DOWN');
    await sleep(1500);
    const answeredBefore = flow.outcomes.results;
    expect(answeredBefore).toBeGreaterThan(50);

    await server!.stop();
    const down = await health();
    expect(down.status).toBe(503);
    expect(down.body.database.ok).toBe(false);
    expect(down.body.database.error).toMatch(/ECONNREFUSED|terminating connection|shutting down|no answer to a ping/);
    expect(down.ms).toBeLessThan(3000);
    await sleep(3000);
    const stillDown = await health();
    expect(stillDown.status).toBe(503);
    expect(stillDown.ms).toBeLessThan(3000);
    const adminWhileDown = await fetch(`${anode!.url}/api/v0/cs`, { signal: AbortSignal.timeout(10_000) });
    expect(adminWhileDown.status).toBe(503);
    expect(adminWhileDown.headers.get('Retry-After')).toBe('5');
    expect(await adminWhileDown.json()).toEqual({ status: 'Service Unavailable', error: 'database unavailable, try again' });
    const answeredWhileDown = flow.outcomes.results - answeredBefore;

    await server!.start();
    const recoveryMs = await untilHealthy(RECOVERY_BOUND_MS);
    const answeredAtRecovery = flow.outcomes.results;
    await sleep(2000);
    expect(flow.outcomes.results - answeredAtRecovery).toBeGreaterThan(50);
    const comparison = await endAndCheck(flow, warnLinesBefore);
    console.info(JSON.stringify({ case: 'stopped', recoveryMs, answeredWhileDown, healthWhileDown: down }));
    expect(Object.values(flow.outcomes.callErrors).reduce((sum, n) => sum + n, 0)).toBeGreaterThan(0);
    expect(comparison.acked.meterValues).toBeGreaterThan(100);
  });
});

describe.skipIf(!binaries)('PostgreSQL restarts (stopped and started again at once) while stations charge', () => {
  it('answers every call, loses nothing acknowledged and is healthy again by itself', async () => {
    const warnLinesBefore = anode!.lines(40).length;
    const flow = await flowing('RESTART');
    await sleep(1500);
    await server!.stop();
    await server!.start();
    const recoveryMs = await untilHealthy(RECOVERY_BOUND_MS);
    const answeredAtRecovery = flow.outcomes.results;
    await sleep(2000);
    expect(flow.outcomes.results - answeredAtRecovery).toBeGreaterThan(50);
    await endAndCheck(flow, warnLinesBefore);
    console.info(JSON.stringify({ case: 'restarted', recoveryMs }));
  });
});

describe.skipIf(!binaries)("Anode's connections are terminated (pg_terminate_backend) while stations charge", () => {
  it('answers every call, loses nothing acknowledged and reconnects by itself', async () => {
    const warnLinesBefore = anode!.lines(40).length;
    const flow = await flowing('TERMINATED');
    await sleep(1500);
    let terminated = 0;
    for (let round = 0; round < 3; round += 1) {
      const rows = await sql!`select pg_terminate_backend(pid) as ok from pg_stat_activity
        where datname = 'anode' and pid <> pg_backend_pid() and backend_type = 'client backend'`;
      terminated += rows.filter((row) => row.ok).length;
      await sleep(300);
    }
    expect(terminated).toBeGreaterThan(0);
    const recoveryMs = await untilHealthy(RECOVERY_BOUND_MS);
    const answeredAtRecovery = flow.outcomes.results;
    await sleep(2000);
    expect(flow.outcomes.results - answeredAtRecovery).toBeGreaterThan(50);
    await endAndCheck(flow, warnLinesBefore);
    console.info(JSON.stringify({ case: 'terminated', terminated, recoveryMs }));
  });
});
