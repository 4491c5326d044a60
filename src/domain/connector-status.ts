import { and, asc, eq, sql } from 'drizzle-orm';
import { PREPARED, rowsOf, type Database } from '../db/client.js';
import { connectorStatuses, evses } from '../db/schema.js';
import { withChanges, type ChangeFeed } from './change-feed.js';
import type { DataVersions } from './data-versions.js';
import { evseStatusChanges, touchEvses } from './evse-changes.js';

export interface StatusReport {
  stationId: string;
  /** OCPP 1.6 connectorId or OCPP 2.0.1 evseId; 0 is the station as a whole */
  evseId: number;
  /** OCPP 2.0.1 connectorId; 0 when the report is for the EVSE as a whole (OCPP 1.6) */
  connectorId: number;
  status: string;
  errorCode?: string;
  info?: string;
  reportedAt: Date;
}

export type ConnectorStatus = typeof connectorStatuses.$inferSelect;

/** The live status of every outlet, as last reported; a late report never overwrites a newer one. */
export class ConnectorStatuses {
  constructor(
    private readonly db: Database,
    private readonly versions: DataVersions,
    private readonly feed: ChangeFeed,
  ) {}

  /**
   * Stores the report; when the status changed, the EVSEs it concerns (and their locations) count as changed now,
   * so that OCPI partners pulling by last_updated see it.
   */
  async record(report: StatusReport): Promise<void> {
    const updatedAt = new Date();
    const published = await withChanges(this.db, this.feed, this.feed.wants('evseStatus'), async (db, changed) => {
      if (!(await this.store(db, report, updatedAt))) return false;
      const concerned = and(eq(evses.stationId, report.stationId), report.evseId === 0 ? undefined : eq(evses.ocppEvseId, report.evseId));
      const byLocation = await touchEvses(db, concerned, updatedAt);
      evseStatusChanges(byLocation).forEach(changed);
      return byLocation.size > 0;
    });
    if (published) await this.versions.refresh();
  }

  /** Stores the report; answers whether the status it reports is new. */
  private async store(db: Database, report: StatusReport, updatedAt: Date): Promise<boolean> {
    // One statement: the upsert, and what the status was before it (to know whether it changed).
    const result = await db.execute(sql`${PREPARED}
      with previous as (
        select ${connectorStatuses.status} as status from ${connectorStatuses}
        where ${connectorStatuses.stationId} = ${report.stationId} and ${connectorStatuses.evseId} = ${report.evseId}
          and ${connectorStatuses.connectorId} = ${report.connectorId}
      ), stored as (
        insert into ${connectorStatuses} (station_id, evse_id, connector_id, status, error_code, info, reported_at, updated_at)
        values (${report.stationId}, ${report.evseId}, ${report.connectorId}, ${report.status}, ${report.errorCode ?? null},
                ${report.info ?? null}, ${report.reportedAt.toISOString()}::timestamptz, ${updatedAt.toISOString()}::timestamptz)
        on conflict (station_id, evse_id, connector_id) do update set
          status = excluded.status, error_code = excluded.error_code, info = excluded.info,
          reported_at = excluded.reported_at, updated_at = excluded.updated_at
        where ${connectorStatuses.reportedAt} <= excluded.reported_at
        returning 1
      )
      select (select status from previous) as previous, (select count(*) from stored) as stored`);
    const [outcome] = rowsOf<{ previous: string | null; stored: number | string }>(result);
    return Number(outcome.stored) > 0 && outcome.previous !== report.status;
  }

  async ofStation(stationId: string): Promise<ConnectorStatus[]> {
    return this.db
      .select()
      .from(connectorStatuses)
      .where(eq(connectorStatuses.stationId, stationId))
      .orderBy(asc(connectorStatuses.evseId), asc(connectorStatuses.connectorId));
  }
}

