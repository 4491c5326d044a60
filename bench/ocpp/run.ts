/**
 * OCPP load benchmark for Anode: `npm run bench:ocpp` (see --help, options.ts).
 *
 * Starts a CSMS (Anode's src/main.ts on a throw-away PostgreSQL database, or the stub in
 * stub-csms.ts, or any command), registers simulated charge stations and tokens through the
 * admin API, then drives them from forked worker processes (station/worker.ts) through
 * three scenarios: boot-storm, hold and meter-values. Prints a table per scenario and one
 * `BENCH_RESULT {...}` JSON line with every figure. Only ever talks to 127.0.0.1.
 */
import { redact } from '../shared/database.js';
import { readFdCount, readFdLimit, readMachineCpuSeconds, readRssKb } from '../shared/proc.js';
import { setServerFdBaseline } from './capacity.js';
import { countPersisted, createDatabase, type Verification } from './database.js';
import { fmt, table, type Row } from './format.js';
import { round } from './histogram.js';
import { say, warn, warnings } from './log.js';
import { args, config, serverKind, useDb } from './options.js';
import { registrationTotals } from './registration.js';
import { missedTargets } from './report.js';
import { cpuProbeMs, finish, isExiting, machine, result, runId, takeCleanup } from './run-state.js';
import { bootStorm } from './scenarios/boot-storm.js';
import { hold } from './scenarios/hold.js';
import { meterValues, pendingRecheck } from './scenarios/meter-values.js';
import { startServer } from './server.js';
import { BenchError, sleep } from './wait.js';

