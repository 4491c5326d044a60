import { and, desc, eq, gt, inArray, isNotNull, isNull, ne, or } from 'drizzle-orm';
import type { Database } from '../db/client.js';
import { remoteStarts, reservations, transactions } from '../db/schema.js';
import { COMMAND_COVERS_MS } from './remote-starts.js';
import { preferredToken, tokensPresentedAs, type TokenKey } from './token-id-tags.js';
import type { Token } from './tokens.js';

/** Protocol-neutral verdict on an identifier a station presents (an OCPP idTag / idToken). */
export type AuthorizationStatus = 'Accepted' | 'Blocked' | 'Expired' | 'NoCredit' | 'NotAllowed' | 'Unknown';

/**
 * How a token came to be authorized: a partner's command (start or reservation) named it, its issuer answered in
 * real time, or the token store alone decided.
 */
export type AuthorizationMethod = 'command' | 'realtime' | 'stored';

/** What a transaction keeps of the authorization it started with. */
export interface AuthorizationOutcome {
  /** the token of the store the verdict is about */
  token?: TokenKey;
  method?: AuthorizationMethod;
  /** the issuer's reference to the authorization it gave in real time */
  reference?: string;
}

export interface Authorization extends AuthorizationOutcome {
  status: AuthorizationStatus;
  /** until when the verdict may be relied on (the token's expiry) */
  expiresAt?: Date;
  /** groups tokens that work as one (OCPP parentIdTag / groupIdToken) */
  groupId?: string;
}

/** What the issuer answered: its verdict, and the reference it gave the authorization. */
export interface RealtimeVerdict {
  status: AuthorizationStatus;
  reference?: string;
}

/**
 * Asks the eMSP that issued a token for a verdict (OCPI real-time authorization). Resolves undefined when the eMSP
 * cannot be asked or does not answer in time.
 */
export interface RealtimeAuthorization {
  ask(token: Token, context: { stationId?: string }): Promise<RealtimeVerdict | undefined>;
}

/** Where a token is presented, and what the station says of its kind (OCPP 2.0.1 idToken type). */
export interface PresentationContext {
  stationId?: string;
  idTokenType?: string;
}


/** Remote start results after which the station may still start (it accepted, or its answer never came). */
const NOT_REFUSED = ['ACCEPTED', 'TIMEOUT'];

const mustAsk = (token: Token) => token.ownerPartyId !== null && (token.cacheMode === 'NEVER' || token.cacheMode === 'ALLOWED_OFFLINE');

/**
 * Reads the token store; OCPI tokens pushed by eMSPs live in the same store. Their whitelist says when the eMSP
 * must be asked: NEVER (always ask; no answer, no charge), ALLOWED_OFFLINE (ask; the stored token decides only when
 * the eMSP cannot be reached), ALWAYS and ALLOWED (the stored token decides). A token a partner's command brought to
 * this station (START_SESSION, RESERVE_NOW) is not asked about again: the eMSP authorized it when it sent it.
 */
export class Authorizer {
  private realtime: RealtimeAuthorization | undefined;

  constructor(private readonly db: Database) {}

  useRealtime(realtime: RealtimeAuthorization): void {
    this.realtime = realtime;
  }

  async authorize(idTag: string, context: PresentationContext = {}, now = new Date()): Promise<Authorization> {
    const candidates = await tokensPresentedAs(this.db, idTag);
    if (candidates.length === 0) return { status: 'Unknown' };
    // Only a partner's token can have come with a command; only several candidates need one to tell them apart.
    const commanded =
      context.stationId !== undefined && (candidates.length > 1 || candidates.some(mustAsk))
        ? await this.commandedToken(context.stationId, candidates, now)
        : undefined;
    const token = commanded ?? preferredToken(candidates, idTag, context.idTokenType)!;
    const details = {
      token: { uid: token.uid, type: token.type },
      ...(token.expiresAt && { expiresAt: token.expiresAt }),
      ...(token.groupId && { groupId: token.groupId }),
    };
    if (commanded) return { status: storedVerdict(token, now), ...details, method: 'command' };
    if (mustAsk(token) && this.realtime) {
      const answer = await this.realtime.ask(token, context);
      if (answer !== undefined) return { status: answer.status, ...details, method: 'realtime', ...(answer.reference && { reference: answer.reference }) };
      if (token.cacheMode === 'NEVER') return { status: 'Unknown', ...details };
    }
    return { status: storedVerdict(token, now), ...details, method: 'stored' };
  }

  /**
   * The candidate a partner's command brought to this station: a START_SESSION sent in the last 15 minutes that the
   * station did not refuse, a RESERVE_NOW made in the last 15 minutes or still open, or either whose transaction
   * still runs.
   */
  private async commandedToken(stationId: string, candidates: Token[], now: Date): Promise<Token | undefined> {
    const since = new Date(now.getTime() - COMMAND_COVERS_MS);
    const running = and(isNotNull(transactions.id), isNull(transactions.stoppedAt));
    const [started] = await this.db
      .select({ uid: remoteStarts.tokenUid, type: remoteStarts.tokenType })
      .from(remoteStarts)
      .leftJoin(transactions, eq(transactions.id, remoteStarts.transactionId))
      .where(
        and(
          eq(remoteStarts.stationId, stationId),
          isNotNull(remoteStarts.partnerId),
          or(...candidates.map((token) => and(eq(remoteStarts.tokenUid, token.uid), eq(remoteStarts.tokenType, token.type)))),
          or(
            and(gt(remoteStarts.sentAt, since), or(isNull(remoteStarts.result), inArray(remoteStarts.result, NOT_REFUSED))),
            running,
          ),
        ),
      )
      .orderBy(desc(remoteStarts.sentAt))
      .limit(1);
    const [reserved] = started
      ? [started]
      : await this.db
          .select({ uid: reservations.tokenUid, type: reservations.tokenType })
          .from(reservations)
          .leftJoin(transactions, eq(transactions.id, reservations.transactionId))
          .where(
            and(
              eq(reservations.stationId, stationId),
              isNotNull(reservations.partnerId),
              or(...candidates.map((token) => and(eq(reservations.tokenUid, token.uid), eq(reservations.tokenType, token.type)))),
              or(
                and(inArray(reservations.status, ['REQUESTED', 'ACTIVE']), gt(reservations.expiresAt, now)),
                and(ne(reservations.status, 'REJECTED'), gt(reservations.createdAt, since)),
                and(eq(reservations.status, 'USED'), running),
              ),
            ),
          )
          .orderBy(desc(reservations.createdAt))
          .limit(1);
    return reserved && candidates.find((token) => token.uid === reserved.uid && token.type === reserved.type);
  }
}

/** The verdict the token store alone gives (no eMSP asked). */
export function storedVerdict(token: Token, now: Date): AuthorizationStatus {
  if (!token.valid) return 'Blocked';
  if (token.expiresAt && token.expiresAt <= now) return 'Expired';
  return 'Accepted';
}

export type { TokenKey };
