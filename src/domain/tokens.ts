import { createHash } from 'node:crypto';
import { and, asc, count, eq, gte, lt, sql } from 'drizzle-orm';
import type { Bus } from '../cluster/bus.js';
import { byCodePoint, type Database } from '../db/client.js';
import { tokens } from '../db/schema.js';
import { ConflictError, NotFoundError, PreconditionFailedError, StaleUpdateError } from './errors.js';
import type { Page, PageRequest } from './pagination.js';
import { sameParty } from './parties.js';
import { stationIdTagOf, type TokenType } from './token-id-tags.js';

export type Token = typeof tokens.$inferSelect;
type PartnerFields = 'ownerPartyId' | 'defaultProfileType' | 'energyContract';
/** What a writer gives; the store derives the station idTag and (except for partners' pushes) lastUpdated. */
export type TokenInput = Omit<Token, 'lastUpdated' | 'stationIdTag' | PartnerFields> & Partial<Pick<Token, PartnerFields>>;

const withStationIdTag = <T extends { uid: string; type: string }>(input: T) => ({ ...input, stationIdTag: stationIdTagOf(input.uid, input.type) });

/**
 * The token store. A token is named by its uid and type (OCPI); a uid belongs to one issuer, so that what a station
 * presents names one party, which sees the session and is billed.
 */
export class Tokens {
  constructor(
    private readonly db: Database,
    /** told of every change (`tokens.changed`), e.g. for stations' local lists */
    private readonly bus?: Pick<Bus, 'publish'>,
  ) {}

  private changed(uids: string[]): void {
    if (uids.length > 0) this.bus?.publish('tokens.changed', { uids });
  }

  /** Creates the token or replaces the one with its uid and type (the operator's); the store sets lastUpdated. */
  async upsert(input: TokenInput): Promise<Token> {
    const row = withStationIdTag({ ...input, lastUpdated: new Date() });
    const [stored] = await this.db
      .insert(tokens)
      .values(row)
      .onConflictDoUpdate({ target: [tokens.uid, tokens.type], set: row })
      .returning();
    this.changed([stored.uid]);
    return stored;
  }

  /** The token with this uid (and type, which may be left out while the uid names one token only). */
  async get(uid: string, type?: TokenType): Promise<Token> {
    const rows = await this.db
      .select()
      .from(tokens)
      .where(and(eq(tokens.uid, uid), type === undefined ? undefined : eq(tokens.type, type)));
    if (rows.length === 0) throw new NotFoundError(`token ${uid}${type ? ` of type ${type}` : ''} is not known`);
    if (rows.length > 1) throw new ConflictError(`uid ${uid} names ${rows.length} tokens (${rows.map((row) => row.type).sort().join(', ')}): name the type`);
    return rows[0];
  }

  /** Every token with this uid (of one issuer), whatever its type. */
  async withUid(uid: string): Promise<Token[]> {
    return this.db.select().from(tokens).where(eq(tokens.uid, uid)).orderBy(asc(tokens.type));
  }

  async list(page: PageRequest): Promise<Page<Token>> {
    const items = await this.db.select().from(tokens).orderBy(byCodePoint(tokens.uid), asc(tokens.type)).offset(page.offset).limit(page.limit);
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
   * Stores a token an eMSP pushed (PUT), replacing the one with its uid and type. It is refused when the uid belongs
   * to another issuer (with any type), when an If-Match ETag no longer matches, or when it is older than the stored
   * version.
   */
  async putFromPartner(input: TokenInput & { lastUpdated: Date }, ifMatch?: string): Promise<Token> {
    const row = withStationIdTag(input);
    const stored = await this.db.transaction(async (tx) => {
      // Two issuers pushing a new uid at once: one waits for the other, then sees its token.
      await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${`anode.token:${input.uid}`}))`);
      const sameUid = await tx.select().from(tokens).where(eq(tokens.uid, input.uid)).for('update');
      const foreign = sameUid.find((token) => !sameParty(token, input));
      if (foreign) throw new ConflictError(`token uid ${input.uid} is already used by another issuer`);
      checkUpdate(
        sameUid.find((token) => token.type === input.type),
        input,
        input.lastUpdated,
        ifMatch,
      );
      const [stored] = await tx
        .insert(tokens)
        .values(row)
        .onConflictDoUpdate({ target: [tokens.uid, tokens.type], set: row })
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
      // What names the token (uid, type, issuer) is never changed by a PATCH, whatever the caller let through.
      const { uid: _uid, type: _type, countryCode: _countryCode, partyId: _partyId, ...allowed } = changes;
      const [stored] = await tx
        .update(tokens)
        .set(allowed)
        .where(and(eq(tokens.uid, existing.uid), eq(tokens.type, existing.type)))
        .returning();
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
    const items = await this.db.select().from(tokens).where(where).orderBy(byCodePoint(tokens.uid), asc(tokens.type)).offset(page.offset).limit(page.limit);
    const [{ total }] = await this.db.select({ total: count() }).from(tokens).where(where);
    return { items, total, ...page };
  }

  async deleteOfParty(countryCode: string, partyId: string): Promise<number> {
    const deleted = await this.db.delete(tokens).where(ofIssuer(countryCode, partyId)).returning({ uid: tokens.uid });
    this.changed(deleted.map((row) => row.uid));
    return deleted.length;
  }

  /** Deletes the token with this uid (and type, which may be left out while the uid names one token only). */
  async delete(uid: string, type?: TokenType): Promise<void> {
    const token = await this.get(uid, type);
    await this.db.delete(tokens).where(and(eq(tokens.uid, token.uid), eq(tokens.type, token.type)));
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
  if (!sameParty(existing, next)) throw new ConflictError(`token uid ${next.uid} is already used by another issuer`);
  if (existing.lastUpdated > lastUpdated) {
    throw new StaleUpdateError(
      `token ${next.uid} was last updated ${existing.lastUpdated.toISOString()}, after this update's last_updated ${lastUpdated.toISOString()}`,
    );
  }
}
