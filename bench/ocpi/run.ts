/**
 * OCPI locations benchmark: `npm run bench:ocpi` — GET /ocpi/2.2.1/locations (pages of 50 over 10,000 locations)
 * against Anode on a throw-away PostgreSQL database, and against a bare node:http handler serving a page of the
 * same size, on the same machine in the same run, with the same load generator (a separate process). Prints
 * req/s and latency for both and the ratio; target ≥ 0.5 of the bare ceiling. Only talks to 127.0.0.1; every loop
 * is bounded in time.
 *
 * Options (environment): BENCH_LOCATIONS (10000), BENCH_SECONDS (10 per round), BENCH_CONNECTIONS (32),
 * BENCH_ROUNDS (2, alternating bare and Anode to expose the noise), BENCH_ADMIN_DATABASE_URL (a role that may
 * create databases; default the CI role postgres://anode_ci:anode_ci@127.0.0.1:5432/anode_ci), BENCH_SERVER_NODE_ARGS
 * (node options for the server instead of those of npm start, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof").
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer as createHttpServer } from 'node:http';
import { createServer } from 'node:net';
import os from 'node:os';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import postgres from 'postgres';
import { ANODE_ENTRY, npmStartNodeOptions } from '../../scripts/start-command.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, '../..');
const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const LOCATIONS = env('BENCH_LOCATIONS', 10_000);
const SECONDS = env('BENCH_SECONDS', 10);
const CONNECTIONS = env('BENCH_CONNECTIONS', 32);
const ROUNDS = env('BENCH_ROUNDS', 2);
const ADMIN_DB = process.env.BENCH_ADMIN_DATABASE_URL ?? 'postgres://anode_ci:anode_ci@127.0.0.1:5432/anode_ci';
const HARD_LIMIT_MS = 15 * 60_000;

interface LoadResult {
  requests: number;
  errors: number;
  seconds: number;
  rps: number;
  p50: number;
  p99: number;
  max: number;
}

// ---------- the load generator (runs in its own process) ----------

async function loadGenerator(): Promise<void> {
  const { url, token, seconds, connections, pages } = JSON.parse(process.argv[3]) as {
    url: string;
    token: string;
    seconds: number;
    connections: number;
    pages: number;
  };
  const latencies: number[] = [];
  let errors = 0;
  const deadline = performance.now() + seconds * 1000;
  const headers = { Authorization: `Token ${Buffer.from(token).toString('base64')}` };
  const worker = async (index: number) => {
    let n = index;
    while (performance.now() < deadline) {
      const offset = ((n * 7919) % pages) * 50;
      n += connections;
      const started = performance.now();
      try {
        const response = await fetch(`${url}?offset=${offset}&limit=50`, { headers });
        await response.arrayBuffer();
        if (response.status !== 200) errors += 1;
        else latencies.push(performance.now() - started);
      } catch {
        errors += 1;
      }
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: connections }, (_, index) => worker(index)));
  const elapsed = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0;
  const result: LoadResult = {
    requests: latencies.length,
    errors,
    seconds: elapsed,
    rps: latencies.length / elapsed,
    p50: at(0.5),
    p99: at(0.99),
    max: latencies.at(-1) ?? 0,
  };
  process.send!(result);
}

// ---------- the bare ceiling (its own process too) ----------

function bareServer(): void {
  const { body } = JSON.parse(process.argv[3]) as { body: string };
  const payload = Buffer.from(body);
  const server = createHttpServer((request, response) => {
    response.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': payload.length, 'X-Total-Count': String(LOCATIONS) });
    response.end(payload);
  });
  server.listen(0, '127.0.0.1', () => process.send!({ port: (server.address() as { port: number }).port }));
}

// ---------- orchestration ----------

function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolvePort(port));
    });
  });
}

function forkSelf(role: string, argument: object): ChildProcess {
  return fork(fileURLToPath(import.meta.url), [role, JSON.stringify(argument)], { execArgv: ['--import', 'tsx'], stdio: 'inherit' });
}

function firstMessage<T>(child: ChildProcess): Promise<T> {
  return new Promise((resolveMessage, reject) => {
    child.once('message', (message) => resolveMessage(message as T));
    child.once('exit', (code) => reject(new Error(`child exited with ${code} before answering`)));
  });
}

async function runLoad(url: string, token: string): Promise<LoadResult> {
  const child = forkSelf('load', { url, token, seconds: SECONDS, connections: CONNECTIONS, pages: Math.ceil(LOCATIONS / 50) });
  const result = await firstMessage<LoadResult>(child);
  child.kill();
  return result;
}

async function waitForHealth(url: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if ((await fetch(`${url}/health`).catch(() => undefined))?.status === 200) return;
    await new Promise((resolveWait) => setTimeout(resolveWait, 250));
  }
  throw new Error('Anode did not become healthy in 60 s');
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
  const database = `anode_bench_ocpi_${randomBytes(4).toString('hex')}`;
  const admin = postgres(ADMIN_DB, { max: 1, onnotice: () => {} });
  const children: ChildProcess[] = [];
  let anode: ChildProcess | undefined;
  const cleanup = async () => {
    for (const child of children) child.kill();
    if (anode && anode.exitCode === null) {
      anode.kill('SIGTERM');
      await new Promise((resolveExit) => anode!.once('exit', resolveExit));
    }
    await admin.unsafe(`drop database if exists ${database} with (force)`).catch(() => undefined);
    await admin.end({ timeout: 5 });
  };
  process.once('SIGINT', () => void cleanup().then(() => process.exit(130)));
  try {
    await admin.unsafe(`create database ${database}`);
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const databaseUrl = new URL(ADMIN_DB);
    databaseUrl.pathname = `/${database}`;
    const adminToken = randomBytes(24).toString('hex');
    const nodeArgs = process.env.BENCH_SERVER_NODE_ARGS === undefined ? npmStartNodeOptions() : process.env.BENCH_SERVER_NODE_ARGS.split(' ').filter(Boolean);
    anode = spawn(process.execPath, [...nodeArgs, ...ANODE_ENTRY], {
      cwd: ROOT,
      stdio: ['ignore', 'ignore', 'inherit'],
      env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', DATABASE_URL: databaseUrl.toString(), NODE_ENV: 'production', LOG_LEVEL: 'warn', ADMIN_API_TOKEN: adminToken },
    });
    await waitForHealth(url);
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
    const bare = forkSelf('bare', { body });
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

const role = process.argv[2];
if (role === 'load') void loadGenerator();
else if (role === 'bare') bareServer();
else
  main().catch((error: unknown) => {
    console.error('bench:ocpi failed:', error);
    process.exit(1);
  });


