import { and, count, desc, eq } from 'drizzle-orm';
import type { Database } from '../db/client.js';
import { stationEvents } from '../db/schema.js';
import type { Page, PageRequest } from './pagination.js';

export type StationEvent = typeof stationEvents.$inferSelect;

/** Notifications kept as the station sent them (security events, firmware and log status, reports, data transfers). */
export class StationEvents {
  constructor(private readonly db: Database) {}

  async record(stationId: string, action: string, payload: object): Promise<void> {
    await this.db
      .insert(stationEvents)
      .values({ stationId, action, payload: payload as Record<string, unknown>, receivedAt: new Date() });
  }

  async list(stationId: string, page: PageRequest, action?: string): Promise<Page<StationEvent>> {
    const where = action
      ? and(eq(stationEvents.stationId, stationId), eq(stationEvents.action, action))
      : eq(stationEvents.stationId, stationId);
    const items = await this.db
      .select()
      .from(stationEvents)
      .where(where)
      .orderBy(desc(stationEvents.id))
      .offset(page.offset)
      .limit(page.limit);
    const [{ total }] = await this.db.select({ total: count() }).from(stationEvents).where(where);
    return { items, total, ...page };
  }
}
