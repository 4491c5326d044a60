import { and, count, desc, eq, isNull, type SQL } from 'drizzle-orm';
import type { Bus } from '../cluster/bus.js';
import type { Database } from '../db/client.js';
import { chargingNotices, transactions } from '../db/schema.js';
import type { Page, PageRequest } from './pagination.js';

export type ChargingNotice = typeof chargingNotices.$inferSelect;

/** What a station tells of limits on charging and of an EV's needs; smart charging will act on them. */
export const chargingNoticeKinds = ['ChargingLimit', 'ClearedChargingLimit', 'ChargingProfiles', 'EVChargingNeeds', 'EVChargingSchedule'] as const;
export type ChargingNoticeKind = (typeof chargingNoticeKinds)[number];

export interface NewChargingNotice {
  kind: ChargingNoticeKind;
  evseId?: number;
  /** where a limit comes from (EMS, Other, SO, CSO) */
  source?: string;
  payload: Record<string, unknown>;
}

/** Charging limits, charging profile reports and EV charging needs and schedules, per station, EVSE and transaction. */
/** Notices that change what limits charging (and so a session's active charging profile). */
const LIMIT_CHANGES: ChargingNoticeKind[] = ['ChargingLimit', 'ClearedChargingLimit'];

export class ChargingNotices {
  constructor(
    private readonly db: Database,
    private readonly bus?: Pick<Bus, 'publish'>,
  ) {}

  /** A station accepted a charging profile, or cleared one: what limits its charging changed. */
  profilesChanged(stationId: string, change: { evseId?: number; profileId?: number }): void {
    this.bus?.publish('charging.limits.changed', { stationId, ...change });
  }

  /** Keeps a notice, tied to the transaction running on its EVSE if there is one. */
  async record(stationId: string, notice: NewChargingNotice): Promise<ChargingNotice> {
    const transactionId = notice.evseId ? await this.runningOn(stationId, notice.evseId) : null;
    const [row] = await this.db
      .insert(chargingNotices)
      .values({
        stationId,
        kind: notice.kind,
        evseId: notice.evseId ?? null,
        transactionId,
        source: notice.source ?? null,
        payload: notice.payload,
        receivedAt: new Date(),
      })
      .returning();
    if (LIMIT_CHANGES.includes(notice.kind)) this.bus?.publish('charging.limits.changed', { stationId, ...(notice.evseId !== undefined && { evseId: notice.evseId }) });
    return row;
  }

  async list(stationId: string, filter: { kind?: ChargingNoticeKind; evseId?: number; transactionId?: number }, page: PageRequest): Promise<Page<ChargingNotice>> {
    const conditions: SQL[] = [eq(chargingNotices.stationId, stationId)];
    if (filter.kind !== undefined) conditions.push(eq(chargingNotices.kind, filter.kind));
    if (filter.evseId !== undefined) conditions.push(eq(chargingNotices.evseId, filter.evseId));
    if (filter.transactionId !== undefined) conditions.push(eq(chargingNotices.transactionId, filter.transactionId));
    const where = and(...conditions);
    const items = await this.db.select().from(chargingNotices).where(where).orderBy(desc(chargingNotices.id)).offset(page.offset).limit(page.limit);
    const [{ total }] = await this.db.select({ total: count() }).from(chargingNotices).where(where);
    return { items, total, ...page };
  }

  private async runningOn(stationId: string, evseId: number): Promise<number | null> {
    const [running] = await this.db
      .select({ id: transactions.id })
      .from(transactions)
      .where(and(eq(transactions.stationId, stationId), eq(transactions.evseId, evseId), isNull(transactions.stoppedAt)))
      .orderBy(desc(transactions.startedAt))
      .limit(1);
    return running?.id ?? null;
  }
}
