import { and, count, eq, getTableColumns, ne, sql } from 'drizzle-orm';
import { byCodePoint, type Database } from '../db/client.js';
import { hubClientInfo } from '../db/schema.js';
import { StaleUpdateError } from './errors.js';
import type { Page, PageRequest } from './pagination.js';

/** What a hub reported of one party connected to it. */
export type ClientInfo = typeof hubClientInfo.$inferSelect;

export type ConnectionStatus = 'CONNECTED' | 'OFFLINE' | 'PLANNED' | 'SUSPENDED';
/** The one status in which a party behind a hub may be sent requests. */
const REACHABLE: ConnectionStatus = 'CONNECTED';

/** The key unreachableVia answers with for a party. */
export const partyKeyOf = (party: { countryCode: string; partyId: string }) => `${party.countryCode.toUpperCase()}/${party.partyId.toUpperCase()}`;

/** A client info as a hub sends it; `reportedBy` is the hub (an OCPI party id). */
export interface ClientInfoInput {
  countryCode: string;
  partyId: string;
  role: string;
  status: ConnectionStatus;
  lastUpdated: Date;
  reportedBy: number;
}

/**
 * The connection status of the parties behind the hubs Anode is connected to. A party is named by its country code and
 * party id, compared case-insensitively (they are stored upper-case). Client infos are never deleted: a party that
 * left is SUSPENDED.
 */
export class HubClientInfos {
  constructor(private readonly db: Database) {}

  async get(countryCode: string, partyId: string): Promise<ClientInfo | undefined> {
    const [row] = await this.db.select().from(hubClientInfo).where(keyOf(countryCode, partyId));
    return row;
  }

  /**
   * Stores what a hub reported, unless the stored client info is newer (its last_updated later than this one's):
   * then a StaleUpdateError. One statement, so two hubs' concurrent reports cannot both pass the check.
   */
  async put(input: ClientInfoInput): Promise<{ clientInfo: ClientInfo; created: boolean }> {
    const row = { ...input, countryCode: input.countryCode.toUpperCase(), partyId: input.partyId.toUpperCase() };
    const [stored] = await this.db
      .insert(hubClientInfo)
      .values(row)
      .onConflictDoUpdate({
        target: [hubClientInfo.countryCode, hubClientInfo.partyId],
        set: { role: row.role, status: row.status, lastUpdated: row.lastUpdated, reportedBy: row.reportedBy },
        setWhere: sql`${hubClientInfo.lastUpdated} <= excluded.last_updated`,
      })
      // xmax is 0 on a row this statement inserted, and set on one it updated (PostgreSQL's upsert idiom).
      .returning({ ...getTableColumns(hubClientInfo), created: sql<boolean>`(xmax = 0)` });
    if (!stored) {
      const existing = await this.get(row.countryCode, row.partyId);
      throw new StaleUpdateError(
        `client info ${row.countryCode}/${row.partyId} was last updated ${existing?.lastUpdated.toISOString() ?? 'later'}, after this update's last_updated ${row.lastUpdated.toISOString()}`,
      );
    }
    const { created, ...clientInfo } = stored;
    return { clientInfo, created };
  }

  /**
   * The parties `hubId` reported it cannot reach now (OFFLINE, PLANNED or SUSPENDED), as `CC/PID` keys (upper case).
   * The hubclientinfo module says no request goes to such a party and pushes are not queued for it: once back it
   * pulls what it missed. A party the hub said nothing of is taken to be reachable.
   */
  async unreachableVia(hubId: number): Promise<Set<string>> {
    const rows = await this.db
      .select({ countryCode: hubClientInfo.countryCode, partyId: hubClientInfo.partyId })
      .from(hubClientInfo)
      .where(and(eq(hubClientInfo.reportedBy, hubId), ne(hubClientInfo.status, REACHABLE)));
    return new Set(rows.map(partyKeyOf));
  }

  /** Whether requests may go to the party through the hub `hubId` (see unreachableVia). */
  async reachableVia(hubId: number, countryCode: string, partyId: string): Promise<boolean> {
    const info = await this.get(countryCode, partyId);
    return !info || info.reportedBy !== hubId || info.status === REACHABLE;
  }

  /** Every client info, ordered by country code and party id. */
  async list(page: PageRequest): Promise<Page<ClientInfo>> {
    const items = await this.db
      .select()
      .from(hubClientInfo)
      .orderBy(byCodePoint(hubClientInfo.countryCode), byCodePoint(hubClientInfo.partyId))
      .offset(page.offset)
      .limit(page.limit);
    const [{ total }] = await this.db.select({ total: count() }).from(hubClientInfo);
    return { items, total, ...page };
  }
}

const keyOf = (countryCode: string, partyId: string) =>
  and(eq(hubClientInfo.countryCode, countryCode.toUpperCase()), eq(hubClientInfo.partyId, partyId.toUpperCase()));
