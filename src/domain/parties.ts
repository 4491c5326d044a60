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

/** A party as OCPI names one: a country code and a party id (a platform's role, or a party behind a hub). */
export interface PartyKey {
  countryCode: string;
  partyId: string;
}

/** Country codes and party ids compare without regard to case. */
export const sameParty = (a: PartyKey, b: PartyKey) =>
  a.countryCode.toUpperCase() === b.countryCode.toUpperCase() && a.partyId.toUpperCase() === b.partyId.toUpperCase();

export const isHub = (partner: Partner) => partner.roles.some((role) => role.role === 'HUB');

const ownRoles = (partner: Partner): PartyKey[] => partner.roles.map((role) => ({ countryCode: role.country_code, partyId: role.party_id }));

/**
 * Who receives what concerns `party` (a session or CDR of its token): the partners one of whose roles it is; when
 * there is none, the hub `via` (the partner the token came through), which stands in for the parties behind it.
 */
export function partnersServing(partners: Partner[], party: PartyKey, via: number | null): Partner[] {
  const direct = partners.filter((partner) => actsFor(partner, party.countryCode, party.partyId));
  if (direct.length > 0) return direct;
  const hub = partners.find((partner) => partner.id === via && isHub(partner));
  return hub ? [hub] : [];
}

/**
 * The party a message to `partner` is addressed to (its OCPI-to-* headers): the party it concerns when the partner
 * is that party or, a hub, stands in for it; otherwise the partner's own party (`ownParty`), which for a hub makes the
 * message a broadcast to the parties behind it. Undefined for a partner whose roles Anode does not know.
 */
export function addresseeOf(partner: Partner, concerns?: PartyKey | null): PartyKey | undefined {
  if (concerns && (isHub(partner) || actsFor(partner, concerns.countryCode, concerns.partyId))) return concerns;
  return ownParty(partner);
}

/** Which of a partner's roles is addressed when nothing more precise is known: a hub's own, else its eMSP's, … */
const RECIPIENT_ROLES = ['HUB', 'EMSP', 'NSP', 'SCSP', 'NAP', 'OTHER', 'CPO'];

/** The partner's own party: the one its routed requests go to by default. */
export function ownParty(partner: Pick<Partner, 'roles'>): PartyKey | undefined {
  const rank = (role: string) => (RECIPIENT_ROLES.includes(role) ? RECIPIENT_ROLES.indexOf(role) : RECIPIENT_ROLES.length);
  const [role] = [...partner.roles].sort((a, b) => rank(a.role) - rank(b.role));
  return role && { countryCode: role.country_code, partyId: role.party_id };
}

/** How a presented token was recognised. */
export type PartnerAccess = { partner: Partner; via: 'registration' | 'credentials' };

/** OCPI parties (eMSPs, hubs): registrations by the operator and the state of their credentials handshake. */
export class Parties {
  /** token → access, while the partners data version stays the same */
  private readonly byTokenCache = new Map<string, { version: number; access: PartnerAccess | undefined }>();

  /** every party, while the partners data version stays the same */
  private everyPartyCache: { version: number; list: Promise<Partner[]> } | undefined;

  constructor(
    private readonly db: Database,
    private readonly bus: Bus,
    private readonly versions: DataVersions,
    /** Anode's own party (its CPO identity): no partner acts for it */
    private readonly own?: PartyKey,
  ) {}

  /**
   * The parties a partner's request acts for. A hub acts for the one party behind it that the request names as its
   * sender (`sender`, from OCPI-from-*), and only for that one, so the parties behind a hub never reach each other's
   * data; it cannot stand in for Anode itself nor for a party another partner registered as its own (that party
   * talks to Anode directly). Without a sender a hub acts for its own role. Any other partner acts for its roles.
   */
  async actingParties(partner: Partner, sender?: PartyKey): Promise<PartyKey[]> {
    if (!isHub(partner) || !sender) return ownRoles(partner);
    if (this.own && sameParty(this.own, sender)) return [];
    const others = (await this.everyParty()).filter((other) => other.id !== partner.id && other.status !== 'UNREGISTERED');
    return others.some((other) => actsFor(other, sender.countryCode, sender.partyId)) ? [] : [sender];
  }

  private everyParty(): Promise<Partner[]> {
    const version = this.versions.current('partners');
    if (version === undefined) return this.list();
    if (this.everyPartyCache?.version !== version) {
      const list = this.list();
      this.everyPartyCache = { version, list };
      list.catch(() => {
        if (this.everyPartyCache?.list === list) this.everyPartyCache = undefined;
      });
    }
    return this.everyPartyCache.list;
  }

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
