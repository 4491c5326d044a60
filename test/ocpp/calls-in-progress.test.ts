/**
 * CallsInProgress: the Map a connection keeps its calls in progress in, with the first entry in fields of its own.
 * ocpp-rpc uses it as it uses a Map (has, get, set, delete, values, size), so it must answer as one whatever the
 * number of entries and the order they come and go in.
 */
import { describe, expect, it } from 'vitest';
import { CallsInProgress } from '../../src/ocpp/calls-in-progress.js';

/** Applies the same operations to a Map and a CallsInProgress and expects the same answers throughout. */
function inStep(operations: Array<['set', string, number] | ['delete', string]>) {
  const map = new Map<string, number>();
  const calls = new CallsInProgress<string, number>();
  for (const operation of operations) {
    if (operation[0] === 'set') {
      expect(calls.set(operation[1], operation[2])).toBe(calls);
      map.set(operation[1], operation[2]);
    } else {
      expect(calls.delete(operation[1])).toBe(map.delete(operation[1]));
    }
    expect(calls.size).toBe(map.size);
    expect(new Map(calls)).toEqual(map);
    for (const key of ['a', 'b', 'c', 'x']) {
      expect(calls.has(key)).toBe(map.has(key));
      expect(calls.get(key)).toBe(map.get(key));
    }
  }
  return calls;
}

describe('Keeping the calls in progress of a connection', () => {
  it('holds one call and forgets it, as a Map does', () => {
    const calls = inStep([['set', 'a', 1], ['delete', 'a'], ['delete', 'a'], ['set', 'b', 2]]);
    expect([...calls.values()]).toEqual([2]);
  });

  it('holds several calls at once, whichever goes first', () => {
    inStep([
      ['set', 'a', 1],
      ['set', 'b', 2],
      ['set', 'c', 3],
      ['delete', 'a'],
      ['set', 'x', 4],
      ['delete', 'c'],
      ['delete', 'b'],
      ['delete', 'x'],
    ]);
  });

  it('replaces the value of a key it holds instead of adding a second entry', () => {
    inStep([['set', 'a', 1], ['set', 'b', 2], ['set', 'a', 3], ['set', 'b', 4], ['delete', 'a'], ['set', 'b', 5]]);
  });

  it('lists every call for a disconnect to abort, and can be emptied', () => {
    const calls = new CallsInProgress<string, number>();
    calls.set('a', 1).set('b', 2).set('c', 3);
    expect(Array.from(calls.values()).sort()).toEqual([1, 2, 3]);
    expect([...calls.keys()].sort()).toEqual(['a', 'b', 'c']);
    const seen: string[] = [];
    calls.forEach((value, key, owner) => {
      expect(owner).toBe(calls);
      seen.push(`${key}=${value}`);
    });
    expect(seen.sort()).toEqual(['a=1', 'b=2', 'c=3']);
    calls.clear();
    expect(calls.size).toBe(0);
    expect([...calls]).toEqual([]);
  });
});
