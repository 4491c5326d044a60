/**
 * Remote starts: a transaction a partner (or the operator) asked a station to start for a token. The request is kept
 * here (not in one node's memory) so that the transaction the station then starts, on whichever node it reports it,
 * is known to answer it: one whose start names the remote start (`remoteStartId`) by that id, and takes its token
 * when it names none; one whose start cannot name it by its outlet (or any outlet, when none was asked for) and
 * idTag, when it comes before the remote start expires. A remote start is taken by one transaction at most.
 */
import { and, desc, eq, gt, inArray, isNotNull, isNull, lt, notInArray, or, sql } from 'drizzle-orm';
import type { Database } from '../db/client.js';
import { remoteStarts, stationCalls, transactions } from '../db/schema.js';
import { PeriodicSweep } from './periodic-sweep.js';
import type { TokenType } from './token-id-tags.js';

export type RemoteStart = typeof remoteStarts.$inferSelect;

/**
 * How long after a partner's START_SESSION its token is taken as authorized at that station (OCPI mod_commands: no
 * real-time authorization of that token there within 15 minutes), and so how long a remote start is kept at least.
 */
export const COMMAND_COVERS_MS = 15 * 60 * 1000;

export interface RemoteStartRequest {
  stationId: string;
  /** OCPP 1.6 connectorId / OCPP 2.0.1 evseId; 0 when the station may choose */
  ocppEvseId: number;
  /** what the station is given to start with (a long uid's station idTag on OCPP 1.6) */
  idTag: string;
  /** the token of the store the start is for (a partner's); null for the operator's own starts */
  tokenUid: string | null;
  tokenType: TokenType | null;
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

/** How many of a station's latest calls are searched for the start request a transaction names. */
const CALLS_SEARCHED = 1000;

export class RemoteStarts {
  /** how long after the request a start that does not name it is taken to answer it */
  private readonly windowMs: number;
  /** how long after its window a remote start a transaction may still name is kept */
  private readonly keepMs: number;
  private readonly sweeper = new PeriodicSweep(() => this.prune());

  constructor(
    private readonly db: Database,
    settings: { windowSeconds?: number; keepSeconds?: number } = {},
  ) {
    this.windowMs = (settings.windowSeconds ?? 210) * 1000;
    this.keepMs = (settings.keepSeconds ?? 7 * 86400) * 1000;
  }

  /**
   * Deletes the remote starts no transaction can answer any more. Once its window is over, a start that does not
   * name one cannot take it; one that names it can, as long as it is open and may still happen (accepted, or its
   * answer never came): an OCPP 2.0.1 station reports the transaction events it queued while offline when it is
   * back, so those are kept `keepSeconds` longer. Refused ones go when their window is over. Taken ones go when their
   * transaction has ended and the command no longer covers the token (`COMMAND_COVERS_MS`): until then real-time
   * authorization reads them. Answers how many went.
   */
  async prune(now = new Date()): Promise<number> {
    const stillPossible = and(isNull(remoteStarts.transactionId), or(isNull(remoteStarts.result), inArray(remoteStarts.result, STILL_POSSIBLE)));
    const refused = and(isNull(remoteStarts.transactionId), isNotNull(remoteStarts.result), notInArray(remoteStarts.result, STILL_POSSIBLE));
    const takenAndDone = and(
      isNotNull(remoteStarts.transactionId),
      lt(remoteStarts.sentAt, new Date(now.getTime() - COMMAND_COVERS_MS)),
      sql`not exists (select 1 from ${transactions} t where t.id = ${remoteStarts.transactionId} and t.stopped_at is null)`,
    );
    const deleted = await this.db
      .delete(remoteStarts)
      .where(
        or(
          and(lt(remoteStarts.expiresAt, now), or(refused, takenAndDone)),
          and(lt(remoteStarts.expiresAt, new Date(now.getTime() - this.keepMs)), stillPossible),
        ),
      )
      .returning({ id: remoteStarts.id });
    return deleted.length;
  }

  /**
   * Prunes every so often until `stopSweeper`: twice per window (or per keep, if shorter), at most every 10 minutes and
   * at least 1 s apart. The timer does not keep the process alive.
   */
  startSweeper(onError: (error: unknown) => void = () => {}): void {
    const intervalMs = Math.min(600_000, Math.max(1000, Math.min(this.windowMs, this.keepMs || this.windowMs) / 2));
    this.sweeper.start(intervalMs, onError);
  }

  /** Stops the sweeper and waits for a sweep under way. */
  stopSweeper(): Promise<void> {
    return this.sweeper.stop();
  }

  /** Records the operator's remote start about to be sent (no partner, no authorization reference). */
  recordForOperator(stationId: string, ocppEvseId: number, idTag: string, now = new Date()): Promise<RemoteStart> {
    const expiresAt = new Date(now.getTime() + this.windowMs);
    return this.record({ stationId, ocppEvseId, idTag, tokenUid: null, tokenType: null, partnerId: null, authorizationReference: null, expiresAt }, now);
  }

  /**
   * The token a start request sent to the station as a plain call asked for, found by its remoteStartId among the
   * station's latest calls (the operator's own RequestStartTransaction, of which no remote start was recorded).
   */
  async requestedToken(stationId: string, remoteStartId: number): Promise<{ idTag?: string; idTokenType?: string }> {
    const latest = this.db
      .select({ id: stationCalls.id })
      .from(stationCalls)
      .where(eq(stationCalls.stationId, stationId))
      .orderBy(desc(stationCalls.id))
      .limit(CALLS_SEARCHED);
    const [call] = await this.db
      .select({ idTag: sql<string | null>`${stationCalls.request}->'idToken'->>'idToken'`, type: sql<string | null>`${stationCalls.request}->'idToken'->>'type'` })
      .from(stationCalls)
      .where(
        and(
          inArray(stationCalls.id, latest),
          eq(stationCalls.action, 'RequestStartTransaction'),
          sql`${stationCalls.request}->>'remoteStartId' = ${String(remoteStartId)}`,
        ),
      )
      .orderBy(desc(stationCalls.id))
      .limit(1);
    return call?.idTag ? { idTag: call.idTag, ...(call.type && { idTokenType: call.type }) } : {};
  }

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
    const open = and(
      eq(remoteStarts.stationId, start.stationId),
      isNull(remoteStarts.transactionId),
      or(isNull(remoteStarts.result), inArray(remoteStarts.result, STILL_POSSIBLE)),
    );
    // named: the token must be the one asked for, if the station repeats one
    if (start.remoteStartId !== undefined) {
      return and(open, eq(remoteStarts.id, start.remoteStartId), start.idTag ? eq(remoteStarts.idTag, start.idTag) : undefined);
    }
    if (start.remoteStartUnnamed && start.idTag) {
      return and(
        open,
        eq(remoteStarts.idTag, start.idTag),
        or(eq(remoteStarts.ocppEvseId, start.evseId), eq(remoteStarts.ocppEvseId, 0)),
        gt(remoteStarts.expiresAt, now),
      );
    }
    return undefined;
  }
}