async function main(): Promise<void> {
  say(
    `OCPP load benchmark ${runId}: scenarios ${config.scenarios.join(', ')}${config.quick ? ' (--quick)' : ''}; server: ${serverKind}; ` +
      `${config.workers} load-generator workers; 2.0.1 share ${config.ocpp201Share}`,
  );
  say(
    `machine: ${machine.cpus} CPUs (${machine.cpuModel}), ${machine.totalMemoryMb} MB, Node ${machine.node}, ${machine.platform}; ` +
      `open files ${machine.fdLimit ? `${machine.fdLimit.soft} (hard ${machine.fdLimit.hard})` : 'unknown'}; ` +
      `${machine.ephemeralPorts ?? '?'} ephemeral ports; somaxconn ${machine.somaxconn ?? '?'}`,
  );
  result.cpuProbeMs = { start: cpuProbeMs(), end: null };
  say(`CPU probe (a fixed loop, lower is faster): ${result.cpuProbeMs.start} ms`);
  const busy0 = readMachineCpuSeconds()?.busy ?? null;
  await sleep(1000);
  const busy1 = readMachineCpuSeconds()?.busy ?? null;
  if (busy0 !== null && busy1 !== null) {
    const busyPercent = Math.round((busy1 - busy0) * 100);
    result.machine.busyPercentBeforeStart = busyPercent;
    if (busyPercent >= 25) {
      warn(`the machine was already ${busyPercent}% busy (100% = one core) before the benchmark started: other processes will disturb the figures`);
    }
  }
  if (serverKind !== 'external' && machine.cpus <= config.workers + 1) {
    const note =
      `the server and ${config.workers} load-generator worker(s) share ${machine.cpus} CPU(s): they compete for CPU, so the ` +
      `server's figures here are a lower bound of what it does on a machine of its own`;
    result.cpuNote = note;
    say(`note: ${note}`);
  }

  let databaseUrl: string | undefined;
  if (useDb) databaseUrl = args['database-url'] ?? (await createDatabase());
  else say(serverKind === 'stub' ? 'no database: the stub keeps counters in memory' : 'no database (--no-db): the persisted-count check is skipped');
  result.config.databaseUrl = databaseUrl ? redact(databaseUrl) : null;

  const server = await startServer(databaseUrl);
  const serverFdBaseline = readFdCount(server.pid);
  setServerFdBaseline(serverFdBaseline);
  result.server = {
    kind: serverKind,
    command: serverKind === 'command' ? args['server-cmd'] : serverKind === 'external' ? args.url : serverKind === 'stub' ? 'bench/ocpp/stub-csms.ts' : 'src/main.ts',
    pid: server.pid ?? null,
    logFile: server.logFile ?? null,
    fdLimit: server.pid ? readFdLimit(server.pid) : null,
    fdsAtStart: serverFdBaseline,
    rssKbAtStart: readRssKb(server.pid),
    log: server.log,
  };
  say(`server ready (pid ${server.pid ?? '?'}, RSS ${fmt((readRssKb(server.pid) ?? NaN) / 1024, ' MB')}, ${serverFdBaseline ?? '?'} fds)`);

  let failures = 0;
  for (const scenario of config.scenarios) {
    if (isExiting()) break;
    say(`--- ${scenario} ---`);
    try {
      if (scenario === 'boot-storm') await bootStorm(server);
      else if (scenario === 'hold') await hold(server);
      else await meterValues(server, databaseUrl);
    } catch (error) {
      failures++;
      const message = error instanceof BenchError ? error.message : String((error as Error)?.stack ?? error);
      result.scenarios[scenario] = { error: message };
      process.stdout.write(`\n${scenario} FAILED: ${message}\n`);
      // Workers of a failed scenario are killed by their cleanup; a fresh pool starts for the next one.
    }
    if (server.exited) break;
  }

  result.registration = { ...registrationTotals, seconds: round(registrationTotals.seconds, 1) };
  result.server.rssKbAtEnd = readRssKb(server.pid);
  result.server.log = server.log;

  // Stop the server now (before the database is dropped) and re-count if the rows didn't match yet:
  // a server that buffers writes flushes on SIGTERM.
  const stopServer = takeCleanup('stop the server');
  if (stopServer) await stopServer().catch(() => undefined);
  if (pendingRecheck) {
    const counted = await countPersisted(pendingRecheck.databaseUrl).catch(() => null);
    const v = pendingRecheck.verification;
    v.persistedAfterServerStop = counted?.meterValues ?? null;
    if (counted?.meterValues === v.expectedSampledValues) {
      v.status = 'match';
      say(`after the server stopped, meter_values holds ${counted.meterValues} sampled values: now a MATCH (the server flushed on shutdown)`);
    } else {
      say(`after the server stopped, meter_values holds ${counted?.meterValues ?? 'n/a'} sampled values: still a MISMATCH (expected ${v.expectedSampledValues})`);
    }
  }

  if (server.log.errors || server.log.warns || server.log.nonJson) {
    table('server log', [
      ['error lines (level ≥ 50)', `${server.log.errors}${server.log.firstErrors.length ? `: ${server.log.firstErrors.join(' | ')}` : ''}`],
      ['warn lines', `${server.log.warns}${server.log.firstWarns.length ? `: ${server.log.firstWarns.join(' | ')}` : ''}`],
      ['non-JSON lines', `${server.log.nonJson}${server.log.firstNonJson.length ? `: ${server.log.firstNonJson.join(' | ')}` : ''}`],
      ['full log', server.logFile ?? 'n/a'],
    ]);
  }
  if (warnings.length) table('warnings', warnings.map((w, i) => [String(i + 1), w] as Row));

  const mismatch = (result.scenarios['meter-values'] as { verification?: Verification } | undefined)?.verification?.status === 'mismatch';
  const targetsMissed = missedTargets();
  result.targetsMissed = targetsMissed;
  result.ok = failures === 0 && !mismatch;
  const code = failures > 0 || mismatch ? 1 : args['strict-targets'] && targetsMissed > 0 ? 3 : 0;
  await finish(code, failures ? `${failures} scenario(s) failed` : mismatch ? 'persisted meter values do not match what the server acknowledged' : undefined);
}

main().catch((error: unknown) =>
  finish(1, error instanceof BenchError ? error.message : String((error as Error)?.stack ?? error)),
);

