import { createHash } from 'node:crypto';
import { and, count, eq, gte, lt, sql } from 'drizzle-orm';
import type { Bus } from '../cluster/bus.js';
import { byCodePoint, type Database } from '../db/client.js';
import { tokens } from '../db/schema.js';
import { ConflictError, NotFoundError, PreconditionFailedError, StaleUpdateError } from './errors.js';
import type { Page, PageRequest } from './pagination.js';

export type Token = typeof tokens.$inferSelect;
type PartnerFields = 'ownerPartyId' | 'defaultProfileType' | 'energyContract';
export type TokenInput = Omit<Token, 'lastUpdated' | PartnerFields> & Partial<Pick<Token, PartnerFields>>;

/** The token store: a uid names one token across all issuers, as an OCPP idTag does. */
export class Tokens {
  constructor(
    private readonly db: Database,
    /** told of every change (`tokens.changed`), e.g. for stations' local lists */
    private readonly bus?: Pick<Bus, 'publish'>,
  ) {}

  private changed(uids: string[]): void {
    if (uids.length > 0) this.bus?.publish('tokens.changed', { uids });
  }

  /** Creates the token or replaces the one with its uid; the store sets lastUpdated. */
  async upsert(input: TokenInput): Promise<Token> {
    const row = { ...input, lastUpdated: new Date() };
    const [stored] = await this.db
      .insert(tokens)
      .values(row)
      .onConflictDoUpdate({ target: tokens.uid, set: row })
      .returning();
    this.changed([stored.uid]);
    return stored;
  }

  async get(uid: string): Promise<Token> {
    const [row] = await this.db.select().from(tokens).where(eq(tokens.uid, uid));
    if (!row) throw new NotFoundError(`token ${uid} is not known`);
    return row;
  }

  async list(page: PageRequest): Promise<Page<Token>> {
    const items = await this.db.select().from(tokens).orderBy(byCodePoint(tokens.uid)).offset(page.offset).limit(page.limit);
    const [{ total }] = await this.db.select({ total: count() }).from(tokens);
    return { items, total, ...page };
  }

  /** A party's token, by the key OCPI addresses it with (country code and party id compared case-insensitively). */
  async ofParty(countryCode: string, partyId: string, uid: string, type: string): Promise<Token | undefined> {
    const [row] = await this.db
      .select()
      .from(tokens)
      .where(and(eq(tokens.uid, uid), ofIssuer(countryCode, partyId), eq(tokens.type, type as Token['type'])));
    return row;
  }

  /**
   * Stores a token an eMSP pushed (PUT). It is refused when the uid belongs to another issuer, when an If-Match ETag
   * no longer matches, or when it is older than the stored version.
   */
  async putFromPartner(input: TokenInput & { lastUpdated: Date }, ifMatch?: string): Promise<Token> {
    const stored = await this.db.transaction(async (tx) => {
      const [existing] = await tx.select().from(tokens).where(eq(tokens.uid, input.uid)).for('update');
      checkUpdate(existing, input, input.lastUpdated, ifMatch);
      const [stored] = await tx
        .insert(tokens)
        .values(input)
        .onConflictDoUpdate({ target: tokens.uid, set: input })
        .returning();
      return stored;
    });
    this.changed([stored.uid]);
    return stored;
  }

  /** Applies an eMSP's partial update (PATCH) to a token it owns. */
  async patchFromPartner(
    key: { countryCode: string; partyId: string; uid: string; type: string },
    changes: Partial<TokenInput> & { lastUpdated: Date },
    ifMatch?: string,
  ): Promise<Token> {
    const patched = await this.db.transaction(async (tx) => {
      const [existing] = await tx
        .select()
        .from(tokens)
        .where(and(eq(tokens.uid, key.uid), ofIssuer(key.countryCode, key.partyId), eq(tokens.type, key.type as Token['type'])))
        .for('update');
      if (!existing) throw new NotFoundError(`token ${key.uid} is not known`);
      checkUpdate(existing, { ...existing, ...changes }, changes.lastUpdated, ifMatch);
      const { uid: _uid, countryCode: _countryCode, partyId: _partyId, ...allowed } = changes;
      const [stored] = await tx.update(tokens).set(allowed).where(eq(tokens.uid, key.uid)).returning();
      return stored;
    });
    this.changed([patched.uid]);
    return patched;
  }

  async listOfParty(countryCode: string, partyId: string, page: PageRequest, changed: { from?: Date; before?: Date } = {}): Promise<Page<Token>> {
    const where = and(
      ofIssuer(countryCode, partyId),
      changed.from ? gte(tokens.lastUpdated, changed.from) : undefined,
      changed.before ? lt(tokens.lastUpdated, changed.before) : undefined,
    );
    const items = await this.db.select().from(tokens).where(where).orderBy(byCodePoint(tokens.uid)).offset(page.offset).limit(page.limit);
    const [{ total }] = await this.db.select({ total: count() }).from(tokens).where(where);
    return { items, total, ...page };
  }

  async deleteOfParty(countryCode: string, partyId: string): Promise<number> {
    const deleted = await this.db.delete(tokens).where(ofIssuer(countryCode, partyId)).returning({ uid: tokens.uid });
    this.changed(deleted.map((row) => row.uid));
    return deleted.length;
  }

  async delete(uid: string): Promise<void> {
    const deleted = await this.db.delete(tokens).where(eq(tokens.uid, uid)).returning({ uid: tokens.uid });
    if (deleted.length === 0) throw new NotFoundError(`token ${uid} is not known`);
    this.changed([uid]);
  }
}

const ofIssuer = (countryCode: string, partyId: string) =>
  and(sql`upper(${tokens.countryCode}) = ${countryCode.toUpperCase()}`, sql`upper(${tokens.partyId}) = ${partyId.toUpperCase()}`);

/** A strong ETag over everything stored for the token. */
export function tokenEtag(token: Token): string {
  const digest = createHash('sha256')
    .update(JSON.stringify({ ...token, lastUpdated: token.lastUpdated.toISOString(), expiresAt: token.expiresAt?.toISOString() ?? null }))
    .digest('base64url');
  return `"${digest.slice(0, 27)}"`;
}

function checkUpdate(existing: Token | undefined, next: TokenInput, lastUpdated: Date, ifMatch: string | undefined): void {
  if (ifMatch !== undefined && ifMatch !== '*' && (!existing || tokenEtag(existing) !== ifMatch)) {
    throw new PreconditionFailedError(`token ${next.uid} has changed since the ETag ${ifMatch} was read`);
  }
  if (!existing) return;
  if (existing.countryCode.toUpperCase() !== next.countryCode.toUpperCase() || existing.partyId.toUpperCase() !== next.partyId.toUpperCase()) {
    throw new ConflictError(`token uid ${next.uid} is already used by another issuer`);
  }
  if (existing.lastUpdated > lastUpdated) {
    throw new StaleUpdateError(
      `token ${next.uid} was last updated ${existing.lastUpdated.toISOString()}, after this update's last_updated ${lastUpdated.toISOString()}`,
    );
  }
}
