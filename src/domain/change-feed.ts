/**
 * Changes partners must learn of, told inside the database transaction that makes them: whoever listens (the OCPI
 * push outbox) writes what it derives in that same transaction, so a change and its consequences commit together or
 * not at all.
 */
import type { Database } from '../db/client.js';

export type Change =
  /**
   * the operator edited a location (its EVSEs and connectors included); `unpublished`: it was published before the
   * edit and is not any more, so those who were told of it must learn that
   */
  | { kind: 'location'; locationId: string; unpublished?: boolean }
  /** the stations reported a new status for these EVSEs */
  | { kind: 'evseStatus'; locationId: string; evseUids: string[] }
  | { kind: 'tariff'; tariffId: string; deleted: boolean }
  /** a transaction started, progressed (new meter values, at most once per update interval) or ended */
  | { kind: 'session'; transactionId: number; phase: 'started' | 'updated' | 'ended' };

export type ChangeKind = Change['kind'];

export interface ChangeFeed {
  /**
   * Whether changes of this kind concern anyone now. Frequent changes (status, meter values) skip the extra
   * transaction when nobody listens; a party that starts listening later pulls what it missed.
   */
  wants(kind: ChangeKind): boolean;
  /** Called inside the transaction of the change; `tx` is that transaction. */
  record(tx: Database, changes: Change[]): Promise<void>;
}

/** The feed the domain tells; the OCPI wing plugs its outbox in at start-up. */
export class ChangeFeedSlot implements ChangeFeed {
  private feed: ChangeFeed | undefined;

  use(feed: ChangeFeed): void {
    this.feed = feed;
  }

  wants(kind: ChangeKind): boolean {
    return this.feed?.wants(kind) ?? false;
  }

  async record(tx: Database, changes: Change[]): Promise<void> {
    if (this.feed && changes.length > 0) await this.feed.record(tx, changes);
  }
}

/**
 * Runs `work` and tells the feed what it changed, in one transaction; without one when the feed wants none of it
 * (`wanted` false), so that the frequent writes nobody listens to cost no more than before.
 */
export async function withChanges<T>(
  db: Database,
  feed: ChangeFeed,
  wanted: boolean,
  work: (db: Database, changed: (change: Change) => void) => Promise<T>,
): Promise<T> {
  if (!wanted) return work(db, () => {});
  return db.transaction(async (tx) => {
    const changes: Change[] = [];
    const result = await work(tx, (change) => changes.push(change));
    await feed.record(tx, changes);
    return result;
  });
}
