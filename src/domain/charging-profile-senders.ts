/**
 * Partners that set a charging profile on one of their sessions, and whose profile the station accepted: they are
 * told of later changes of the session's active charging profile (OCPI mod_charging_profiles), and only they.
 */
import { and, eq, isNull } from 'drizzle-orm';
import type { Database } from '../db/client.js';
import { chargingProfileSenders, transactions } from '../db/schema.js';

export interface ProfileSender {
  transactionId: number;
  partnerId: number;
  evseId: number;
  ocppVersion: string;
}

export class ChargingProfileSenders {
  constructor(private readonly db: Database) {}

  /** The station accepted the profile the partner set on the transaction. */
  async accepted(transactionId: number, partnerId: number): Promise<void> {
    await this.db.insert(chargingProfileSenders).values({ transactionId, partnerId }).onConflictDoNothing();
  }

  /** The senders of the running transactions at a station: at one EVSE, or at all when `evseId` is 0 or not given. */
  async atStation(stationId: string, evseId?: number): Promise<ProfileSender[]> {
    return this.db
      .select({
        transactionId: chargingProfileSenders.transactionId,
        partnerId: chargingProfileSenders.partnerId,
        evseId: transactions.evseId,
        ocppVersion: transactions.ocppVersion,
      })
      .from(chargingProfileSenders)
      .innerJoin(transactions, eq(transactions.id, chargingProfileSenders.transactionId))
      .where(and(eq(transactions.stationId, stationId), isNull(transactions.stoppedAt), evseId ? eq(transactions.evseId, evseId) : undefined))
      .orderBy(chargingProfileSenders.transactionId, chargingProfileSenders.partnerId);
  }
}
