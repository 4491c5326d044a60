import { eq } from 'drizzle-orm';
import type { Database } from '../db/client.js';
import { tokens } from '../db/schema.js';
import type { Token } from './tokens.js';

/** Protocol-neutral verdict on an identifier a station presents (an OCPP idTag / idToken). */
export type AuthorizationStatus = 'Accepted' | 'Blocked' | 'Expired' | 'NoCredit' | 'NotAllowed' | 'Unknown';

export interface Authorization {
  status: AuthorizationStatus;
  /** until when the verdict may be relied on (the token's expiry) */
  expiresAt?: Date;
  /** groups tokens that work as one (OCPP parentIdTag / groupIdToken) */
  groupId?: string;
}

/**
 * Asks the eMSP that issued a token for a verdict (OCPI real-time authorization). Resolves undefined when the eMSP
 * cannot be asked or does not answer in time.
 */
export interface RealtimeAuthorization {
  ask(token: Token, context: { stationId?: string }): Promise<AuthorizationStatus | undefined>;
}

/**
 * Reads the token store; OCPI tokens pushed by eMSPs live in the same store. Their whitelist says when the eMSP
 * must be asked: NEVER (always ask; no answer, no charge), ALLOWED_OFFLINE (ask; the stored token decides only when
 * the eMSP cannot be reached), ALWAYS and ALLOWED (the stored token decides).
 */
export class Authorizer {
  private realtime: RealtimeAuthorization | undefined;

  constructor(private readonly db: Database) {}

  useRealtime(realtime: RealtimeAuthorization): void {
    this.realtime = realtime;
  }

  async authorize(idTag: string, context: { stationId?: string } = {}, now = new Date()): Promise<Authorization> {
    const [token] = await this.db.select().from(tokens).where(eq(tokens.uid, idTag));
    if (!token) return { status: 'Unknown' };
    const details = {
      ...(token.expiresAt && { expiresAt: token.expiresAt }),
      ...(token.groupId && { groupId: token.groupId }),
    };
    const mustAsk = token.ownerPartyId !== null && (token.cacheMode === 'NEVER' || token.cacheMode === 'ALLOWED_OFFLINE');
    if (mustAsk && this.realtime) {
      const answer = await this.realtime.ask(token, context);
      if (answer !== undefined) return { status: answer, ...details };
      if (token.cacheMode === 'NEVER') return { status: 'Unknown', ...details };
    }
    return { status: storedVerdict(token, now), ...details };
  }
}

/** The verdict the token store alone gives (no eMSP asked). */
export function storedVerdict(token: Token, now: Date): AuthorizationStatus {
  if (!token.valid) return 'Blocked';
  if (token.expiresAt && token.expiresAt <= now) return 'Expired';
  return 'Accepted';
}
