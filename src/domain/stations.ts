import { and, count, desc, eq, inArray, isNotNull, sql } from 'drizzle-orm';
import type { Bus } from '../cluster/bus.js';
import { AnsweringBatcher, Batcher } from '../db/batcher.js';
import { byCodePoint, PREPARED, rowsOf, type Database } from '../db/client.js';
import { stationRequests, stations, type stationRequestKinds, type stationRequestStatuses } from '../db/schema.js';
import { NotFoundError } from './errors.js';
import type { Page, PageRequest } from './pagination.js';

export type SecurityProfile = 0 | 1 | 2;
export type StationRequestKind = (typeof stationRequestKinds)[number];
export type StationRequestStatus = (typeof stationRequestStatuses)[number];

export interface StationAuth {
  securityProfile: SecurityProfile;
  /** base64 SHA-256 of the station's password */
  passwordHash?: string;
  invalidUsernameAllowed: boolean;
}

export interface Station {
  id: string;
  auth: StationAuth;
  registrationStatus: 'Pending' | 'Accepted';
  connection: { connected: boolean; ocppVersion: string | null; connectedAt: Date | null; lastSeenAt: Date | null };
  bootInfo: {
    vendor: string | null;
    model: string | null;
    serialNumber: string | null;
    firmwareVersion: string | null;
    lastBootAt: Date | null;
  };
  /** requests not yet answered by the station */
  pendingRequests: number;
  firmwareStatus: string | null;
  diagnosticsStatus: string | null;
  registeredAt: Date;
  updatedAt: Date;
}

export interface StationRequest {
  id: number;
  stationId: string;
  kind: StationRequestKind;
  status: StationRequestStatus;
  payload: Record<string, unknown>;
  outcome: Record<string, unknown> | null;
  createdAt: Date;
  updatedAt: Date;
}

const OPEN_STATUSES: StationRequestStatus[] = ['Pending', 'Delivered'];

type StationRow = typeof stations.$inferSelect;

function toStation(row: StationRow, pendingRequests: number): Station {
  return {
    id: row.id,
    auth: {
      securityProfile: row.securityProfile as SecurityProfile,
      passwordHash: row.passwordHash ?? undefined,
      invalidUsernameAllowed: row.invalidUsernameAllowed,
    },
    registrationStatus: row.registrationStatus,
    connection: {
      connected: row.connectedNode !== null,
      ocppVersion: row.ocppVersion,
      connectedAt: row.connectedAt,
      lastSeenAt: row.lastSeenAt,
    },
    bootInfo: {
      vendor: row.vendor,
      model: row.model,
      serialNumber: row.serialNumber,
      firmwareVersion: row.firmwareVersion,
      lastBootAt: row.lastBootAt,
    },
    pendingRequests,
    firmwareStatus: row.firmwareStatus,
    diagnosticsStatus: row.diagnosticsStatus,
    registeredAt: row.registeredAt,
    updatedAt: row.updatedAt,
  };
}

export interface BootReport {
  vendor: string;
  model: string;
  serialNumber?: string;
  firmwareVersion?: string;
}

export interface ConnectionRecord {
  stationId: string;
  nodeId: string;
  ocppVersion: string;
  at: Date;
}

// Qualified by hand: drizzle writes a one-table query's columns without their table, and "id" would be the request's.
const stationIdColumn = sql`"stations"."id"`;

/** Whether the station in the row has requests not yet settled (what `openRequests` finds), of one kind or any, as a column. */
const openRequestsOfRow = (kind?: StationRequestKind) =>
  sql<boolean>`exists (select 1 from ${stationRequests} r where r.station_id = ${stationIdColumn}
    and r.status in ('Pending', 'Delivered')${kind ? sql` and r.kind = ${kind}` : sql``})`;

/**
 * Locks these stations' rows in id order before a batch updates them: batches of different kinds (boots,
 * connections, sightings) run at once, and rows locked in whatever order each plan meets them deadlock.
 */
const lockedInIdOrder = (ids: string[]) =>
  sql`${stationIdColumn} in (select s.id from ${stations} s where s.id in (select json_array_elements_text(${JSON.stringify([...new Set(ids)])}::json))
    order by s.id for update)`;

