/**
 * Remote starts: a transaction a partner asked a station to start for one of its tokens. The request is kept here
 * (not in one node's memory) so that the transaction the station then starts, on whichever node it reports it, is
 * known to answer it: one whose start names the remote start (`remoteStartId`) by that id; one whose start cannot
 * name it by its outlet and idTag, when it comes before the remote start expires. A remote start is taken by one
 * transaction at most.
 */
import { and, desc, eq, gt, inArray, isNull, or } from 'drizzle-orm';
import type { Database } from '../db/client.js';
import { remoteStarts } from '../db/schema.js';

export type RemoteStart = typeof remoteStarts.$inferSelect;

export interface RemoteStartRequest {
  stationId: string;
  /** OCPP 1.6 connectorId / OCPP 2.0.1 evseId */
  ocppEvseId: number;
  idTag: string;
  partnerId: number | null;
  authorizationReference: string | null;
  /** until when a start that does not name the remote start is taken to answer it */
  expiresAt: Date;
}

/** What a starting transaction tells of itself, for finding the remote start it answers. */
export interface StartingTransaction {
  stationId: string;
  evseId: number;
  idTag?: string;
  /** the remote start the station names */
  remoteStartId?: number;
  /** the station's start cannot name a remote start: match by outlet, idTag and time */
  remoteStartUnnamed?: boolean;
}

/** Results after which the station may still start the transaction (it accepted, or its answer never came). */
const STILL_POSSIBLE = ['ACCEPTED', 'TIMEOUT'];

export class RemoteStarts {
  constructor(private readonly db: Database) {}

  /** Records a remote start about to be sent; its `id` is the remoteStartId to send. */
  async record(request: RemoteStartRequest, now = new Date()): Promise<RemoteStart> {
    const [row] = await this.db
      .insert(remoteStarts)
      .values({ ...request, sentAt: now })
      .returning();
    return row;
  }

  /**
   * Records what came of the request at the station. A remote start the station refused (or never received) is
   * taken by no transaction from then on.
   */
  async settle(id: number, result: string): Promise<void> {
    await this.db.update(remoteStarts).set({ result }).where(eq(remoteStarts.id, id));
  }

  /** The open remote start a starting transaction may answer (read without a lock: a quick look before claiming). */
  async candidate(start: StartingTransaction, now = new Date(), db: Database = this.db): Promise<RemoteStart | undefined> {
    const where = this.matching(start, now);
    if (!where) return undefined;
    const [row] = await db.select().from(remoteStarts).where(where).orderBy(desc(remoteStarts.sentAt)).limit(1);
    return row;
  }

  /**
   * Locks the candidate for the transaction being started in `tx` (a database transaction); undefined when another
   * start took it meanwhile or it no longer applies. Call `consumed` in the same transaction once the transaction
   * exists.
   */
  async claim(tx: Database, candidate: RemoteStart, start: StartingTransaction, now = new Date()): Promise<RemoteStart | undefined> {
    const where = this.matching(start, now);
    if (!where) return undefined;
    const [row] = await tx
      .select()
      .from(remoteStarts)
      .where(and(eq(remoteStarts.id, candidate.id), where))
      .for('update', { skipLocked: true });
    return row;
  }

  /** The remote start was taken by this transaction. */
  async consumed(tx: Database, id: number, transactionId: number): Promise<void> {
    await tx.update(remoteStarts).set({ transactionId }).where(eq(remoteStarts.id, id));
  }

  private matching(start: StartingTransaction, now: Date) {
    if (!start.idTag) return undefined;
    const open = and(
      eq(remoteStarts.stationId, start.stationId),
      eq(remoteStarts.idTag, start.idTag),
      isNull(remoteStarts.transactionId),
      or(isNull(remoteStarts.result), inArray(remoteStarts.result, STILL_POSSIBLE)),
    );
    if (start.remoteStartId !== undefined) return and(open, eq(remoteStarts.id, start.remoteStartId));
    if (start.remoteStartUnnamed) return and(open, eq(remoteStarts.ocppEvseId, start.evseId), gt(remoteStarts.expiresAt, now));
    return undefined;
  }
}
