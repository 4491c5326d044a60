import { asc, eq, lte } from 'drizzle-orm';
import type { Database } from '../db/client.js';
import { connectorStatuses } from '../db/schema.js';

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
  constructor(private readonly db: Database) {}

  async record(report: StatusReport): Promise<void> {
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
  }

  async ofStation(stationId: string): Promise<ConnectorStatus[]> {
    return this.db
      .select()
      .from(connectorStatuses)
      .where(eq(connectorStatuses.stationId, stationId))
      .orderBy(asc(connectorStatuses.evseId), asc(connectorStatuses.connectorId));
  }
}

