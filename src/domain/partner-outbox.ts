/**
 * The per-partner push outbox: what each OCPI partner still has to receive. Entries are written in the transaction
 * of the change they carry; a node claims due entries for a while (a lease), delivers them and deletes them. Entries
 * of one object go one at a time in the order they were written: a later one waits while an earlier one is pending,
 * leased or failed. The first entry of each object is its head (a column, kept by whoever adds or removes entries
 * under the object's lock), so a claim reads only due heads, by index, however many entries wait behind them.
 */
import { and, asc, count, eq, inArray, sql, type SQL } from 'drizzle-orm';
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

/**
 * Takes the lock of each object in `tx` (in one order, so writers never deadlock): whoever adds entries of an object or
 * removes its head holds it, so that one of them always sees what the other did and every object keeps one head.
 */
export async function lockOutboxObjects(tx: Database, objectKeys: Iterable<string>): Promise<void> {
  for (const key of [...new Set(objectKeys)].sort()) await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${`anode.outbox:${key}`}))`);
}

/**
 * The claim, per registered partner not in `busy`: its first `perPartner` due heads that are not leased, soonest due
 * first. Each partner's part is a range read of ocpi_outbox_claim_idx that stops after `perPartner` rows; the
 * not-exists guard keeps per-object order even if a head were wrong.
 */
export function claimQuery(options: { perPartner: number; leaseMs: number; busyPartners: number[] }) {
  const busy = options.busyPartners.length > 0 ? sql`and p.id not in (${sql.join(options.busyPartners.map((id) => sql`${id}`), sql`, `)})` : sql``;
  return sql`update ${ocpiOutbox} set lease_until = now() + ${options.leaseMs} * interval '1 millisecond'
    where id in (
      select due.id from ${ocpiParties} p cross join lateral (
        select o.id from ${ocpiOutbox} o
        where o.partner_id = p.id and o.status = 'PENDING' and o.head and o.next_attempt_at <= now()
          and (o.lease_until is null or o.lease_until < now())
          and not exists (select 1 from ${ocpiOutbox} e where e.partner_id = o.partner_id and e.object_key = o.object_key and e.id < o.id)
        order by o.next_attempt_at, o.id
        limit ${options.perPartner}
      ) due
      where p.status = 'REGISTERED' ${busy}
    ) and (lease_until is null or lease_until < now())
    returning id`;
}

export class PartnerOutbox {
  constructor(private readonly db: Database) {}

  /**
   * Writes entries with `tx`, the transaction of the change they carry, which holds the lock of their objects
   * (`lockOutboxObjects`). An entry is its object's head when no entry of that object waits before it.
   */
  async enqueue(tx: Database, entries: NewOutboxEntry[]): Promise<void> {
    if (entries.length === 0) return;
    const first = new Set<string>();
    const rows = entries.map((entry) => {
      const object = JSON.stringify([entry.partnerId, entry.objectKey]);
      const isFirst = !first.has(object);
      first.add(object);
      const head = isFirst
        ? sql`not exists (select 1 from ${ocpiOutbox} e where e.partner_id = ${entry.partnerId} and e.object_key = ${entry.objectKey})`
        : sql`false`;
      return { ...entry, head };
    });
    await tx.insert(ocpiOutbox).values(rows);
  }

  /**
   * Writes entries that no database change carries (what a station answered later), in a transaction of their own
   * under their objects' locks.
   */
  async enqueueAlone(entries: NewOutboxEntry[]): Promise<void> {
    if (entries.length === 0) return;
    await this.db.transaction(async (tx) => {
      await lockOutboxObjects(tx, entries.map((entry) => entry.objectKey));
      await this.enqueue(tx, entries);
    });
  }

  /**
   * Leases the entries that may go now: due, not leased, first of their object, of a registered partner, and not of
   * a partner in `busyPartners` (whose deliveries are still under way here).
   */
  async claimDue(options: { perPartner: number; leaseMs: number; busyPartners: number[] }): Promise<OutboxEntry[]> {
    const claimed = rowsOf<{ id: number | string }>(await this.db.execute(claimQuery(options))).map((row) => Number(row.id));
    if (claimed.length === 0) return [];
    const rows = await this.db.select().from(ocpiOutbox).where(inArray(ocpiOutbox.id, claimed));
    return rows.sort((a, b) => a.id - b.id);
  }

  async delivered(id: number): Promise<void> {
    await this.remove(eq(ocpiOutbox.id, id));
  }

  /** Deletes entries and makes the next entry of each of their objects its head, under the objects' locks. */
  private async remove(where: SQL): Promise<number> {
    return this.db.transaction(async (tx) => {
      await tx.execute(sql`select pg_advisory_xact_lock(hashtext('anode.outbox:' || object_key)) from ${ocpiOutbox} where ${where}`);
      // A statement of its own, after the locks: it sees every entry written before they were granted.
      const result = await tx.execute(sql`
        with gone as (delete from ${ocpiOutbox} where ${where} returning id, partner_id, object_key),
        next as (
          select (select min(e.id) from ${ocpiOutbox} e
                  where e.partner_id = g.partner_id and e.object_key = g.object_key and e.id not in (select id from gone)) as id
          from gone g
        ),
        promoted as (update ${ocpiOutbox} set head = true where id in (select id from next) and not head returning id)
        select count(*) as deleted from gone`);
      return Number(rowsOf<{ deleted: number | string }>(result)[0].deleted);
    });
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
    const deleted = await this.remove(and(eq(ocpiOutbox.partnerId, partnerId), eq(ocpiOutbox.id, id))!);
    if (deleted === 0) throw new NotFoundError(`OCPI party ${partnerId} has no outbox entry ${id}`);
  }
}
