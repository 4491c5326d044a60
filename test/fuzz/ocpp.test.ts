/**
 * Property: whatever stations of either OCPP version send (fast-check frames from the OCPP schemas, with hostile
 * strings, numbers and dates, and frames that are not OCPP at all), Anode stays up, answers every call with something
 * other than InternalError, and logs no error. A run draws a few thousand frames; FUZZ_SEED replays one.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runOcppFuzz } from '../../fuzz/ocpp.js';
import { startFuzzTarget, type FuzzTarget } from '../../fuzz/target.js';
import { createTestDatabase, type TestDatabase } from '../support/anode.js';

const seed = Number(process.env.FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
let database: TestDatabase;
let target: FuzzTarget;

beforeAll(async () => {
  database = await createTestDatabase();
  target = await startFuzzTarget({ ...database.env, OCPP_MAX_BAD_MESSAGES: '1000' });
});
afterAll(async () => {
  await target?.stop();
  await database?.drop();
});

describe(`fuzzed OCPP 1.6 and 2.0.1 frames (FUZZ_SEED=${seed})`, () => {
  it('never take the process down, never get InternalError, never log an error', { timeout: 120_000 }, async () => {
    const report = await runOcppFuzz({ baseUrl: target.url, frames: 4000, durationMs: 60_000, stationsPerVersion: 3, seed });
    expect(report.internalErrors).toEqual([]);
    expect(report.unanswered).toBe(0);
    expect(target.alive()).toBe(true);
    expect(target.errorLines()).toEqual([]);
    expect(report.framesSent).toBeGreaterThanOrEqual(2000);
    expect(report.answers.CALLRESULT).toBeGreaterThan(0);
    expect((await fetch(`${target.url}/health`)).status).toBe(200);
  });
});
