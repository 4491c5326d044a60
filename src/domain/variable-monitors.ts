import { and, asc, count, eq, inArray, lt, sql } from 'drizzle-orm';
import type { Database } from '../db/client.js';
import { variableMonitors } from '../db/schema.js';
import type { Page, PageRequest } from './pagination.js';

/**
 * A monitor a station keeps on one variable of one component (a threshold, a delta, a period), by its id at the
 * station. An absent instance is '', an absent EVSE or connector 0.
 */
export interface VariableMonitor {
  monitorId: number;
  component: string;
  componentInstance: string;
  evseId: number;
  connectorId: number;
  variable: string;
  variableInstance: string;
  type: string;
  severity: number;
  value: number;
  /** only active while a transaction runs */
  transaction: boolean;
}

export type StoredVariableMonitor = VariableMonitor & { updatedAt: Date };

export interface VariableMonitorFilter {
  component?: string;
  variable?: string;
}

/** The monitors set on stations' variables, as set through Anode or reported by the stations. */
export class VariableMonitors {
  constructor(private readonly db: Database) {}

  /** Stores monitors the station took or reported, replacing any with the same id. */
  async store(stationId: string, monitors: VariableMonitor[]): Promise<void> {
    if (monitors.length === 0) return;
    const now = new Date();
    // One statement may not update a row twice: a monitor given twice counts as its last.
    const byId = new Map(monitors.map((monitor) => [monitor.monitorId, monitor]));
    const rows = [...byId.values()].map((monitor) => ({ ...monitor, value: String(monitor.value), stationId, updatedAt: now }));
    await this.db
      .insert(variableMonitors)
      .values(rows)
      .onConflictDoUpdate({
        target: [variableMonitors.stationId, variableMonitors.monitorId],
        set: excludedColumns(),
      });
  }

  async remove(stationId: string, monitorIds: number[]): Promise<number[]> {
    if (monitorIds.length === 0) return [];
    const removed = await this.db
      .delete(variableMonitors)
      .where(and(eq(variableMonitors.stationId, stationId), inArray(variableMonitors.monitorId, monitorIds)))
      .returning({ monitorId: variableMonitors.monitorId });
    return removed.map(({ monitorId }) => monitorId).sort((a, b) => a - b);
  }

  /** Forgets every monitor of the station; answers how many there were. */
  async removeAll(stationId: string): Promise<number> {
    const removed = await this.db
      .delete(variableMonitors)
      .where(eq(variableMonitors.stationId, stationId))
      .returning({ monitorId: variableMonitors.monitorId });
    return removed.length;
  }

  /** Forgets the monitors not stored or reported since `since` (what a complete report did not list). */
  async removeOlderThan(stationId: string, since: Date): Promise<number> {
    const removed = await this.db
      .delete(variableMonitors)
      .where(and(eq(variableMonitors.stationId, stationId), lt(variableMonitors.updatedAt, since)))
      .returning({ monitorId: variableMonitors.monitorId });
    return removed.length;
  }

  async list(stationId: string, page: PageRequest, filter: VariableMonitorFilter = {}): Promise<Page<StoredVariableMonitor>> {
    const where = and(
      eq(variableMonitors.stationId, stationId),
      filter.component !== undefined ? eq(variableMonitors.component, filter.component) : undefined,
      filter.variable !== undefined ? eq(variableMonitors.variable, filter.variable) : undefined,
    );
    const rows = await this.db
      .select()
      .from(variableMonitors)
      .where(where)
      .orderBy(asc(variableMonitors.monitorId))
      .offset(page.offset)
      .limit(page.limit);
    const [{ total }] = await this.db.select({ total: count() }).from(variableMonitors).where(where);
    return { items: rows.map(({ stationId: _, value, ...monitor }) => ({ ...monitor, value: Number(value) })), total, ...page };
  }
}

function excludedColumns() {
  return {
    component: sqlExcluded('component'),
    componentInstance: sqlExcluded('component_instance'),
    evseId: sqlExcluded('evse_id'),
    connectorId: sqlExcluded('connector_id'),
    variable: sqlExcluded('variable'),
    variableInstance: sqlExcluded('variable_instance'),
    type: sqlExcluded('type'),
    severity: sqlExcluded('severity'),
    value: sqlExcluded('value'),
    transaction: sqlExcluded('transaction'),
    updatedAt: sqlExcluded('updated_at'),
  };
}

const sqlExcluded = (column: string) => sql.raw(`excluded."${column}"`);
