/**
 * OCPI locations benchmark: `npm run bench:ocpi` — GET /ocpi/2.2.1/locations (pages of 50 over 10,000 locations)
 * against Anode on a throw-away PostgreSQL database, and against a bare node:http handler serving a page of the
 * same size (bare-server.ts), on the same machine in the same run, with the same load generator (load-generator.ts,
 * a separate process). Prints req/s and latency for both and the ratio; target ≥ 0.5 of the bare ceiling. Only talks
 * to 127.0.0.1; every loop is bounded in time.
 *
 * Options (environment): BENCH_LOCATIONS (10000), BENCH_SECONDS (10 per round), BENCH_CONNECTIONS (32),
 * BENCH_ROUNDS (2, alternating bare and Anode to expose the noise), BENCH_ADMIN_DATABASE_URL (a role that may
 * create databases; default the CI role postgres://anode_ci:anode_ci@127.0.0.1:5432/anode_ci), BENCH_SERVER_NODE_ARGS
 * (node options for the server instead of those of npm start, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof").
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { adminDatabaseUrl, createThrowawayDatabase, databaseSetupHelp, type ThrowawayDatabase } from '../shared/database.js';
import { ANODE_ENTRY, REPO_ROOT, anodeNodeOptions, freePort, waitForHealth } from '../shared/local-server.js';
import type { LoadOptions, LoadResult } from './load-generator.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const LOCATIONS = env('BENCH_LOCATIONS', 10_000);
const SECONDS = env('BENCH_SECONDS', 10);
const CONNECTIONS = env('BENCH_CONNECTIONS', 32);
const ROUNDS = env('BENCH_ROUNDS', 2);
const HARD_LIMIT_MS = 15 * 60_000;

/** Forks one of this benchmark's child processes (load-generator.ts, bare-server.ts) with its JSON argument. */
function forkChild(script: string, argument: object): ChildProcess {
  return fork(join(HERE, script), [JSON.stringify(argument)], { cwd: REPO_ROOT, execArgv: ['--import', 'tsx'], stdio: 'inherit' });
}

function firstMessage<T>(child: ChildProcess): Promise<T> {
  return new Promise((resolveMessage, reject) => {
    child.once('message', (message) => resolveMessage(message as T));
    child.once('exit', (code) => reject(new Error(`child exited with ${code} before answering`)));
  });
}

async function runLoad(url: string, token: string): Promise<LoadResult> {
  const options: LoadOptions = { url, token, seconds: SECONDS, connections: CONNECTIONS, pages: Math.ceil(LOCATIONS / 50) };
  const child = forkChild('load-generator.ts', options);
  const result = await firstMessage<LoadResult>(child);
  child.kill();
  return result;
}

async function waitForAnode(url: string): Promise<void> {
  if (!(await waitForHealth(url, 60_000)).healthy) throw new Error('Anode did not become healthy in 60 s');
}

async function seed(url: string, adminToken: string): Promise<void> {
  const headers = { Authorization: `Bearer ${adminToken}`, 'Content-Type': 'application/json' };
  let next = 0;
  const worker = async () => {
    while (next < LOCATIONS) {
      const i = next++;
      const id = `BENCH-${String(i).padStart(5, '0')}`;
      const body = {
        name: `Bench location ${i}`,
        address: `Benchstraat ${i}`,
        city: 'Utrecht',
        postal_code: '3511AA',
        country: 'NLD',
        coordinates: { latitude: (52 + (i % 1000) / 10000).toFixed(6), longitude: (5 + Math.floor(i / 1000) / 1000).toFixed(6) },
        parking_type: 'ON_STREET',
        evses: [1, 2].map((n) => ({
          uid: `${id}-${n}`,
          evse_id: `NL*ANO*E${i}*${n}`,
          station_id: `${id}-CS`,
          ocpp_evse_id: n,
          connectors: [{ id: '1', standard: 'IEC_62196_T2', format: 'SOCKET', power_type: 'AC_3_PHASE', max_voltage: 400, max_amperage: 32 }],
        })),
      };
      const response = await fetch(`${url}/api/v0/location/${id}`, { method: 'POST', headers, body: JSON.stringify(body) });
      if (response.status !== 201) throw new Error(`seeding ${id}: HTTP ${response.status} ${await response.text()}`);
    }
  };
  await Promise.all(Array.from({ length: 16 }, worker));
}

const fmt = (result: LoadResult) =>
  `${result.rps.toFixed(0).padStart(7)} req/s   p50 ${result.p50.toFixed(2).padStart(7)} ms   p99 ${result.p99.toFixed(2).padStart(7)} ms   max ${result.max.toFixed(1).padStart(7)} ms   errors ${result.errors}`;

