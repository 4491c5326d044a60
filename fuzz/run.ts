/**
 * npm run fuzz: the suite's fuzz tests for longer. Starts Anode as `npm start` does (PGlite in memory, or a fresh
 * database on TEST_DATABASE_URL's server), fuzzes its OCPP endpoint and its HTTP APIs at once for a while, and prints
 * what came back, the process's RSS before and after, and a `FUZZ_RESULT {…}` line. Exits 1 if anything failed:
 * the process ended, a call got InternalError, a request got a 5xx, or the log has a line at level 50 or above.
 *
 *   npm run fuzz -- [--seconds 60] [--frames 1000000] [--requests 100000] [--stations 25] [--seed N]
 */
import { parseArgs } from 'node:util';
import { createTestDatabase } from '../test/support/anode.js';
import { runHttpFuzz, seedFuzzData } from './http.js';
import { runOcppFuzz } from './ocpp.js';
import { startFuzzTarget } from './target.js';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '60' },
    frames: { type: 'string', default: '1000000000' },
    requests: { type: 'string', default: '1000000000' },
    stations: { type: 'string', default: '25' },
    seed: { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});
if (values.help) {
  console.log('npm run fuzz -- [--seconds 60] [--frames N] [--requests N] [--stations per OCPP version] [--seed N]');
  process.exit(0);
}

const seed = Number(values.seed ?? Math.floor(Math.random() * 2 ** 31));
const durationMs = Number(values.seconds) * 1000;
const adminToken = 'fuzz-admin-token';
const database = await createTestDatabase();
const target = await startFuzzTarget({ ...database.env, ADMIN_API_TOKEN: adminToken, OCPP_MAX_BAD_MESSAGES: '1000' });
const seeded = await seedFuzzData(target.url, adminToken);
const rssBefore = target.rssKiB();
console.log(`fuzzing ${target.url} (pid ${target.pid}) for ${values.seconds} s, seed ${seed}, RSS ${rssBefore} KiB`);

let outcome;
try {
  const [ocpp, http] = await Promise.all([
    runOcppFuzz({
      baseUrl: target.url,
      frames: Number(values.frames),
      durationMs,
      stationsPerVersion: Number(values.stations),
      seed,
      adminHeaders: { Authorization: `Bearer ${adminToken}` },
    }),
    runHttpFuzz({ baseUrl: target.url, numRuns: Number(values.requests), durationMs, seed, concurrency: 4, ...seeded }),
  ]);
  outcome = { ocpp, http };
} finally {
  const rssAfter = target.rssKiB();
  const alive = target.alive();
  const errorLines = target.errorLines();
  await seeded.stop();
  await target.stop();
  await database.drop();
  if (outcome) {
    const { ocpp, http } = outcome;
    const result = {
      seed,
      seconds: Number(values.seconds),
      alive,
      rssBeforeKiB: rssBefore,
      rssAfterKiB: rssAfter,
      errorLogLines: errorLines.length,
      ocpp: { ...ocpp, internalErrors: ocpp.internalErrors.length, perSecond: Math.round((ocpp.framesSent / ocpp.elapsedMs) * 1000) },
      http: {
        ...http,
        serverErrors: http.serverErrors.length,
        unanswered: http.unanswered.length,
        perSecond: Math.round((http.sent / http.durationMs) * 1000),
      },
    };
    console.log(`OCPP: ${ocpp.framesSent} frames, ${result.ocpp.perSecond}/s, answers ${JSON.stringify(ocpp.answers)}, closes ${JSON.stringify(ocpp.closes)}, InternalError ${ocpp.internalErrors.length}, unanswered ${ocpp.unanswered}`);
    for (const failure of ocpp.internalErrors.slice(0, 5)) console.log('  InternalError for', failure.frame.slice(0, 300));
    console.log(
      `HTTP: ${http.sent} requests, ${result.http.perSecond}/s, statuses ${JSON.stringify(http.byStatus)}, 5xx ${http.serverErrors.length}, unanswered ${http.unanswered.length}`,
    );
    for (const failure of [...http.serverErrors, ...http.unanswered].slice(0, 5)) console.log(`  ${failure.status ?? 'no answer'}: ${failure.description.slice(0, 300)}`);
    console.log(`process alive: ${alive}; RSS ${rssBefore} -> ${rssAfter} KiB; log lines at level >= 50: ${errorLines.length}`);
    for (const line of errorLines.slice(0, 5)) console.log('  ', JSON.stringify(line).slice(0, 300));
    console.log(`FUZZ_RESULT ${JSON.stringify(result)}`);
    const failed =
      !alive || ocpp.internalErrors.length > 0 || ocpp.unanswered > 0 || http.serverErrors.length > 0 || http.unanswered.length > 0 || errorLines.length > 0;
    process.exitCode = failed ? 1 : 0;
  } else {
    console.log(`process alive: ${alive}; log lines at level >= 50: ${errorLines.length}`);
    process.exitCode = 1;
  }
}
