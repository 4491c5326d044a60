/**
 * OCPP 2.0.1 TransactionEvent: a transaction's start, updates and end (use cases E01–E15), also when they arrive late
 * and out of order after the station was offline (E04): each event is kept with its sequence number, the transaction's
 * moments are the events' own timestamps, and an event older than the end changes nothing of an ended transaction.
 */
import type { components } from '../../../generated/ocpp201.js';
import type { Authorization } from '../../domain/authorization.js';
import { energyWh } from '../../domain/meter-samples.js';
import type { Transaction } from '../../domain/transactions.js';
import { rememberTransaction, type StationContext } from '../context.js';
import { propertyConstraintViolation } from '../errors.js';
import { samplesFrom201 } from '../meter-values.js';
import { idTokenInfo } from './id-token-info.js';

type Schemas = components['schemas'];
type TransactionEventRequest = Schemas['TransactionEventRequest'];
type TransactionEventResponse = Schemas['TransactionEventResponse'];

/** The transaction an event is about; the first event of a transaction we have not seen starts it. */
async function transactionOf(
  ctx: StationContext,
  request: TransactionEventRequest,
  energyAtEvent: number | undefined,
  authorization: Authorization | undefined,
): Promise<Transaction> {
  const { stationId, version } = ctx.session;
  const stationTransactionId = request.transactionInfo.transactionId;
  const known =
    ctx.session.transactions.get(stationTransactionId) ??
    (await ctx.domain.transactions.findByStationTransactionId(stationId, stationTransactionId));
  if (known) {
    const tells = request.idToken !== undefined || request.transactionInfo.remoteStartId !== undefined;
    const identified = tells && known.idTag === null ? await identify(ctx, known, request, authorization) : known;
    rememberTransaction(ctx.session, stationTransactionId, identified);
    return identified;
  }
  if (!request.evse) {
    throw propertyConstraintViolation(`unknown transactionId ${stationTransactionId} and no evse to start it on`);
  }
  const { transaction } = await ctx.domain.transactions.start({
    stationId,
    ocppVersion: version,
    stationTransactionId,
    evseId: request.evse.id,
    connectorId: request.evse.connectorId ?? 0,
    idTag: request.idToken?.idToken,
    idTokenType: request.idToken?.type,
    authorizationStatus: authorization?.status,
    authorization,
    meterStartWh: energyAtEvent ?? 0,
    startedAt: new Date(request.timestamp),
    reservationId: request.reservationId,
    remoteStartId: request.transactionInfo.remoteStartId,
  });
  rememberTransaction(ctx.session, stationTransactionId, transaction);
  return transaction;
}

/**
 * E02 / F01: the token of a transaction that started without one arrives in a later event, or the event names the
 * remote start whose token it charges for.
 */
async function identify(
  ctx: StationContext,
  transaction: Transaction,
  request: TransactionEventRequest,
  authorization: Authorization | undefined,
): Promise<Transaction> {
  const { stationId } = ctx.session;
  const identified = await ctx.domain.transactions.identify({
    transactionId: transaction.id,
    stationId,
    evseId: transaction.evseId,
    idTag: request.idToken?.idToken,
    idTokenType: request.idToken?.type,
    authorizationStatus: authorization?.status,
    authorization,
    remoteStartId: request.transactionInfo.remoteStartId,
  });
  return identified ?? (await ctx.domain.transactions.findOfStation(stationId, transaction.id)) ?? transaction;
}

export async function transactionEvent(ctx: StationContext, request: TransactionEventRequest): Promise<TransactionEventResponse> {
  const { transactions, authorizer } = ctx.domain;
  const samples = samplesFrom201(request.meterValue ?? []);
  const energies = samples.map(energyWh).filter((wh): wh is number => wh !== undefined);
  const energyAtEvent = energies.length > 0 ? Math.max(...energies) : undefined;
  const authorization = request.idToken && (await authorizer.authorize(request.idToken.idToken, { stationId: ctx.session.stationId, idTokenType: request.idToken.type }));
  const transaction = await transactionOf(ctx, request, energyAtEvent, authorization);
  const firstTime = await transactions.recordEvent(transaction.id, {
    seqNo: request.seqNo,
    eventType: request.eventType,
    occurredAt: new Date(request.timestamp),
    triggerReason: request.triggerReason,
    chargingState: request.transactionInfo.chargingState,
    offline: request.offline ?? false,
    starts: request.eventType === 'Started',
    ends: request.eventType === 'Ended',
    energyWh: energyAtEvent,
  });
  if (firstTime) {
    await transactions.recordMeterValues(ctx.session.stationId, transaction.id, transaction.evseId, samples);
    if (request.reservationId !== undefined) await ctx.domain.reservations.use(ctx.session.stationId, request.reservationId, transaction.id);
    if (request.eventType === 'Ended') {
      await transactions.stop({
        transactionId: transaction.id,
        stoppedAt: new Date(request.timestamp),
        meterStopWh: energyAtEvent,
        reason: request.transactionInfo.stoppedReason ?? 'Local',
        idTag: request.idToken?.idToken,
      });
      ctx.session.transactions.delete(request.transactionInfo.transactionId);
    }
  }
  return authorization ? { idTokenInfo: idTokenInfo(authorization) } : {};
}
