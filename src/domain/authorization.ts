import { eq } from 'drizzle-orm';
import type { Database } from '../db/client.js';
import { tokens } from '../db/schema.js';

/** Protocol-neutral verdict on an identifier a station presents (an OCPP idTag / idToken). */
export type AuthorizationStatus = 'Accepted' | 'Blocked' | 'Expired' | 'Unknown';

export interface Authorization {
  status: AuthorizationStatus;
  /** until when the verdict may be relied on (the token's expiry) */
  expiresAt?: Date;
  /** groups tokens that work as one (OCPP parentIdTag / groupIdToken) */
  groupId?: string;
}

/** Reads the token store; OCPI tokens pushed by eMSPs live in the same store. */
export class Authorizer {
  constructor(private readonly db: Database) {}

  async authorize(idTag: string, now = new Date()): Promise<Authorization> {
    const [token] = await this.db.select().from(tokens).where(eq(tokens.uid, idTag));
    if (!token) return { status: 'Unknown' };
    const details = {
      ...(token.expiresAt && { expiresAt: token.expiresAt }),
      ...(token.groupId && { groupId: token.groupId }),
    };
    if (!token.valid) return { status: 'Blocked', ...details };
    if (token.expiresAt && token.expiresAt <= now) return { status: 'Expired', ...details };
    return { status: 'Accepted', ...details };
  }
}
