/**
 * The operative state an operator set on a station, an EVSE or a connector (ChangeAvailability), with the station's
 * answer. A change the station accepted (Accepted, or Scheduled for after the running transaction) makes the OCPI
 * status of the EVSEs it concerns INOPERATIVE; Operative again lets them show what the station reports.
 */
import { and, asc, eq } from 'drizzle-orm';
import type { Database } from '../db/client.js';
import { availability, evses } from '../db/schema.js';
import { withChanges, type ChangeFeed } from './change-feed.js';
import type { DataVersions } from './data-versions.js';
import { evseStatusChanges, touchEvses } from './evse-changes.js';

export type AvailabilityEntry = typeof availability.$inferSelect;

export interface AvailabilityChange {
  stationId: string;
  /** 0: the whole station */
  evseId: number;
  /** 0: the whole EVSE */
  connectorId: number;
  operative: boolean;
  /** the station's answer: Accepted, Scheduled or Rejected */
  status: string;
}

/** Whether the entry takes its part of the station out of service: Inoperative, and the station agreed. */
export function inoperativeInEffect(entry: Pick<AvailabilityEntry, 'operative' | 'status'> | undefined): boolean {
  return entry !== undefined && !entry.operative && (entry.status === 'Accepted' || entry.status === 'Scheduled');
}

export class Availabilities {
  constructor(
    private readonly db: Database,
    private readonly versions: DataVersions,
    private readonly feed: ChangeFeed,
  ) {}

  /** Keeps the station's answer to a change; when it takes a part out of service or back, partners are told. */
  async record(change: AvailabilityChange): Promise<AvailabilityEntry> {
    const at = new Date();
    const key = and(
      eq(availability.stationId, change.stationId),
      eq(availability.evseId, change.evseId),
      eq(availability.connectorId, change.connectorId),
    );
    const { entry, touched } = await withChanges(this.db, this.feed, this.feed.wants('evseStatus'), async (db, changed) => {
      const [previous] = await db.select().from(availability).where(key).for('update');
      const values = { operative: change.operative, status: change.status, updatedAt: at };
      const [stored] = await db
        .insert(availability)
        .values({ stationId: change.stationId, evseId: change.evseId, connectorId: change.connectorId, ...values })
        .onConflictDoUpdate({ target: [availability.stationId, availability.evseId, availability.connectorId], set: values })
        .returning();
      if (inoperativeInEffect(previous) === inoperativeInEffect(stored)) return { entry: stored, touched: false };
      const concerned = and(eq(evses.stationId, change.stationId), change.evseId === 0 ? undefined : eq(evses.ocppEvseId, change.evseId));
      const byLocation = await touchEvses(db, concerned, at);
      evseStatusChanges(byLocation).forEach(changed);
      return { entry: stored, touched: byLocation.size > 0 };
    });
    if (touched) await this.versions.refresh();
    return entry;
  }

  async ofStation(stationId: string): Promise<AvailabilityEntry[]> {
    return this.db
      .select()
      .from(availability)
      .where(eq(availability.stationId, stationId))
      .orderBy(asc(availability.evseId), asc(availability.connectorId));
  }
}
