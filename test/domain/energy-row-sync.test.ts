/**
 * When a running transaction's row takes its latest energy reading (TRANSACTION_METER_SYNC_SECONDS): its first
 * reading at once, then about once per interval, never lagging by more than one interval, and transactions that began
 * together spread over the interval rather than all due in the same second.
 */
import { describe, expect, it } from 'vitest';
import { EnergyRowSync } from '../../src/domain/energy-row-sync.js';

const INTERVAL_MS = 15_000;
const SAMPLE_EVERY_MS = 1_000;

/** Each of these transactions sends a reading every second for `seconds`; returns when each row was refreshed. */
function simulate(sync: EnergyRowSync, transactionIds: number[], seconds: number, startAt = 0): Map<number, number[]> {
  const refreshes = new Map<number, number[]>(transactionIds.map((id) => [id, []]));
  for (let now = startAt; now < startAt + seconds * 1000; now += SAMPLE_EVERY_MS) {
    for (const id of transactionIds) if (sync.due(id, now)) refreshes.get(id)!.push(now);
  }
  return refreshes;
}

const consecutiveIds = (from: number, count: number) => Array.from({ length: count }, (_, index) => from + index);

describe('A running transaction is refreshed about once per interval', () => {
  it("the first reading is taken at once; after the refresh at the transaction's phase, refreshes are an interval apart", () => {
    const refreshes = simulate(new EnergyRowSync(INTERVAL_MS), consecutiveIds(1, 500), 120);
    for (const times of refreshes.values()) {
      expect(times[0]).toBe(0);
      expect(times[1]).toBeLessThanOrEqual(INTERVAL_MS);
      for (let index = 2; index < times.length; index += 1) expect(times[index] - times[index - 1]).toBeGreaterThanOrEqual(INTERVAL_MS);
    }
  });

  it('a reading every second costs one row update per transaction per interval, not one per reading', () => {
    const refreshes = simulate(new EnergyRowSync(INTERVAL_MS), consecutiveIds(1, 500), 150);
    const total = [...refreshes.values()].reduce((sum, times) => sum + times.length, 0);
    expect(total).toBeGreaterThanOrEqual(500 * 10);
    expect(total).toBeLessThanOrEqual(500 * 11);
  });

  it('with an interval of 0 every reading is written', () => {
    const refreshes = simulate(new EnergyRowSync(0), [7, 8], 5);
    expect(refreshes.get(7)).toHaveLength(5);
    expect(refreshes.get(8)).toHaveLength(5);
  });
});

describe("A transaction's row never lags by more than one interval", () => {
  it('between refreshes never more than one interval passes (given a reading at its end)', () => {
    const refreshes = simulate(new EnergyRowSync(INTERVAL_MS), consecutiveIds(1000, 300), 100, 5_000);
    for (const times of refreshes.values()) {
      expect(times[0]).toBe(5_000);
      for (let index = 1; index < times.length; index += 1) expect(times[index] - times[index - 1]).toBeLessThanOrEqual(INTERVAL_MS + SAMPLE_EVERY_MS);
    }
  });

  it('a transaction that went quiet, and was forgotten to make room, has its next reading taken at once', () => {
    const sync = new EnergyRowSync(INTERVAL_MS, 10);
    simulate(sync, consecutiveIds(1, 10), 20);
    simulate(sync, consecutiveIds(100, 10), 20, 60_000); // 10 more transactions: the quiet ones are forgotten
    expect(sync.tracked).toBeLessThanOrEqual(11);
    expect(simulate(sync, [3], 1, 200_000).get(3)).toEqual([200_000]);
  });

  it('a stopped transaction is no longer tracked', () => {
    const sync = new EnergyRowSync(INTERVAL_MS);
    sync.due(1, 0);
    sync.due(2, 0);
    sync.forget(1);
    expect(sync.tracked).toBe(1);
  });
});

describe('Transactions that began together are refreshed spread over the interval', () => {
  it('5,000 transactions started in the same second: after their first readings, no second carries more than twice its share', () => {
    const ids = consecutiveIds(41_000, 5_000);
    const refreshes = simulate(new EnergyRowSync(INTERVAL_MS), ids, 60);
    const perSecond = new Map<number, number>();
    for (const times of refreshes.values()) for (const at of times.slice(1)) perSecond.set(at / 1000, (perSecond.get(at / 1000) ?? 0) + 1);
    const fairShare = ids.length / (INTERVAL_MS / 1000);
    expect(Math.max(...perSecond.values())).toBeLessThanOrEqual(2 * fairShare);
    // and every transaction was refreshed in the minute
    expect([...refreshes.values()].every((times) => times.length >= 3)).toBe(true);
  });
});
