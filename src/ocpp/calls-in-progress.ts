/**
 * A Map for the calls in progress on one OCPP connection, which nearly always holds one entry or none: the first
 * entry lives in two fields, any further ones in a Map made when first needed.
 *
 * ocpp-rpc keeps each connection's calls in progress in a Map. When V8 deletes the last entry of a Map it shrinks the
 * Map's table, allocating a new one, and that table then lives until the station's next message, about a second
 * later: long enough to survive two scavenges and be promoted. At 5,000 messages a second that was a tenth of what
 * the server's scavenges kept (a sampled heap profile of bench:ocpp's meter-values window). Here a delete allocates
 * nothing.
 */
export class CallsInProgress<K, V> implements Map<K, V> {
  private firstKey: K | undefined;
  private firstValue: V | undefined;
  private hasFirst = false;
  private more: Map<K, V> | undefined;

  get size(): number {
    return (this.hasFirst ? 1 : 0) + (this.more?.size ?? 0);
  }

  get [Symbol.toStringTag](): string {
    return 'CallsInProgress';
  }

  has(key: K): boolean {
    return (this.hasFirst && this.firstKey === key) || (this.more?.has(key) ?? false);
  }

  get(key: K): V | undefined {
    if (this.hasFirst && this.firstKey === key) return this.firstValue;
    return this.more?.get(key);
  }

  set(key: K, value: V): this {
    if (this.hasFirst && this.firstKey === key) {
      this.firstValue = value;
    } else if (!this.hasFirst && !this.more?.has(key)) {
      this.firstKey = key;
      this.firstValue = value;
      this.hasFirst = true;
    } else {
      (this.more ??= new Map()).set(key, value);
    }
    return this;
  }

  delete(key: K): boolean {
    if (this.hasFirst && this.firstKey === key) {
      this.firstKey = undefined;
      this.firstValue = undefined;
      this.hasFirst = false;
      return true;
    }
    return this.more?.delete(key) ?? false;
  }

  clear(): void {
    this.firstKey = undefined;
    this.firstValue = undefined;
    this.hasFirst = false;
    this.more?.clear();
  }

  *entries(): MapIterator<[K, V]> {
    if (this.hasFirst) yield [this.firstKey as K, this.firstValue as V];
    if (this.more) yield* this.more.entries();
  }

  *keys(): MapIterator<K> {
    for (const [key] of this.entries()) yield key;
  }

  *values(): MapIterator<V> {
    for (const [, value] of this.entries()) yield value;
  }

  [Symbol.iterator](): MapIterator<[K, V]> {
    return this.entries();
  }

  forEach(callback: (value: V, key: K, map: Map<K, V>) => void, thisArg?: unknown): void {
    for (const [key, value] of [...this.entries()]) callback.call(thisArg, value, key, this);
  }
}

/**
 * `calls` as a CallsInProgress: ocpp-rpc makes each connection's table a Map, which is swapped for one while it is
 * empty (so no call in progress is lost); one already swapped, or not yet empty, is returned as it is.
 */
export function asCallsInProgress<K, V>(calls: Map<K, V>): Map<K, V> {
  return calls instanceof CallsInProgress || calls.size > 0 ? calls : new CallsInProgress<K, V>();
}
