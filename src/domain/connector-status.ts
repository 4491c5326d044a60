import { and, asc, eq, inArray, lte } from 'drizzle-orm';
import type { Database } from '../db/client.js';
import { connectorStatuses, evses, locations } from '../db/schema.js';
import type { DataVersions } from './data-versions.js';

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
  ) {}

  /**
   * Stores the report; when the status changed, the EVSEs it concerns (and their locations) count as changed now,
   * so that OCPI partners pulling by last_updated see it.
   */
  async record(report: StatusReport): Promise<void> {
    const [previous] = await this.db
      .select({ status: connectorStatuses.status })
      .from(connectorStatuses)
      .where(
        and(
          eq(connectorStatuses.stationId, report.stationId),
          eq(connectorStatuses.evseId, report.evseId),
          eq(connectorStatuses.connectorId, report.connectorId),
        ),
      );
    const row = {
      status: report.status,
      errorCode: report.errorCode ?? null,
      info: report.info ?? null,
      reportedAt: report.reportedAt,
      updatedAt: new Date(),
    };
    await this.db
      .insert(connectorStatuses)
      .values({ stationId: report.stationId, evseId: report.evseId, connectorId: report.connectorId, ...row })
      .onConflictDoUpdate({
        target: [connectorStatuses.stationId, connectorStatuses.evseId, connectorStatuses.connectorId],
        set: row,
        setWhere: lte(connectorStatuses.reportedAt, report.reportedAt),
      });
    if (previous?.status !== report.status) await this.markEvsesChanged(report.stationId, report.evseId, row.updatedAt);
  }

  private async markEvsesChanged(stationId: string, evseId: number, at: Date): Promise<void> {
    const concerned = and(eq(evses.stationId, stationId), evseId === 0 ? undefined : eq(evses.ocppEvseId, evseId));
    const changed = await this.db.update(evses).set({ lastUpdated: at }).where(concerned).returning({ locationId: evses.locationId });
    const locationIds = [...new Set(changed.map((evse) => evse.locationId))];
    if (locationIds.length > 0) {
      await this.db.update(locations).set({ lastUpdated: at }).where(inArray(locations.id, locationIds));
    }
    await this.versions.refresh();
  }

  async ofStation(stationId: string): Promise<ConnectorStatus[]> {
    return this.db
      .select()
      .from(connectorStatuses)
      .where(eq(connectorStatuses.stationId, stationId))
      .orderBy(asc(connectorStatuses.evseId), asc(connectorStatuses.connectorId));
  }
}

