import { and, count, eq, gte, inArray, lt } from 'drizzle-orm';
import { byCodePoint, type Database } from '../db/client.js';
import { tariffs } from '../db/schema.js';
import { withChanges, type ChangeFeed } from './change-feed.js';
import { InvalidInputError, NotFoundError } from './errors.js';
import type { Page, PageRequest } from './pagination.js';

/** A tariff in OCPI's shape; the store keeps the identity columns apart and the rest as it came. */
export interface TariffDocument {
  id: string;
  country_code: string;
  party_id: string;
  last_updated: string;
  [field: string]: unknown;
}

type TariffRow = typeof tariffs.$inferSelect;

function toDocument(row: TariffRow): TariffDocument {
  return { country_code: row.countryCode, party_id: row.partyId, id: row.id, ...row.body, last_updated: row.lastUpdated.toISOString() };
}

/** The CPO's tariffs, managed by the operator and published over OCPI. */
export class Tariffs {
  constructor(
    private readonly db: Database,
    private readonly cpo: { countryCode: string; partyId: string },
    private readonly feed: ChangeFeed,
  ) {}

  /** Creates or replaces a tariff; last_updated is set by the store. Answers whether it was new. */
  async put(id: string, document: TariffDocument): Promise<{ tariff: TariffDocument; created: boolean }> {
    if (document.id !== id) throw new InvalidInputError(`body.id must be the tariff id of the path (${id})`);
    if (document.country_code.toUpperCase() !== this.cpo.countryCode || document.party_id.toUpperCase() !== this.cpo.partyId) {
      throw new InvalidInputError(`body.country_code and body.party_id must be this CPO's ${this.cpo.countryCode} ${this.cpo.partyId}`);
    }
    const { id: _id, country_code: _cc, party_id: _pid, last_updated: _lu, ...body } = document;
    const row = { countryCode: this.cpo.countryCode, partyId: this.cpo.partyId, body, lastUpdated: new Date() };
    return withChanges(this.db, this.feed, true, async (db, changed) => {
      const existed = await db.select({ id: tariffs.id }).from(tariffs).where(eq(tariffs.id, id));
      const [stored] = await db.insert(tariffs).values({ id, ...row }).onConflictDoUpdate({ target: tariffs.id, set: row }).returning();
      changed({ kind: 'tariff', tariffId: id, deleted: false });
      return { tariff: toDocument(stored), created: existed.length === 0 };
    });
  }

  async get(id: string): Promise<TariffDocument> {
    const [row] = await this.db.select().from(tariffs).where(eq(tariffs.id, id));
    if (!row) throw new NotFoundError(`tariff ${id} is not known`);
    return toDocument(row);
  }

  /** The tariffs among these ids that exist, in one read. */
  async getMany(ids: string[]): Promise<Map<string, TariffDocument>> {
    if (ids.length === 0) return new Map();
    const rows = await this.db.select().from(tariffs).where(inArray(tariffs.id, ids));
    return new Map(rows.map((row) => [row.id, toDocument(row)]));
  }

  async list(page: PageRequest, changed: { from?: Date; before?: Date } = {}): Promise<Page<TariffDocument>> {
    const where = and(
      changed.from ? gte(tariffs.lastUpdated, changed.from) : undefined,
      changed.before ? lt(tariffs.lastUpdated, changed.before) : undefined,
    );
    const rows = await this.db.select().from(tariffs).where(where).orderBy(byCodePoint(tariffs.id)).offset(page.offset).limit(page.limit);
    const [{ total }] = await this.db.select({ total: count() }).from(tariffs).where(where);
    return { items: rows.map(toDocument), total, ...page };
  }

  async delete(id: string): Promise<void> {
    await withChanges(this.db, this.feed, true, async (db, changed) => {
      const deleted = await db.delete(tariffs).where(eq(tariffs.id, id)).returning({ id: tariffs.id });
      if (deleted.length === 0) throw new NotFoundError(`tariff ${id} is not known`);
      changed({ kind: 'tariff', tariffId: id, deleted: true });
    });
  }
}
