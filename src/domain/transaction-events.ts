/**
 * What a station reported of a transaction event by event (OCPP 2.0.1 TransactionEvent): each event's details, the
 * transaction's last charging state, whether anything happened while the station was offline, and which sequence
 * numbers never arrived.
 */
import { asc, eq, sql } from 'drizzle-orm';
import { PREPARED, rowsOf, type Database } from '../db/client.js';
import { transactionEvents, transactions } from '../db/schema.js';

export type StoredTransactionEvent = typeof transactionEvents.$inferSelect;

/** One event as the station reported it. */
export interface TransactionEventReport {
  seqNo: number;
  /** Started, Updated or Ended */
  eventType: string;
  /** when it took place at the station */
  occurredAt: Date;
  triggerReason: string;
  chargingState?: string;
  offline: boolean;
  /** the event starts the transaction: its moment and reading are the transaction's start */
  starts: boolean;
  /** the event ends the transaction */
  ends: boolean;
  /** the energy register reading the event carried, in Wh */
  energyWh?: number;
}

/**
 * Stores the event and, in the same statement, what it changes on its transaction; false when an event with this
 * sequence number was stored before (a retry, applied once). The transaction's row is written only when something
 * changes: its charging state (taken from the event with the highest sequence number that carries one, and not from
 * an event older than the end of a transaction that has ended), the offline mark, or its start (a Started event that
 * arrives after a later event of the transaction, which then made it: its moment and reading are the start).
 */
export async function applyTransactionEvent(db: Database, transactionId: number, event: TransactionEventReport): Promise<boolean> {
  const state = event.chargingState ?? null;
  const result = await db.execute(sql`${PREPARED}
    with stored as (
      insert into ${transactionEvents} (transaction_id, seq_no, event_type, received_at, occurred_at, trigger_reason, charging_state, offline)
      values (${transactionId}::integer, ${event.seqNo}::integer, ${event.eventType}::text, now(), ${event.occurredAt.toISOString()}::timestamptz,
        ${event.triggerReason}::text, ${state}::text, ${event.offline}::boolean)
      on conflict do nothing
      returning 1
    ),
    facts as (
      select t.id,
        ${state}::text is not null and (t.stopped_at is null or ${event.ends}::boolean)
          and not exists (select 1 from ${transactionEvents} later where later.transaction_id = t.id
                          and later.seq_no > ${event.seqNo}::integer and later.charging_state is not null) as takes_state,
        ${event.starts}::boolean and t.stopped_at is null and ${event.occurredAt.toISOString()}::timestamptz < t.started_at as restarts
      from ${transactions} t
      where t.id = ${transactionId}::integer and exists (select 1 from stored)
    ),
    changed as (
      update ${transactions} t set
        charging_state = case when f.takes_state then ${state}::text else t.charging_state end,
        offline = t.offline or ${event.offline}::boolean,
        started_at = case when f.restarts then ${event.occurredAt.toISOString()}::timestamptz else t.started_at end,
        meter_start_wh = case when f.restarts then coalesce(${event.energyWh ?? null}::bigint, t.meter_start_wh) else t.meter_start_wh end,
        updated_at = now()
      from facts f
      where t.id = f.id
        and ((f.takes_state and t.charging_state is distinct from ${state}::text) or (${event.offline}::boolean and not t.offline) or f.restarts)
      returning 1
    )
    select (select count(*) from stored)::integer as applied, (select count(*) from changed)::integer as changed`);
  const [row] = rowsOf<{ applied: number }>(result);
  return Number(row.applied) > 0;
}

export async function eventsOf(db: Database, transactionId: number): Promise<StoredTransactionEvent[]> {
  return db.select().from(transactionEvents).where(eq(transactionEvents.transactionId, transactionId)).orderBy(asc(transactionEvents.seqNo));
}

/**
 * The sequence numbers between the transaction's first (its Started event's, else 0) and its last that never
 * arrived, ascending, at most `limit` of them.
 */
export function missingSeqNos(events: Array<Pick<StoredTransactionEvent, 'seqNo' | 'eventType'>>, limit = 100): number[] {
  if (events.length === 0) return [];
  const seqNos = [...new Set(events.map((event) => event.seqNo))].sort((a, b) => a - b);
  const started = events.find((event) => event.eventType === 'Started');
  let expected = Math.min(started ? started.seqNo : 0, seqNos[0]);
  const missing: number[] = [];
  for (const seqNo of seqNos) {
    for (; expected < seqNo && missing.length < limit; expected++) missing.push(expected);
    if (missing.length >= limit) break;
    expected = seqNo + 1;
  }
  return missing;
}
