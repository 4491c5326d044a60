import { count, eq } from 'drizzle-orm';
import { byCodePoint, type Database } from '../db/client.js';
import { tokens } from '../db/schema.js';
import { NotFoundError } from './errors.js';
import type { Page, PageRequest } from './pagination.js';

export type Token = typeof tokens.$inferSelect;
export type TokenInput = Omit<Token, 'lastUpdated'>;

/** The token store: a uid names one token across all issuers, as an OCPP idTag does. */
export class Tokens {
  constructor(private readonly db: Database) {}

  /** Creates the token or replaces the one with its uid; the store sets lastUpdated. */
  async upsert(input: TokenInput): Promise<Token> {
    const row = { ...input, lastUpdated: new Date() };
    const [stored] = await this.db
      .insert(tokens)
      .values(row)
      .onConflictDoUpdate({ target: tokens.uid, set: row })
      .returning();
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

  async delete(uid: string): Promise<void> {
    const deleted = await this.db.delete(tokens).where(eq(tokens.uid, uid)).returning({ uid: tokens.uid });
    if (deleted.length === 0) throw new NotFoundError(`token ${uid} is not known`);
  }
}
