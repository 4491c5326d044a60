/**
 * The transaction running on a station's outlet, for meter values that name none (1.6 MeterValues without a
 * transactionId, 2.0.1 MeterValues of an EVSE).
 */
import type { Transaction } from '../domain/transactions.js';
import { rememberTransaction, type StationContext, type StationSession } from './context.js';

/** How long an outlet found with no transaction running is taken to have none (without asking the database). */
const IDLE_REMEMBERED_MS = 60_000;

/** Per connection: outlets found idle, until when. A transaction started since is among the session's own. */
const idleOutlets = new WeakMap<StationSession, Map<number, number>>();

/** The transaction running on the outlet (1.6 connectorId, 2.0.1 evseId): the connection's own first, then the database, at most once a minute. */
export async function transactionRunningOn(ctx: StationContext, evseId: number): Promise<Transaction | undefined> {
  const { session } = ctx;
  for (const transaction of session.transactions.values()) {
    if (transaction.evseId === evseId && transaction.stoppedAt === null) return transaction;
  }
  let idle = idleOutlets.get(session);
  if ((idle?.get(evseId) ?? 0) > Date.now()) return undefined;
  const running = await ctx.domain.transactions.runningAt(session.stationId, evseId);
  if (running) {
    // keyed as the version's messages name it, so that its end forgets it
    rememberTransaction(session, running.stationTransactionId ?? running.id, running);
    return running;
  }
  if (!idle) idleOutlets.set(session, (idle = new Map()));
  idle.set(evseId, Date.now() + IDLE_REMEMBERED_MS);
  return undefined;
}