type AdmissionRow = { row: typeof stations.$inferSelect; requestsWaiting: boolean };
type BootOutcome = {
  registrationStatus: 'Pending' | 'Accepted';
  configurationWaiting: boolean;
  requestsWaiting: boolean;
  /** the firmware status the station last reported (a boot during or after an install reports the new version) */
  firmwareStatus: string | null;
};

export class Stations {
  private readonly connections: Batcher<ConnectionRecord>;
  private readonly sightings: Batcher<string>;
  // Thousands of stations connect and boot at once after an outage: their reads and writes go in batches.
  private readonly admissions = new AnsweringBatcher<string, AdmissionRow | undefined>((ids) => this.readAdmissions(ids), {
    maxItems: 500,
    maxDelayMs: 2,
  });
  private readonly boots = new AnsweringBatcher<{ id: string; report: BootReport; at: Date }, BootOutcome | undefined>(
    (boots) => this.writeBoots(boots),
    { maxItems: 500, maxDelayMs: 2 },
  );

  constructor(
    private readonly db: Database,
    private readonly bus: Bus,
  ) {
    this.connections = new Batcher((records) => this.writeConnections(records), { maxItems: 500, maxDelayMs: 20 });
    this.sightings = new Batcher((ids) => this.writeSightings(ids), { maxItems: 1000, maxDelayMs: 200 });
  }

  /**
   * Registers a station or updates its registration. Either way it is Pending: it gets its pending configuration
   * at its next boot before it is Accepted.
   */
  async register(id: string, auth: StationAuth): Promise<void> {
    const values = {
      securityProfile: auth.securityProfile,
      passwordHash: auth.passwordHash ?? null,
      invalidUsernameAllowed: auth.invalidUsernameAllowed,
      registrationStatus: 'Pending' as const,
      updatedAt: new Date(),
    };
    await this.db
      .insert(stations)
      .values({ id, registeredAt: values.updatedAt, ...values })
      .onConflictDoUpdate({ target: stations.id, set: values });
  }

  /**
   * What admitting a connecting station takes, in one read: its auth, whether it is Accepted and has operator requests
   * waiting, and when it was last seen before this connection (offline-stations.ts).
   */
  async admission(
    id: string,
  ): Promise<{ auth: StationAuth; registrationStatus: 'Pending' | 'Accepted'; requestsWaiting: boolean; lastSeenAt: Date | null }> {
    const found = await this.admissions.add(id);
    if (!found) throw new NotFoundError(`charge station ${id} is not registered`);
    const { row } = found;
    return { auth: toStation(row, 0).auth, registrationStatus: row.registrationStatus, requestsWaiting: found.requestsWaiting, lastSeenAt: row.lastSeenAt };
  }

  private async readAdmissions(ids: string[]): Promise<Array<AdmissionRow | undefined>> {
    const rows = await this.db
      .select({ row: stations, requestsWaiting: openRequestsOfRow() })
      .from(stations)
      .where(sql`${stationIdColumn} in (select json_array_elements_text(${JSON.stringify([...new Set(ids)])}::json))`);
    const byId = new Map(rows.map((found) => [found.row.id, found]));
    return ids.map((id) => byId.get(id));
  }

  async auth(id: string): Promise<StationAuth> {
    return (await this.admission(id)).auth;
  }

  async get(id: string): Promise<Station> {
    const [row] = await this.db.select().from(stations).where(eq(stations.id, id));
    if (!row) throw new NotFoundError(`charge station ${id} is not registered`);
    const pending = await this.openRequestCounts([id]);
    return toStation(row, pending.get(id) ?? 0);
  }

  async list(page: PageRequest): Promise<Page<Station>> {
    const rows = await this.db.select().from(stations).orderBy(byCodePoint(stations.id)).offset(page.offset).limit(page.limit);
    const [{ total }] = await this.db.select({ total: count() }).from(stations);
    const pending = await this.openRequestCounts(rows.map((row) => row.id));
    return { items: rows.map((row) => toStation(row, pending.get(row.id) ?? 0)), total, ...page };
  }

  private async openRequestCounts(stationIds: string[]): Promise<Map<string, number>> {
    if (stationIds.length === 0) return new Map();
    const rows = await this.db
      .select({ stationId: stationRequests.stationId, open: count() })
      .from(stationRequests)
      .where(and(inArray(stationRequests.stationId, stationIds), inArray(stationRequests.status, OPEN_STATUSES)))
      .groupBy(stationRequests.stationId);
    return new Map(rows.map((row) => [row.stationId, row.open]));
  }

