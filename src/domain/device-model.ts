import { and, asc, count, eq, gte, sql, type SQL } from 'drizzle-orm';
import type { Database } from '../db/client.js';
import { deviceVariables } from '../db/schema.js';
import type { Page, PageRequest } from './pagination.js';

type Row = typeof deviceVariables.$inferInsert;
export type DeviceVariableRow = typeof deviceVariables.$inferSelect;

/** Which variable attribute: component (name, instance, EVSE, connector) × variable (name, instance) × attribute type. */
export interface VariableAddress {
  component: string;
  componentInstance?: string;
  evseId?: number;
  connectorId?: number;
  variable: string;
  variableInstance?: string;
  attributeType?: string;
}

/** One attribute as a report describes it. */
export interface ReportedAttribute extends VariableAddress {
  value?: string;
  mutability?: string;
  persistent?: boolean;
  constant?: boolean;
  characteristics?: Record<string, unknown>;
}

/** What a GetVariables / SetVariables / configuration answer said of one attribute. */
export interface AttributeOutcome extends VariableAddress {
  /** Accepted, Rejected, UnknownComponent, UnknownVariable, NotSupportedAttributeType, RebootRequired, … */
  status: string;
  /** the value read (Get) or written (Set); kept only when the status says it holds */
  value?: string;
  mutability?: string;
}

export interface VariableFilter {
  component?: string;
  variable?: string;
  evseId?: number;
  changedSince?: Date;
}

/** Statuses under which the value of an outcome is the attribute's value (RebootRequired: after the reboot). */
const VALUE_HOLDS = new Set(['Accepted', 'RebootRequired']);

/** Rows per statement: a FullInventory report can describe thousands of attributes. */
const CHUNK = 400;

/** Attribute columns a newer report or answer replaces; the key columns stay. */
const REPLACED = ['value', 'mutability', 'persistent', 'constant', 'characteristics', 'attribute_status', 'source', 'updated_at'] as const;

/**
 * A station's device model as Anode last learnt it: OCPP 2.0.1 component variables from reports and
 * Get/SetVariables, OCPP 1.6 configuration keys (as variables of the component `Configuration`).
 */
export class DeviceModel {
  constructor(private readonly db: Database) {}

  /** Stores the attributes one report part describes; returns how many. */
  async recordReported(stationId: string, attributes: ReportedAttribute[], source: string): Promise<number> {
    const now = new Date();
    const rows = attributes.map(
      (attribute): Row => ({
        ...key(stationId, attribute),
        value: attribute.value ?? null,
        mutability: attribute.mutability ?? null,
        persistent: attribute.persistent ?? null,
        constant: attribute.constant ?? null,
        characteristics: attribute.characteristics ?? null,
        attributeStatus: null,
        source,
        updatedAt: now,
      }),
    );
    await this.upsert(rows, REPLACED);
    return rows.length;
  }

  /**
   * Stores what a GetVariables / SetVariables (or 1.6 GetConfiguration / ChangeConfiguration) answer said: the
   * status always, the value when the status says it holds. What the report said of the attribute's
   * characteristics stays.
   */
  async recordOutcomes(stationId: string, outcomes: AttributeOutcome[], source: string): Promise<void> {
    const now = new Date();
    const holding = outcomes.filter((outcome) => VALUE_HOLDS.has(outcome.status) && outcome.value !== undefined);
    const refused = outcomes.filter((outcome) => !holding.includes(outcome));
    const row = (outcome: AttributeOutcome): Row => ({
      ...key(stationId, outcome),
      value: outcome.value ?? null,
      mutability: outcome.mutability ?? null,
      attributeStatus: outcome.status,
      source,
      updatedAt: now,
    });
    await this.upsert(holding.map(row), ['value', 'attribute_status', 'source', 'updated_at', ...(holding.some((o) => o.mutability) ? (['mutability'] as const) : [])]);
    await this.upsert(refused.map(row), ['attribute_status', 'source', 'updated_at']);
  }

  async list(stationId: string, filter: VariableFilter, page: PageRequest): Promise<Page<DeviceVariableRow>> {
    const conditions: SQL[] = [eq(deviceVariables.stationId, stationId)];
    if (filter.component !== undefined) conditions.push(eq(deviceVariables.component, filter.component));
    if (filter.variable !== undefined) conditions.push(eq(deviceVariables.variable, filter.variable));
    if (filter.evseId !== undefined) conditions.push(eq(deviceVariables.evseId, filter.evseId));
    if (filter.changedSince !== undefined) conditions.push(gte(deviceVariables.updatedAt, filter.changedSince));
    const where = and(...conditions);
    const items = await this.db
      .select()
      .from(deviceVariables)
      .where(where)
      .orderBy(
        asc(deviceVariables.component),
        asc(deviceVariables.componentInstance),
        asc(deviceVariables.evseId),
        asc(deviceVariables.connectorId),
        asc(deviceVariables.variable),
        asc(deviceVariables.variableInstance),
        asc(deviceVariables.attributeType),
      )
      .offset(page.offset)
      .limit(page.limit);
    const [{ total }] = await this.db.select({ total: count() }).from(deviceVariables).where(where);
    return { items, total, ...page };
  }

  private async upsert(rows: Row[], replaced: readonly string[]): Promise<void> {
    const set = Object.fromEntries(replaced.map((column) => [camel(column), sql.raw(`excluded.${column}`)]));
    for (let start = 0; start < rows.length; start += CHUNK) {
      const chunk = dedupe(rows.slice(start, start + CHUNK));
      await this.db
        .insert(deviceVariables)
        .values(chunk)
        .onConflictDoUpdate({
          target: [
            deviceVariables.stationId,
            deviceVariables.component,
            deviceVariables.componentInstance,
            deviceVariables.evseId,
            deviceVariables.connectorId,
            deviceVariables.variable,
            deviceVariables.variableInstance,
            deviceVariables.attributeType,
          ],
          set,
        });
    }
  }
}

function key(stationId: string, address: VariableAddress) {
  return {
    stationId,
    component: address.component,
    componentInstance: address.componentInstance ?? '',
    evseId: address.evseId ?? 0,
    connectorId: address.connectorId ?? 0,
    variable: address.variable,
    variableInstance: address.variableInstance ?? '',
    attributeType: address.attributeType ?? 'Actual',
  };
}

const camel = (column: string) => column.replace(/_(\w)/g, (_, letter: string) => letter.toUpperCase());

/** One statement may not update a row twice: the last mention of an attribute wins. */
function dedupe(rows: Row[]): Row[] {
  const byKey = new Map<string, Row>();
  for (const row of rows) {
    byKey.set(JSON.stringify([row.component, row.componentInstance, row.evseId, row.connectorId, row.variable, row.variableInstance, row.attributeType]), row);
  }
  return [...byKey.values()];
}
