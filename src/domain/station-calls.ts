import { count, desc, eq } from 'drizzle-orm';
import type { Database } from '../db/client.js';
import { stationCalls, type stationCallStatuses } from '../db/schema.js';
import { DomainError } from './errors.js';
import type { Page, PageRequest } from './pagination.js';

export type StationCall = typeof stationCalls.$inferSelect;
export type StationCallStatus = (typeof stationCallStatuses)[number];

/**
 * The port through which the domain and the admin API reach a station; the OCPP gateway implements it (and, across
 * nodes, routes the call to the node that holds the station's socket).
 */
export interface StationLink {
  /** Sends `action` to the station and resolves with its answer; every call and its answer is recorded. */
  call(
    stationId: string,
    action: string,
    payload: Record<string, unknown>,
    options?: { timeoutMs?: number; stationRequestId?: number },
  ): Promise<Record<string, unknown>>;
  /** The OCPP version the station speaks on its current connection, if it is connected. */
  connectedVersion(stationId: string): string | undefined;
}

/** The station is not connected: the call was not sent. */
export class StationNotConnectedError extends DomainError {}
/**
 * The call was sent, but the station's connection closed before it answered: the station may or may not have acted
 * on it. A kind of not being connected, so whoever only cares that the station is gone (requests kept for its next
 * connection, OCPI results) treats both alike; the admin API tells them apart (502 against 409).
 */
export class StationWentAwayError extends StationNotConnectedError {}
export class StationTimeoutError extends DomainError {}
/** The payload breaks the schema of the station's OCPP version, or the action does not exist in it. */
export class InvalidStationCallError extends DomainError {}
/** The station answered with a CALLERROR. */
export class StationCallError extends DomainError {
  constructor(
    readonly code: string,
    readonly description: string,
  ) {
    super(`station answered ${code}: ${description}`);
  }
}

export class StationCalls {
  constructor(private readonly db: Database) {}

  async begin(stationId: string, action: string, request: object, stationRequestId?: number): Promise<number> {
    const [row] = await this.db
      .insert(stationCalls)
      .values({
        stationId,
        action,
        request: request as Record<string, unknown>,
        status: 'Sent',
        stationRequestId: stationRequestId ?? null,
        createdAt: new Date(),
      })
      .returning({ id: stationCalls.id });
    return row.id;
  }

  async finish(
    id: number,
    outcome:
      | { status: 'Answered'; response: object }
      | { status: 'CallError'; errorCode: string; errorDescription: string }
      | { status: 'Timeout' | 'WentAway' | 'Failed'; errorDescription: string },
  ): Promise<void> {
    await this.db
      .update(stationCalls)
      .set({
        status: outcome.status,
        response: 'response' in outcome ? (outcome.response as Record<string, unknown>) : null,
        errorCode: 'errorCode' in outcome ? outcome.errorCode : null,
        errorDescription: 'errorDescription' in outcome ? outcome.errorDescription : null,
        answeredAt: new Date(),
      })
      .where(eq(stationCalls.id, id));
  }

  async get(id: number): Promise<StationCall | undefined> {
    const [row] = await this.db.select().from(stationCalls).where(eq(stationCalls.id, id));
    return row;
  }

  async list(stationId: string, page: PageRequest): Promise<Page<StationCall>> {
    const where = eq(stationCalls.stationId, stationId);
    const items = await this.db
      .select()
      .from(stationCalls)
      .where(where)
      .orderBy(desc(stationCalls.id))
      .offset(page.offset)
      .limit(page.limit);
    const [{ total }] = await this.db.select({ total: count() }).from(stationCalls).where(where);
    return { items, total, ...page };
  }
}