  /** Stores an operator request for the station; the OCPP gateway delivers it and records the outcome. */
  async addRequest(stationId: string, kind: StationRequestKind, payload: Record<string, unknown>): Promise<StationRequest> {
    await this.assertRegistered(stationId);
    const [row] = await this.db
      .insert(stationRequests)
      .values({ stationId, kind, status: 'Pending', payload })
      .returning();
    this.bus.publish('station.request.created', { stationId, requestId: row.id });
    return row;
  }

  /** Requests not yet settled, oldest first: Pending ones, and Delivered ones whose answer was lost with a socket. */
  async openRequests(stationId: string): Promise<StationRequest[]> {
    return this.db
      .select()
      .from(stationRequests)
      .where(and(eq(stationRequests.stationId, stationId), inArray(stationRequests.status, OPEN_STATUSES)))
      .orderBy(stationRequests.id);
  }

  async settleRequest(
    requestId: number,
    status: StationRequestStatus,
    outcome: Record<string, unknown> | null = null,
  ): Promise<void> {
    await this.db
      .update(stationRequests)
      .set({
        status,
        // Merged: what others added meanwhile (a trigger's certificate steps) stays.
        ...(outcome !== null && { outcome: sql`coalesce(${stationRequests.outcome}, '{}'::jsonb) || ${JSON.stringify(outcome)}::jsonb` }),
        updatedAt: new Date(),
      })
      .where(eq(stationRequests.id, requestId));
  }

  /** An unregistered station admitted in labs mode (OCPP_ALLOW_UNREGISTERED): recorded, already Accepted. */
  async admitUnregistered(id: string): Promise<void> {
    await this.db
      .insert(stations)
      .values({ id, securityProfile: 0, invalidUsernameAllowed: true, registrationStatus: 'Accepted' })
      .onConflictDoNothing();
  }

  /**
   * Stores what the station says of itself and, unless configuration waits for it, accepts it. Answers its status,
   * whether it is still to be configured and whether the operator's requests wait for it.
   */
  async recordBoot(id: string, report: BootReport): Promise<BootOutcome> {
    const outcome = await this.boots.add({ id, report, at: new Date() });
    if (!outcome) throw new NotFoundError(`charge station ${id} is not registered`);
    return outcome;
  }

  private async writeBoots(boots: Array<{ id: string; report: BootReport; at: Date }>): Promise<Array<BootOutcome | undefined>> {
    const input = boots.map(({ id, report, at }) => ({
      id,
      vendor: report.vendor,
      model: report.model,
      serial_number: report.serialNumber ?? null,
      firmware_version: report.firmwareVersion ?? null,
      at: at.toISOString(),
    }));
    const configurationWaiting = openRequestsOfRow('reconfigure');
    const result = await this.db.execute(sql`${PREPARED}
      update ${stations} set vendor = v.vendor, model = v.model, serial_number = v.serial_number,
        firmware_version = v.firmware_version, last_boot_at = v.at, last_seen_at = v.at,
        registration_status = case when ${configurationWaiting} then ${stations.registrationStatus} else 'Accepted' end
      from json_to_recordset(${JSON.stringify(input)}::json)
        as v(id text, vendor text, model text, serial_number text, firmware_version text, at timestamptz)
      where ${stations.id} = v.id and ${lockedInIdOrder(boots.map((boot) => boot.id))}
      returning ${stations.id} as id, ${stations.registrationStatus} as registration_status,
        ${configurationWaiting} as configuration_waiting, ${openRequestsOfRow()} as requests_waiting,
        ${stations.firmwareStatus} as firmware_status`);
    type Row = { id: string; registration_status: 'Pending' | 'Accepted'; configuration_waiting: boolean; requests_waiting: boolean; firmware_status: string | null };
    const byId = new Map(
      rowsOf<Row>(result).map((row) => [
        row.id,
        {
          registrationStatus: row.registration_status,
          configurationWaiting: row.configuration_waiting,
          requestsWaiting: row.requests_waiting,
          firmwareStatus: row.firmware_status,
        },
      ]),
    );
    return boots.map(({ id }) => byId.get(id));
  }

