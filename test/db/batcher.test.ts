/**
 * The write batcher every station message goes through: many items, one statement, and an item whose data the
 * database refuses fails alone, not the whole batch it happened to share.
 */
import { describe, expect, it } from 'vitest';
import { Batcher } from '../../src/db/batcher.js';

/** What PostgreSQL's drivers throw, wrapped the way the ORM wraps it. */
const databaseError = (code: string) => Object.assign(new Error('Failed query'), { cause: Object.assign(new Error(`SQLSTATE ${code}`), { code }) });

function recordingBatcher(refuse: (items: number[]) => Error | undefined) {
  const statements: number[][] = [];
  const batcher = new Batcher<number>(
    async (items) => {
      statements.push(items);
      const error = refuse(items);
      if (error) throw error;
    },
    { maxItems: 100, maxDelayMs: 1 },
  );
  return { batcher, statements };
}

const outcomes = (promises: Promise<void>[]) => Promise.all(promises.map((promise) => promise.then(() => 'written', () => 'failed')));

describe('A batch is one statement for many items', () => {
  it('items added together are written in one statement', async () => {
    const { batcher, statements } = recordingBatcher(() => undefined);
    expect(await outcomes([1, 2, 3].map((item) => batcher.add(item)))).toEqual(['written', 'written', 'written']);
    expect(statements).toEqual([[1, 2, 3]]);
  });
});

describe('An item whose data the database refuses fails alone', () => {
  it('a value out of range (22003) fails its own item; the rest of its batch is written', async () => {
    const { batcher } = recordingBatcher((items) => (items.includes(13) ? databaseError('22003') : undefined));
    const items = Array.from({ length: 40 }, (_, index) => index);
    const results = await outcomes(items.map((item) => batcher.add(item)));
    expect(results.filter((result) => result === 'failed')).toHaveLength(1);
    expect(results[13]).toBe('failed');
  });

  it('a broken constraint (23xxx) is isolated the same way', async () => {
    const { batcher } = recordingBatcher((items) => (items.includes(2) ? databaseError('23503') : undefined));
    expect(await outcomes([1, 2, 3].map((item) => batcher.add(item)))).toEqual(['written', 'failed', 'written']);
  });

  it('finding the item takes a few statements, not one per item', async () => {
    const { batcher, statements } = recordingBatcher((items) => (items.includes(50) ? databaseError('22P02') : undefined));
    await outcomes(Array.from({ length: 64 }, (_, index) => batcher.add(index)));
    expect(statements.length).toBeLessThanOrEqual(2 * Math.log2(64) + 1);
  });
});

describe('A failure that is not about the data fails the whole batch at once', () => {
  it('a lost connection (08006) rejects every item after one statement, without retrying halves', async () => {
    const { batcher, statements } = recordingBatcher(() => databaseError('08006'));
    expect(await outcomes([1, 2, 3, 4].map((item) => batcher.add(item)))).toEqual(['failed', 'failed', 'failed', 'failed']);
    expect(statements).toHaveLength(1);
  });
});
