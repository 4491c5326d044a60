/**
 * OCPP 1.6 MeterValues: stored with the transaction they name, or, naming none, with the transaction running on
 * their connector (stations send clock-aligned values, and some all their values, without a transactionId).
 */
import type { Ocpp16Actions } from '../../../generated/ocpp16.js';
import type { Transaction } from '../../domain/transactions.js';
import { rememberTransaction, type StationContext } from '../context.js';
import { propertyConstraintViolation } from '../errors.js';
import { samplesFrom16 } from '../meter-values.js';
import { transactionRunningOn } from '../running-transaction.js';

type MeterValuesRequest = Ocpp16Actions['MeterValues']['request'];

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
        ? await transactionRunningOn(ctx, request.connectorId)
        : undefined;
  await ctx.domain.transactions.recordMeterValues(ctx.session.stationId, transaction?.id ?? null, request.connectorId, samplesFrom16(request.meterValue));
  return {};
}
