/**
 * The log while something fails over and over (PostgreSQL away: every station call, every poll fails the same way):
 * the first of a run of identical errors is logged, then one per window that says how many it stood for.
 */
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { DatabaseUnavailableError } from '../../src/db/availability.js';
import { createLogger, RepeatLimiter } from '../../src/log.js';

function capturedLogger(now: () => number) {
  const lines: Array<Record<string, unknown>> = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      lines.push(JSON.parse(String(chunk)) as Record<string, unknown>);
      done();
    },
  });
  return { logger: createLogger('info', destination, new RepeatLimiter(10_000, 1000, now)), lines };
}

const refused = () => new DatabaseUnavailableError(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }));

describe('a run of identical errors', () => {
  it('is logged once per 10 s window, each line after the first saying how many were left out', async () => {
    let clock = 0;
    const { logger, lines } = capturedLogger(() => clock);
    for (let call = 0; call < 1000; call += 1) {
      clock = call * 25; // 40 a second for 25 s
      logger.error({ err: refused(), stationId: `CS${call}` }, 'handling a station call failed');
    }
    await new Promise((resolve) => setImmediate(resolve));
    expect(lines.map((line) => [line.stationId, line.repeatsLeftOut])).toEqual([
      ['CS0', undefined],
      ['CS400', 399],
      ['CS800', 399],
    ]);
  });

  it('counts errors with another message or another root cause apart', async () => {
    const { logger, lines } = capturedLogger(() => 0);
    const reset = new Error('write CONNECTION_CLOSED', { cause: Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }) });
    for (let call = 0; call < 10; call += 1) {
      logger.error({ err: refused() }, 'handling a station call failed');
      logger.error({ err: reset }, 'handling a station call failed');
      logger.warn({ err: refused() }, 'expiring reservations failed');
    }
    await new Promise((resolve) => setImmediate(resolve));
    expect(lines.map((line) => line.msg)).toEqual(['handling a station call failed', 'handling a station call failed', 'expiring reservations failed']);
  });

  it('leaves lines without an error, and those below warn, alone', async () => {
    const { logger, lines } = capturedLogger(() => 0);
    for (let call = 0; call < 5; call += 1) {
      logger.warn({ stationId: 'CS1' }, 'bad OCPP frame');
      logger.info({ err: refused() }, 'call refused');
    }
    await new Promise((resolve) => setImmediate(resolve));
    expect(lines).toHaveLength(10);
  });
});
