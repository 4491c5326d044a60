/**
 * The per-partner push outbox: what each OCPI partner still has to receive. Entries are written in the transaction
 * of the change they carry; a node claims due entries for a while (a lease), delivers them and deletes them. Entries
 * of one object go one at a time in the order they were written: a later one waits while an earlier one is pending,
 * leased or failed.
 */
import { and, asc, count, eq, sql } from 'drizzle-orm';
import { rowsOf, type Database } from '../db/client.js';
import { ocpiOutbox, ocpiParties } from '../db/schema.js';
import { NotFoundError } from './errors.js';
import type { PartyKey } from './parties.js';
import type { Page, PageRequest } from './pagination.js';

export type OutboxEntry = typeof ocpiOutbox.$inferSelect;
export type OutboxStatus = OutboxEntry['status'];

export interface NewOutboxEntry {
  partnerId: number;
  module: string;
  kind: string;
  objectKey: string;
  target: Record<string, string>;
  body: Record<string, unknown> | null;
  /** the party behind the partner the push is for (its OCPI-to-*); left out, the partner's own role */
  addressee?: PartyKey | null;
}

export interface OutboxSummary {
  pending: number;
  failed: number;
  lastError: string | null;
}

export interface RetryPolicy {
  /** first retry after this long; each further one waits twice as long, up to `maxDelayMs` */
  baseDelayMs: number;
  maxDelayMs: number;
  /** after this many failed attempts the entry is FAILED and waits for the operator */
  maxAttempts: number;
}

export function retryDelayMs(policy: RetryPolicy, attempts: number): number {
  const delay = Math.min(policy.baseDelayMs * 2 ** Math.max(0, attempts - 1), policy.maxDelayMs);
  // ±10% jitter, so that partners' retries after an outage spread out
  return Math.round(delay * (0.9 + Math.random() * 0.2));
}

export class PartnerOutbox {
  constructor(private readonly db: Database) {}

  /** Writes entries with `tx`, the transaction of the change they carry. */
  async enqueue(tx: Database, entries: NewOutboxEntry[]): Promise<void> {
    if (entries.length > 0) await tx.insert(ocpiOutbox).values(entries);
  }

  /**
   * Leases the entries that may go now: due, not leased, first of their object, of a registered partner, and not of
   * a partner in `busyPartners` (whose deliveries are still under way here).
   */
  async claimDue(options: { perPartner: number; leaseMs: number; busyPartners: number[] }): Promise<OutboxEntry[]> {
    const busy = options.busyPartners.length > 0 ? sql`and o.partner_id not in (${sql.join(options.busyPartners.map((id) => sql`${id}`), sql`, `)})` : sql``;
    const free = sql`(${ocpiOutbox.leaseUntil} is null or ${ocpiOutbox.leaseUntil} < now())`;
    const rows = await this.db
      .update(ocpiOutbox)
      .set({ leaseUntil: sql`now() + ${options.leaseMs} * interval '1 millisecond'` })
      .where(
        sql`${ocpiOutbox.id} in (
          select id from (
            select o.id, row_number() over (partition by o.partner_id order by o.id) as place
            from ${ocpiOutbox} o join ${ocpiParties} p on p.id = o.partner_id and p.status = 'REGISTERED'
            where o.status = 'PENDING' and o.next_attempt_at <= now() and (o.lease_until is null or o.lease_until < now()) ${busy}
              and not exists (select 1 from ${ocpiOutbox} e where e.partner_id = o.partner_id and e.object_key = o.object_key and e.id < o.id)
          ) heads where place <= ${options.perPartner}
        ) and ${free}`,
      )
      .returning();
    return rows.sort((a, b) => a.id - b.id);
  }

  async delivered(id: number): Promise<void> {
    await this.db.delete(ocpiOutbox).where(eq(ocpiOutbox.id, id));
  }

  /** A failed attempt: retried later with backoff, or FAILED once the attempts are used up. */
  async attemptFailed(id: number, error: string, policy: RetryPolicy): Promise<void> {
    const [entry] = await this.db.select({ attempts: ocpiOutbox.attempts }).from(ocpiOutbox).where(eq(ocpiOutbox.id, id));
    if (!entry) return; // dropped by the operator meanwhile
    const attempts = entry.attempts + 1;
    const failed = attempts >= policy.maxAttempts;
    await this.db
      .update(ocpiOutbox)
      .set({
        attempts,
        lastError: error.slice(0, 2000),
        leaseUntil: null,
        status: failed ? 'FAILED' : 'PENDING',
        nextAttemptAt: new Date(Date.now() + (failed ? 0 : retryDelayMs(policy, attempts))),
      })
      .where(eq(ocpiOutbox.id, id));
  }

  async list(partnerId: number, page: PageRequest, status?: OutboxStatus): Promise<Page<OutboxEntry>> {
    const where = and(eq(ocpiOutbox.partnerId, partnerId), status ? eq(ocpiOutbox.status, status) : undefined);
    const items = await this.db.select().from(ocpiOutbox).where(where).orderBy(asc(ocpiOutbox.id)).offset(page.offset).limit(page.limit);
    const [{ total }] = await this.db.select({ total: count() }).from(ocpiOutbox).where(where);
    return { items, total, ...page };
  }

  /** Pending and failed entries per partner, with the newest error. */
  async summaries(): Promise<Map<number, OutboxSummary>> {
    const result = await this.db.execute(sql`
      select partner_id,
             count(*) filter (where status = 'PENDING') as pending,
             count(*) filter (where status = 'FAILED') as failed,
             (array_agg(last_error order by id desc) filter (where last_error is not null))[1] as last_error
      from ${ocpiOutbox} group by partner_id`);
    const rows = rowsOf<{ partner_id: number; pending: number | string; failed: number | string; last_error: string | null }>(result);
    return new Map(rows.map((row) => [Number(row.partner_id), { pending: Number(row.pending), failed: Number(row.failed), lastError: row.last_error }]));
  }

  /** The operator asks for another try now (a FAILED entry becomes PENDING with its attempts reset). */
  async retry(partnerId: number, id: number): Promise<OutboxEntry> {
    const [row] = await this.db
      .update(ocpiOutbox)
      .set({ status: 'PENDING', attempts: 0, nextAttemptAt: new Date(), leaseUntil: null })
      .where(and(eq(ocpiOutbox.partnerId, partnerId), eq(ocpiOutbox.id, id)))
      .returning();
    if (!row) throw new NotFoundError(`OCPI party ${partnerId} has no outbox entry ${id}`);
    return row;
  }

  /** The operator gives up on an entry; the next one of its object may go. */
  async drop(partnerId: number, id: number): Promise<void> {
    const deleted = await this.db
      .delete(ocpiOutbox)
      .where(and(eq(ocpiOutbox.partnerId, partnerId), eq(ocpiOutbox.id, id)))
      .returning({ id: ocpiOutbox.id });
    if (deleted.length === 0) throw new NotFoundError(`OCPI party ${partnerId} has no outbox entry ${id}`);
  }
}
