/**
 * OCPP 1.6 MeterValues: stored with the transaction they name, or, naming none, with the transaction running on
 * their connector (stations send clock-aligned values, and some all their values, without a transactionId).
 */
import type { Ocpp16Actions } from '../../../generated/ocpp16.js';
import type { Transaction } from '../../domain/transactions.js';
import { rememberTransaction, type StationContext, type StationSession } from '../context.js';
import { propertyConstraintViolation } from '../errors.js';
import { samplesFrom16 } from '../meter-values.js';

type MeterValuesRequest = Ocpp16Actions['MeterValues']['request'];

/** How long a connector found with no transaction running is taken to have none (without asking the database). */
const IDLE_REMEMBERED_MS = 60_000;

/** Per connection: connectors found idle, until when. A transaction started since is among the session's own. */
const idleConnectors = new WeakMap<StationSession, Map<number, number>>();

/** The transaction running on the connector: the connection's own first, then the database, at most once a minute. */
async function runningOn(ctx: StationContext, connectorId: number): Promise<Transaction | undefined> {
  const { session } = ctx;
  for (const transaction of session.transactions.values()) {
    if (transaction.evseId === connectorId && transaction.stoppedAt === null && transaction.ocppVersion === 'ocpp1.6') return transaction;
  }
  let idle = idleConnectors.get(session);
  if ((idle?.get(connectorId) ?? 0) > Date.now()) return undefined;
  const running = await ctx.domain.transactions.runningAt(session.stationId, connectorId);
  if (running) {
    rememberTransaction(session, running.id, running);
    return running;
  }
  if (!idle) idleConnectors.set(session, (idle = new Map()));
  idle.set(connectorId, Date.now() + IDLE_REMEMBERED_MS);
  return undefined;
}

async function transactionNamed(ctx: StationContext, transactionId: number): Promise<Transaction> {
  const transaction =
    ctx.session.transactions.get(String(transactionId)) ?? (await ctx.domain.transactions.findOfStation(ctx.session.stationId, transactionId));
  if (!transaction) throw propertyConstraintViolation(`unknown transactionId ${transactionId}`);
  rememberTransaction(ctx.session, transaction.id, transaction);
  return transaction;
}

export async function meterValues16(ctx: StationContext, request: MeterValuesRequest): Promise<Ocpp16Actions['MeterValues']['response']> {
  // connector 0 is the main meter: no transaction runs on it
  const transaction =
    request.transactionId !== undefined
      ? await transactionNamed(ctx, request.transactionId)
      : request.connectorId > 0
        ? await runningOn(ctx, request.connectorId)
        : undefined;
  await ctx.domain.transactions.recordMeterValues(ctx.session.stationId, transaction?.id ?? null, request.connectorId, samplesFrom16(request.meterValue));
  return {};
}