  async markAccepted(id: string): Promise<void> {
    await this.db.update(stations).set({ registrationStatus: 'Accepted' }).where(eq(stations.id, id));
  }

  async recordFirmwareStatus(id: string, status: string): Promise<void> {
    await this.db.update(stations).set({ firmwareStatus: status }).where(eq(stations.id, id));
  }

  async recordDiagnosticsStatus(id: string, status: string): Promise<void> {
    await this.db.update(stations).set({ diagnosticsStatus: status }).where(eq(stations.id, id));
  }

  recordConnected(record: ConnectionRecord): Promise<void> {
    return this.connections.add(record);
  }

  /** Clears the connection unless a newer one (another socket, maybe on another node) has taken its place. */
  async recordDisconnected(record: ConnectionRecord): Promise<void> {
    await this.connections.drain();
    await this.db
      .update(stations)
      .set({ connectedNode: null })
      .where(
        and(eq(stations.id, record.stationId), eq(stations.connectedNode, record.nodeId), eq(stations.connectedAt, record.at)),
      );
  }

  /**
   * A node that starts or stops holds no sockets: forget what an earlier run of it left behind. A whole node (not one
   * of its workers) also forgets what its workers (`<node>-w<index>`) of an earlier run held.
   */
  async clearConnections(nodeId: string, options: { andItsWorkers?: boolean } = {}): Promise<void> {
    await this.connections.drain();
    const held = options.andItsWorkers
      ? sql`(${stations.connectedNode} = ${nodeId} or starts_with(${stations.connectedNode}, ${`${nodeId}-w`}))`
      : eq(stations.connectedNode, nodeId);
    await this.db
      .update(stations)
      .set({ connectedNode: null })
      .where(and(isNotNull(stations.connectedNode), held));
  }

  /** The station said something: last seen now (written in batches). */
  touch(id: string): void {
    this.sightings.add(id).catch(() => {});
  }

  async flush(): Promise<void> {
    await Promise.all([this.connections.drain(), this.sightings.drain(), this.admissions.drain(), this.boots.drain()]);
  }

  private async writeConnections(records: ConnectionRecord[]): Promise<void> {
    const latest = [...new Map(records.map((record) => [record.stationId, record])).values()].map((record) => ({
      id: record.stationId,
      node: record.nodeId,
      version: record.ocppVersion,
      at: record.at.toISOString(),
    }));
    await this.db.execute(sql`${PREPARED}
      update ${stations} set connected_node = v.node, ocpp_version = v.version, connected_at = v.at, last_seen_at = v.at
      from json_to_recordset(${JSON.stringify(latest)}::json) as v(id text, node text, version text, at timestamptz)
      where ${stations.id} = v.id and ${lockedInIdOrder(latest.map((record) => record.id))}`);
  }

  private async writeSightings(ids: string[]): Promise<void> {
    await this.db.execute(sql`${PREPARED} update ${stations} set last_seen_at = now() where ${lockedInIdOrder(ids)}`);
  }


  async listRequests(
    stationId: string,
    page: PageRequest,
    status?: StationRequestStatus,
  ): Promise<Page<StationRequest>> {
    await this.assertRegistered(stationId);
    const where = status
      ? and(eq(stationRequests.stationId, stationId), eq(stationRequests.status, status))
      : eq(stationRequests.stationId, stationId);
    const items = await this.db
      .select()
      .from(stationRequests)
      .where(where)
      .orderBy(desc(stationRequests.id))
      .offset(page.offset)
      .limit(page.limit);
    const [{ total }] = await this.db.select({ total: count() }).from(stationRequests).where(where);
    return { items, total, ...page };
  }

  async getRequest(stationId: string, requestId: number): Promise<StationRequest> {
    const [row] = await this.db
      .select()
      .from(stationRequests)
      .where(and(eq(stationRequests.stationId, stationId), eq(stationRequests.id, requestId)));
    if (!row) throw new NotFoundError(`charge station ${stationId} has no request ${requestId}`);
    return row;
  }

  /** Throws NotFoundError unless the station is registered (one indexed read, nothing else). */
  async assertRegistered(stationId: string): Promise<void> {
    const [row] = await this.db
      .select({ one: sql<number>`1` })
      .from(stations)
      .where(eq(stations.id, stationId));
    if (!row) throw new NotFoundError(`charge station ${stationId} is not registered`);
  }
}
