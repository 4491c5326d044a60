import { and, count, desc, eq, inArray, sql } from 'drizzle-orm';
import { byCodePoint, type Database } from '../db/client.js';
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
    registeredAt: row.registeredAt,
    updatedAt: row.updatedAt,
  };
}

export class Stations {
  constructor(private readonly db: Database) {}

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

  async auth(id: string): Promise<StationAuth> {
    const [row] = await this.db.select().from(stations).where(eq(stations.id, id));
    if (!row) throw new NotFoundError(`charge station ${id} is not registered`);
    return toStation(row, 0).auth;
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

  /** Stores work for the station; the OCPP gateway delivers it and records the outcome. */
  async addRequest(stationId: string, kind: StationRequestKind, payload: Record<string, unknown>): Promise<StationRequest> {
    await this.assertRegistered(stationId);
    const [row] = await this.db
      .insert(stationRequests)
      .values({ stationId, kind, status: 'Pending', payload })
      .returning();
    return row;
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

  private async assertRegistered(stationId: string): Promise<void> {
    const [row] = await this.db
      .select({ one: sql<number>`1` })
      .from(stations)
      .where(eq(stations.id, stationId));
    if (!row) throw new NotFoundError(`charge station ${stationId} is not registered`);
  }
}
