import { and, asc, count, eq, inArray, notInArray, sql } from 'drizzle-orm';
import type { Database } from '../db/client.js';
import { displayMessages } from '../db/schema.js';
import type { Page, PageRequest } from './pagination.js';

export type DisplayMessageContent = {
  format: string;
  language?: string;
  content: string;
};

/** Where on the station a message is shown: a display component, optionally of one EVSE or connector. */
export type DisplayPlace = {
  name: string;
  instance?: string;
  evseId?: number;
  connectorId?: number;
};

export interface DisplayMessage {
  messageId: number;
  priority: string;
  state: string | null;
  startAt: Date | null;
  endAt: Date | null;
  transactionId: string | null;
  message: DisplayMessageContent;
  display: DisplayPlace | null;
  /** the station's answer when it was set (Accepted, Rejected, …), or Reported when the station listed it */
  status: string;
  updatedAt: Date;
}

export type DisplayMessageInput = Omit<DisplayMessage, 'status' | 'updatedAt'>;

/** The station's own messages: those it holds, as far as Anode knows. */
const HELD = ['Accepted', 'Reported'];

/** The messages stations show or were asked to show, per station and message id. */
export class DisplayMessages {
  constructor(private readonly db: Database) {}

  /** An id no message of the station has yet. */
  async freeId(stationId: string): Promise<number> {
    const [{ highest }] = await this.db
      .select({ highest: sql<number | null>`max(${displayMessages.messageId})` })
      .from(displayMessages)
      .where(eq(displayMessages.stationId, stationId));
    return Math.max(Number(highest ?? 0), 0) + 1;
  }

  /**
   * A message the station was asked to show, with its answer. A refusal does not overwrite a message the station
   * holds under that id (it keeps showing the old one), only one it never took.
   */
  async set(stationId: string, input: DisplayMessageInput, status: string): Promise<DisplayMessage> {
    const message: DisplayMessage = { ...input, status, updatedAt: new Date() };
    const row = { ...message, stationId };
    await this.db
      .insert(displayMessages)
      .values(row)
      .onConflictDoUpdate({
        target: [displayMessages.stationId, displayMessages.messageId],
        set: row,
        ...(!HELD.includes(status) && { setWhere: notInArray(displayMessages.status, HELD) }),
      });
    return message;
  }

  /** Messages the station listed (NotifyDisplayMessages): what it shows now. */
  async reported(stationId: string, messages: DisplayMessageInput[]): Promise<void> {
    if (messages.length === 0) return;
    const now = new Date();
    // A message listed twice in one notification: the last listing counts (one statement may not update a row twice).
    const byId = new Map(messages.map((message) => [message.messageId, message]));
    const rows = [...byId.values()].map((message) => ({ ...message, stationId, status: 'Reported', updatedAt: now }));
    await this.db
      .insert(displayMessages)
      .values(rows)
      .onConflictDoUpdate({
        target: [displayMessages.stationId, displayMessages.messageId],
        set: {
          priority: sql`excluded.priority`,
          state: sql`excluded.state`,
          startAt: sql`excluded.start_at`,
          endAt: sql`excluded.end_at`,
          transactionId: sql`excluded.transaction_id`,
          message: sql`excluded.message`,
          display: sql`excluded.display`,
          status: sql`excluded.status`,
          updatedAt: sql`excluded.updated_at`,
        },
      });
  }

  /** Forgets a message (the station cleared it, or does not have it). */
  async remove(stationId: string, messageId: number): Promise<boolean> {
    const removed = await this.db
      .delete(displayMessages)
      .where(and(eq(displayMessages.stationId, stationId), eq(displayMessages.messageId, messageId)))
      .returning({ messageId: displayMessages.messageId });
    return removed.length > 0;
  }

  async list(stationId: string, page: PageRequest, filter: { status?: string[] } = {}): Promise<Page<DisplayMessage>> {
    const where = filter.status
      ? and(eq(displayMessages.stationId, stationId), inArray(displayMessages.status, filter.status))
      : eq(displayMessages.stationId, stationId);
    const rows = await this.db
      .select()
      .from(displayMessages)
      .where(where)
      .orderBy(asc(displayMessages.messageId))
      .offset(page.offset)
      .limit(page.limit);
    const [{ total }] = await this.db.select({ total: count() }).from(displayMessages).where(where);
    return { items: rows.map(toMessage), total, ...page };
  }
}

function toMessage(row: typeof displayMessages.$inferSelect): DisplayMessage {
  return {
    messageId: row.messageId,
    priority: row.priority,
    state: row.state,
    startAt: row.startAt,
    endAt: row.endAt,
    transactionId: row.transactionId,
    // Written only by this class, in these shapes.
    message: row.message as DisplayMessageContent,
    display: row.display as DisplayPlace | null,
    status: row.status,
    updatedAt: row.updatedAt,
  };
}
