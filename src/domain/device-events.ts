import { and, count, desc, eq, gte, type SQL } from 'drizzle-orm';
import type { Database } from '../db/client.js';
import { deviceEvents } from '../db/schema.js';
import type { Page, PageRequest } from './pagination.js';

export type DeviceEvent = typeof deviceEvents.$inferSelect;
export type NewDeviceEvent = Omit<typeof deviceEvents.$inferInsert, 'id' | 'stationId' | 'problem' | 'generatedAt' | 'receivedAt'>;

export interface DeviceEventFilter {
  problem?: boolean;
  component?: string;
  variable?: string;
  since?: Date;
}

/** Values of a component's availability that mean it cannot serve. */
const UNAVAILABLE_STATES = new Set(['Faulted', 'Unavailable']);

/**
 * A problem: the component's standard `Problem` variable turned true, or its `AvailabilityState` says it cannot
 * serve. Other events (a monitor crossing a threshold, a periodic value) are kept but not flagged.
 */
export function isProblem(event: Pick<NewDeviceEvent, 'variable' | 'actualValue'>): boolean {
  if (event.variable === 'Problem') return event.actualValue.trim().toLowerCase() === 'true';
  if (event.variable === 'AvailabilityState') return UNAVAILABLE_STATES.has(event.actualValue.trim());
  return false;
}

/** Events stations report about their components (OCPP 2.0.1 NotifyEvent), one row per event. */
export class DeviceEvents {
  constructor(private readonly db: Database) {}

  async record(stationId: string, generatedAt: Date, events: NewDeviceEvent[]): Promise<void> {
    if (events.length === 0) return;
    const receivedAt = new Date();
    await this.db
      .insert(deviceEvents)
      .values(events.map((event) => ({ ...event, stationId, problem: isProblem(event), generatedAt, receivedAt })));
  }

  async list(stationId: string, filter: DeviceEventFilter, page: PageRequest): Promise<Page<DeviceEvent>> {
    const conditions: SQL[] = [eq(deviceEvents.stationId, stationId)];
    if (filter.problem !== undefined) conditions.push(eq(deviceEvents.problem, filter.problem));
    if (filter.component !== undefined) conditions.push(eq(deviceEvents.component, filter.component));
    if (filter.variable !== undefined) conditions.push(eq(deviceEvents.variable, filter.variable));
    if (filter.since !== undefined) conditions.push(gte(deviceEvents.occurredAt, filter.since));
    const where = and(...conditions);
    const items = await this.db.select().from(deviceEvents).where(where).orderBy(desc(deviceEvents.id)).offset(page.offset).limit(page.limit);
    const [{ total }] = await this.db.select({ total: count() }).from(deviceEvents).where(where);
    return { items, total, ...page };
  }
}
