/** EVSEs whose OCPI status may have changed: they (and their locations) count as changed now. */
import { and, inArray, isNull, type SQL } from 'drizzle-orm';
import type { Database } from '../db/client.js';
import { evses, locations } from '../db/schema.js';
import type { Change } from './change-feed.js';

/**
 * Sets `last_updated` of the EVSEs `concerned` selects (removed ones aside) and of their locations to `at`, so that
 * partners pulling by last_updated see the change; answers the EVSE uids by location.
 */
export async function touchEvses(db: Database, concerned: SQL | undefined, at: Date): Promise<Map<string, string[]>> {
  const changed = await db
    .update(evses)
    .set({ lastUpdated: at })
    .where(and(concerned, isNull(evses.removedAt)))
    .returning({ uid: evses.uid, locationId: evses.locationId });
  const byLocation = new Map<string, string[]>();
  for (const evse of changed) byLocation.set(evse.locationId, [...(byLocation.get(evse.locationId) ?? []), evse.uid]);
  if (byLocation.size > 0) await db.update(locations).set({ lastUpdated: at }).where(inArray(locations.id, [...byLocation.keys()]));
  return byLocation;
}

/** Tells the change feed of touched EVSEs, one change per location. */
export function evseStatusChanges(byLocation: Map<string, string[]>): Change[] {
  return [...byLocation].map(([locationId, evseUids]) => ({ kind: 'evseStatus', locationId, evseUids }));
}
