import { and, asc, eq, or, sql } from 'drizzle-orm';
import type { Bus } from '../cluster/bus.js';
import type { Database } from '../db/client.js';
import type { DataVersions } from './data-versions.js';
import { ocpiOutbox, ocpiParties, type PartnerEndpoint, type PartnerRole } from '../db/schema.js';
import { NotFoundError } from './errors.js';

export type Partner = typeof ocpiParties.$inferSelect;
export type { PartnerEndpoint, PartnerRole };

export interface PartyRegistration {
  /** CREDENTIALS_TOKEN_A */
  token: string;
  /** the party's versions endpoint: when given, Anode starts the handshake */
  versionsUrl?: string;
  status: 'PENDING' | 'REGISTERED';
  /** the party sends and expects tokens without base64 encoding */
  rawTokens?: boolean;
}

/** Whether one of the partner's roles is the party `countryCode`/`partyId` (compared case-insensitively, as OCPI does). */
export function actsFor(partner: Partner, countryCode: string, partyId: string): boolean {
  return partner.roles.some(
    (role) => role.country_code.toUpperCase() === countryCode.toUpperCase() && role.party_id.toUpperCase() === partyId.toUpperCase(),
  );
}

/** How a presented token was recognised. */
export type PartnerAccess = { partner: Partner; via: 'registration' | 'credentials' };

/** OCPI parties (eMSPs, hubs): registrations by the operator and the state of their credentials handshake. */
export class Parties {
  /** token → access, while the partners data version stays the same */
  private readonly byTokenCache = new Map<string, { version: number; access: PartnerAccess | undefined }>();

  constructor(
    private readonly db: Database,
    private readonly bus: Bus,
    private readonly versions: DataVersions,
  ) {}

  /**
   * Registers the party, or updates the registration that holds the same token. REGISTERED means the operator
   * vouches for the token: it opens every endpoint without a handshake.
   */
  async register(registration: PartyRegistration): Promise<Partner> {
    const values = {
      registrationToken: registration.token,
      versionsUrl: registration.versionsUrl ?? null,
      status: registration.status,
      rawTokens: registration.rawTokens ?? false,
      incomingToken: registration.status === 'REGISTERED' ? registration.token : null,
    };
    const [row] = await this.db
      .insert(ocpiParties)
      .values(values)
      .onConflictDoUpdate({ target: ocpiParties.registrationToken, set: { ...values, updatedAt: sql`now()` } })
      .returning();
    await this.versions.refresh();
    if (row.status === 'PENDING' && row.versionsUrl) this.bus.publish('ocpi.party.registered', { partyId: row.id });
    return row;
  }

  /** The party a presented token belongs to: its credentials token, or its unused registration token. */
  async byToken(token: string): Promise<PartnerAccess | undefined> {
    const version = this.versions.current('partners');
    const cached = this.byTokenCache.get(token);
    if (version !== undefined && cached?.version === version) return cached.access;
    const access = await this.lookUpToken(token);
    if (version !== undefined) {
      if (this.byTokenCache.size >= 10_000) this.byTokenCache.clear();
      this.byTokenCache.set(token, { version, access });
    }
    return access;
  }

  private async lookUpToken(token: string): Promise<PartnerAccess | undefined> {
    const [row] = await this.db
      .select()
      .from(ocpiParties)
      .where(
        or(
          eq(ocpiParties.incomingToken, token),
          and(eq(ocpiParties.registrationToken, token), eq(ocpiParties.registrationTokenUsed, false)),
        ),
      );
    if (!row || row.status === 'UNREGISTERED') return undefined;
    return { partner: row, via: row.incomingToken === token ? 'credentials' : 'registration' };
  }

  async get(id: number): Promise<Partner> {
    const [row] = await this.db.select().from(ocpiParties).where(eq(ocpiParties.id, id));
    if (!row) throw new NotFoundError(`OCPI party ${id} is not known`);
    return row;
  }

  /** Every party; `over` reads through a transaction in progress. */
  async list(over: Database = this.db): Promise<Partner[]> {
    return over.select().from(ocpiParties).orderBy(asc(ocpiParties.id));
  }

  /** The handshake is done: from now on the party calls with `incomingToken` and is called with `outgoingToken`. */
  async completeRegistration(
    id: number,
    details: {
      incomingToken: string;
      outgoingToken: string;
      versionsUrl: string;
      versionUrl: string;
      /** the OCPI version of the handshake; 2.2.1 when not said */
      version?: string;
      roles: PartnerRole[];
      endpoints: PartnerEndpoint[];
    },
  ): Promise<Partner> {
    const [row] = await this.db
      .update(ocpiParties)
      .set({
        version: '2.2.1',
        ...details,
        status: 'REGISTERED',
        registrationTokenUsed: true,
        lastError: null,
        registeredAt: new Date(),
        updatedAt: new Date(),
      })
      .where(eq(ocpiParties.id, id))
      .returning();
    if (!row) throw new NotFoundError(`OCPI party ${id} is not known`);
    await this.versions.refresh();
    return row;
  }

  async recordError(id: number, message: string): Promise<void> {
    await this.db.update(ocpiParties).set({ lastError: message, updatedAt: new Date() }).where(eq(ocpiParties.id, id));
  }

  /** The party is gone: none of its tokens opens anything any more, and nothing waits to be pushed to it. */
  async unregister(id: number): Promise<void> {
    const updated = await this.db.transaction(async (tx) => {
      const rows = await tx
        .update(ocpiParties)
        .set({ status: 'UNREGISTERED', incomingToken: null, registrationTokenUsed: true, updatedAt: new Date() })
        .where(eq(ocpiParties.id, id))
        .returning({ id: ocpiParties.id });
      await tx.delete(ocpiOutbox).where(eq(ocpiOutbox.partnerId, id));
      return rows;
    });
    if (updated.length === 0) throw new NotFoundError(`OCPI party ${id} is not known`);
    await this.versions.refresh();
  }
}
