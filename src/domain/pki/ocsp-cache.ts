/** OCSP answers kept in memory until they are no longer current, at most `limit` of them (the oldest go first). */
import { normalHashData } from './hash-data.js';
import type { OcspRequestData } from './ocsp-types.js';

export interface CachedAnswer<T> {
  value: T;
  expiresAt: number;
}

export function cacheKey(data: OcspRequestData): string {
  const { hashAlgorithm, issuerNameHash, issuerKeyHash, serialNumber } = normalHashData(data);
  return [data.responderURL, hashAlgorithm, issuerNameHash, issuerKeyHash, serialNumber].join('|');
}

/** Until when an answer may be given again: its nextUpdate, at most `maxCacheSeconds` from now (0: not at all). */
export function cacheUntil(nextUpdate: Date | undefined, now: number, maxCacheSeconds: number): number {
  const longest = now + maxCacheSeconds * 1000;
  return Math.min(nextUpdate?.getTime() ?? longest, longest);
}

export class OcspCache<T> {
  private readonly entries = new Map<string, CachedAnswer<T>>();

  constructor(private readonly limit: number) {}

  get(key: string, now: number): T | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt > now) return entry.value;
    this.entries.delete(key);
    return undefined;
  }

  set(key: string, value: T, expiresAt: number): void {
    this.entries.delete(key);
    this.entries.set(key, { value, expiresAt });
    while (this.entries.size > this.limit) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
  }

  get size(): number {
    return this.entries.size;
  }
}
