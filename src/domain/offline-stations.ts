/**
 * Stations offline longer than a grace period show their EVSEs as UNKNOWN to partners, and what they report again
 * once they are back.
 *
 * Whether an EVSE shows offline is read from the data, the same way on every node and by every reader: its station is
 * not connected, and the EVSE's last change (`evses.last_updated`) is at least the grace after the station was last
 * seen. A sweep (started by the composition root) makes that change for stations whose grace has run out and tells
 * partners; a station that connects again has the EVSEs that showed offline changed once more (`back`), which shows and
 * pushes their reported status. No column says "shown offline": the schema has none, and the rule needs none.
 */
import { PeriodicSweep } from './periodic-sweep.js';
import { sql, type SQL } from 'drizzle-orm';
import { rowsOf, type Database } from '../db/client.js';
import { evses, locations, stations } from '../db/schema.js';
import { withChanges, type ChangeFeed } from './change-feed.js';
import type { DataVersions } from './data-versions.js';
import { evseStatusChanges } from './evse-changes.js';

/** Stations taken in one statement of a sweep, and statements per sweep: a long outage is worked off over sweeps. */
const STATIONS_PER_BATCH = 200;
const BATCHES_PER_SWEEP = 5;
/** How far this node's clock may be behind the database's before `back` could skip a station it should not. */
const CLOCK_SKEW_MARGIN_MS = 10_000;

/** The grace as an SQL interval; a validated whole number, so written into the text (one statement text per node). */
function graceInterval(graceMs: number): SQL {
  if (!Number.isSafeInteger(graceMs) || graceMs <= 0) throw new RangeError(`offline grace must be a positive whole number of ms, not ${graceMs}`);
  return sql.raw(`interval '${graceMs} milliseconds'`);
}

/**
 * As a column of a query over `evses`: whether the EVSE shows offline. Its station is named by hand: drizzle writes a
 * one-table query's columns without their table. Always false without a grace (the rule is off).
 */
export function shownOfflineColumn(graceMs: number | undefined): SQL<boolean> {
  if (!graceMs) return sql<boolean>`false`;
  return sql<boolean>`exists (select 1 from ${stations} s where s.id = "evses"."station_id" and s.connected_node is null
    and s.last_seen_at is not null and "evses"."last_updated" >= s.last_seen_at + ${graceInterval(graceMs)})`;
}

export class OfflineStations {
  private readonly sweeper = new PeriodicSweep(() => this.sweep());
  private started = false;
  /** A node that has just started gives stations the grace to reconnect before it shows any offline. */
  private notBefore = 0;

  constructor(
    private readonly db: Database,
    private readonly versions: DataVersions,
    private readonly feed: ChangeFeed,
    /** undefined or 0: stations are never shown offline */
    private readonly graceMs: number | undefined,
  ) {}

  /**
   * Shows offline the EVSEs of up to a bounded number of stations whose grace has run out; answers how many EVSEs.
   * The stations' rows are locked (skipping those another node is working on), so a station connecting meanwhile
   * waits, and its `back` sees this change.
   */
  async sweep(): Promise<number> {
    if (!this.graceMs || Date.now() < this.notBefore) return 0;
    const grace = graceInterval(this.graceMs);
    let shown = 0;
    for (let batch = 0; batch < BATCHES_PER_SWEEP; batch += 1) {
      const touched = await withChanges(this.db, this.feed, this.feed.wants('evseStatus'), async (db, changed) => {
        const result = await db.execute(sql`
          with due as (
            select s.id, s.last_seen_at from ${stations} s
            where s.connected_node is null and s.last_seen_at <= now() - ${grace}
              and exists (select 1 from ${evses} e where e.station_id = s.id and e.removed_at is null
                and e.last_updated < s.last_seen_at + ${grace})
            order by s.id limit ${STATIONS_PER_BATCH}
            for update of s skip locked
          ), touched as (
            update ${evses} e set last_updated = now() from due
            where e.station_id = due.id and e.removed_at is null and e.last_updated < due.last_seen_at + ${grace}
            returning e.uid, e.location_id
          ), located as (
            update ${locations} l set last_updated = now() where l.id in (select location_id from touched) returning 1
          )
          select uid, location_id, (select count(*) from due) as stations from touched`);
        const rows = rowsOf<{ uid: string; location_id: string; stations: number | string }>(result);
        const byLocation = new Map<string, string[]>();
        for (const row of rows) byLocation.set(row.location_id, [...(byLocation.get(row.location_id) ?? []), row.uid]);
        evseStatusChanges(byLocation).forEach(changed);
        return { evses: rows.length, full: rows.length > 0 && Number(rows[0].stations) >= STATIONS_PER_BATCH };
      });
      shown += touched.evses;
      if (!touched.full) break;
    }
    if (shown > 0) await this.versions.refresh();
    return shown;
  }

  /**
   * The station has connected again (its connection is recorded). `lastSeenBefore` is when it was last seen before
   * this connection: its EVSEs changed at least the grace after that showed offline, and change once more now.
   */
  async back(stationId: string, lastSeenBefore: Date | null): Promise<void> {
    if (!this.graceMs || lastSeenBefore === null) return;
    // Away for less than the grace (a blip, most of a reconnect storm): nothing can show offline, no statement.
    if (Date.now() + CLOCK_SKEW_MARGIN_MS < lastSeenBefore.getTime() + this.graceMs) return;
    const grace = graceInterval(this.graceMs);
    const touched = await withChanges(this.db, this.feed, this.feed.wants('evseStatus'), async (db, changed) => {
      const at = new Date();
      const result = await db.execute(sql`
        with touched as (
          update ${evses} e set last_updated = ${at.toISOString()}::timestamptz
          where e.station_id = ${stationId} and e.removed_at is null
            and e.last_updated >= ${lastSeenBefore.toISOString()}::timestamptz + ${grace}
          returning e.uid, e.location_id
        ), located as (
          update ${locations} l set last_updated = ${at.toISOString()}::timestamptz
          where l.id in (select location_id from touched) returning 1
        )
        select uid, location_id from touched`);
      const rows = rowsOf<{ uid: string; location_id: string }>(result);
      const byLocation = new Map<string, string[]>();
      for (const row of rows) byLocation.set(row.location_id, [...(byLocation.get(row.location_id) ?? []), row.uid]);
      evseStatusChanges(byLocation).forEach(changed);
      return rows.length;
    });
    if (touched > 0) await this.versions.refresh();
  }

  /** Sweeps every `intervalMs`, showing none offline before the grace has passed since this start. */
  start(intervalMs: number, onError: (error: unknown) => void = () => {}): void {
    if (this.started || !this.graceMs) return;
    this.started = true;
    this.notBefore = Date.now() + this.graceMs;
    this.sweeper.start(intervalMs, onError);
  }

  /** Stops sweeping and waits for a sweep under way. */
  async stop(): Promise<void> {
    await this.sweeper.stop();
    this.started = false;
  }
}