async function main(): Promise<void> {
  const hardStop = setTimeout(() => {
    console.error('bench:ocpi: hard time limit reached');
    process.exit(1);
  }, HARD_LIMIT_MS);
  hardStop.unref();
  const adminUrl = adminDatabaseUrl();
  const children: ChildProcess[] = [];
  let database: ThrowawayDatabase | undefined;
  let anode: ChildProcess | undefined;
  const cleanup = async () => {
    for (const child of children) child.kill();
    if (anode && anode.exitCode === null) {
      anode.kill('SIGTERM');
      await new Promise((resolveExit) => anode!.once('exit', resolveExit));
    }
    await database?.drop().catch(() => undefined);
    await database?.close();
  };
  process.once('SIGINT', () => void cleanup().then(() => process.exit(130)));
  try {
    try {
      database = await createThrowawayDatabase(adminUrl, `anode_bench_ocpi_${randomBytes(4).toString('hex')}`);
    } catch (error) {
      process.stdout.write(databaseSetupHelp(adminUrl, error));
      throw error;
    }
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const adminToken = randomBytes(24).toString('hex');
    const nodeArgs = anodeNodeOptions(process.env.BENCH_SERVER_NODE_ARGS);
    anode = spawn(process.execPath, [...nodeArgs, ...ANODE_ENTRY], {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'ignore', 'inherit'],
      env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', DATABASE_URL: database.url, NODE_ENV: 'production', LOG_LEVEL: 'warn', ADMIN_API_TOKEN: adminToken },
    });
    await waitForAnode(url);
    const seedStarted = performance.now();
    await seed(url, adminToken);
    console.log(`seeded ${LOCATIONS} locations (2 EVSEs each) in ${((performance.now() - seedStarted) / 1000).toFixed(1)} s`);
    const partnerToken = `bench-${randomBytes(8).toString('hex')}`;
    await fetch(`${url}/api/v0/register`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${adminToken}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ token: partnerToken, status: 'REGISTERED' }),
    });
    const sample = await fetch(`${url}/ocpi/2.2.1/locations?offset=0&limit=50`, {
      headers: { Authorization: `Token ${Buffer.from(partnerToken).toString('base64')}` },
    });
    const body = await sample.text();
    if (sample.status !== 200) throw new Error(`GET locations: HTTP ${sample.status} ${body}`);
    const bare = forkChild('bare-server.ts', { body, total: LOCATIONS });
    children.push(bare);
    const { port: barePort } = await firstMessage<{ port: number }>(bare);
    const bareUrl = `http://127.0.0.1:${barePort}/ocpi/2.2.1/locations`;
    const anodeUrl = `${url}/ocpi/2.2.1/locations`;

    console.log(`\nGET /ocpi/2.2.1/locations, page of 50 (${(Buffer.byteLength(body) / 1024).toFixed(1)} KiB), ${CONNECTIONS} connections, ${SECONDS} s per round`);
    console.log(`machine: ${os.cpus().length} × ${os.cpus()[0]?.model}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`);
    await runLoad(anodeUrl, partnerToken); // warm-up: JIT, connection pools, PostgreSQL caches
    const bareRuns: LoadResult[] = [];
    const anodeRuns: LoadResult[] = [];
    for (let round = 1; round <= ROUNDS; round += 1) {
      const bareResult = await runLoad(bareUrl, partnerToken);
      bareRuns.push(bareResult);
      console.log(`round ${round}  bare node:http  ${fmt(bareResult)}`);
      const anodeResult = await runLoad(anodeUrl, partnerToken);
      anodeRuns.push(anodeResult);
      console.log(`round ${round}  Anode           ${fmt(anodeResult)}`);
    }
    const mean = (runs: LoadResult[]) => runs.reduce((sum, run) => sum + run.rps, 0) / runs.length;
    const spread = (runs: LoadResult[]) => Math.max(...runs.map((run) => run.rps)) - Math.min(...runs.map((run) => run.rps));
    const ratio = mean(anodeRuns) / mean(bareRuns);
    console.log(`\nbare: ${mean(bareRuns).toFixed(0)} req/s (spread ${spread(bareRuns).toFixed(0)}), Anode: ${mean(anodeRuns).toFixed(0)} req/s (spread ${spread(anodeRuns).toFixed(0)})`);
    console.log(`ratio Anode / bare = ${ratio.toFixed(2)} (target ≥ 0.50: ${ratio >= 0.5 ? 'met' : 'NOT met'})`);
    console.log(`BENCH_RESULT ${JSON.stringify({ locations: LOCATIONS, connections: CONNECTIONS, seconds: SECONDS, bare: bareRuns, anode: anodeRuns, ratio })}`);
  } finally {
    await cleanup();
  }
}

main().catch((error: unknown) => {
  console.error('bench:ocpi failed:', error);
  process.exit(1);
});
