/** The OCSP answer cache: an answer is kept while it is current, at most as long as configured, and the cache is bounded. */
import { describe, expect, it } from 'vitest';
import { cacheUntil, OcspCache } from '../../src/domain/pki/ocsp-cache.js';

const now = Date.parse('2026-12-06T12:00:00Z');

describe('how long an OCSP answer is kept', () => {
  it('until its nextUpdate when that comes before the configured longest', () => {
    expect(cacheUntil(new Date(now + 60_000), now, 3600)).toBe(now + 60_000);
  });

  it('at most the configured longest, even when nextUpdate is later', () => {
    expect(cacheUntil(new Date(now + 86_400_000), now, 3600)).toBe(now + 3_600_000);
  });

  it('the configured longest when the responder gave no nextUpdate, and not at all when that is 0', () => {
    expect(cacheUntil(undefined, now, 600)).toBe(now + 600_000);
    expect(cacheUntil(undefined, now, 0)).toBe(now);
  });
});

describe('the OCSP answer cache', () => {
  it('gives an answer until it expires, then forgets it', () => {
    const cache = new OcspCache<string>(10);
    cache.set('a', 'Good', now + 1000);
    expect(cache.get('a', now + 999)).toBe('Good');
    expect(cache.get('a', now + 1000)).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('holds at most its limit, letting the oldest entry go first', () => {
    const cache = new OcspCache<string>(2);
    cache.set('a', 'A', now + 1000);
    cache.set('b', 'B', now + 1000);
    cache.set('c', 'C', now + 1000);
    expect(cache.size).toBe(2);
    expect([cache.get('a', now), cache.get('b', now), cache.get('c', now)]).toEqual([undefined, 'B', 'C']);
  });
});
