/** OCPP 2.0.1: the core messages a station sends, each a thin translation to a domain call. */
import type { Ocpp201Actions, components } from '../../../generated/ocpp201.js';
import type { Authorization } from '../../domain/authorization.js';
import { energyWh, type Transaction } from '../../domain/transactions.js';
import { bootStation } from '../boot.js';
import { rememberTransaction, type StationContext } from '../context.js';
import { propertyConstraintViolation } from '../errors.js';
import { samplesFrom201 } from '../meter-values.js';

export type StationAction201 =
  | 'BootNotification'
  | 'Heartbeat'
  | 'StatusNotification'
  | 'Authorize'
  | 'TransactionEvent'
  | 'MeterValues'
  | 'NotifyReport'
  | 'SecurityEventNotification'
  | 'ReservationStatusUpdate';

export type HandlerTable201 = {
  [A in StationAction201]: (ctx: StationContext, request: Ocpp201Actions[A]['request']) => Promise<Ocpp201Actions[A]['response']>;
};

type Schemas = components['schemas'];
type IdTokenInfo = Schemas['IdTokenInfoType'];
type TransactionEventRequest = Schemas['TransactionEventRequest'];
type IdToken = Schemas['IdTokenType'];

const STATUS_201: Record<Authorization['status'], IdTokenInfo['status']> = {
  Accepted: 'Accepted',
  Blocked: 'Blocked',
  Expired: 'Expired',
  NoCredit: 'NoCredit',
  NotAllowed: 'NotAtThisLocation',
  Unknown: 'Unknown',
};

export function idTokenInfo(authorization: Authorization): IdTokenInfo {
  return {
    status: STATUS_201[authorization.status],
    ...(authorization.expiresAt && { cacheExpiryDateTime: authorization.expiresAt.toISOString() }),
    ...(authorization.groupId && { groupIdToken: { idToken: authorization.groupId, type: 'Central' as const } }),
  };
}

const keep = async (ctx: StationContext, action: string, request: object) => {
  await ctx.domain.stationEvents.record(ctx.session.stationId, action, request);
  return {};
};

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
    const identified = request.idToken && known.idTag === null ? await identify(ctx, known, request.idToken, authorization) : known;
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
    meterStartWh: energyAtEvent ?? 0,
    startedAt: new Date(request.timestamp),
    reservationId: request.reservationId,
    remoteStartId: request.transactionInfo.remoteStartId,
  });
  rememberTransaction(ctx.session, stationTransactionId, transaction);
  return transaction;
}

/** E02: the token of a transaction that started without one arrives in a later event. */
async function identify(ctx: StationContext, transaction: Transaction, idToken: IdToken, authorization: Authorization | undefined): Promise<Transaction> {
  const identified = await ctx.domain.transactions.identify({
    transactionId: transaction.id,
    idTag: idToken.idToken,
    idTokenType: idToken.type,
    authorizationStatus: authorization?.status,
  });
  return identified ?? (await ctx.domain.transactions.get(transaction.id)).transaction;
}

export const v201Handlers: HandlerTable201 = {
  BootNotification: async (ctx, request) =>
    bootStation(ctx, {
      vendor: request.chargingStation.vendorName,
      model: request.chargingStation.model,
      serialNumber: request.chargingStation.serialNumber,
      firmwareVersion: request.chargingStation.firmwareVersion,
    }),

  Heartbeat: async (ctx) => {
    ctx.domain.stations.touch(ctx.session.stationId);
    return { currentTime: new Date().toISOString() };
  },

  StatusNotification: async (ctx, request) => {
    await ctx.domain.connectorStatuses.record({
      stationId: ctx.session.stationId,
      evseId: request.evseId,
      connectorId: request.connectorId,
      status: request.connectorStatus,
      reportedAt: new Date(request.timestamp),
    });
    return {};
  },

  Authorize: async (ctx, request) => ({
    idTokenInfo: idTokenInfo(await ctx.domain.authorizer.authorize(request.idToken.idToken, { stationId: ctx.session.stationId })),
  }),

  TransactionEvent: async (ctx, request) => {
    const { transactions, authorizer } = ctx.domain;
    const samples = samplesFrom201(request.meterValue ?? []);
    const energies = samples.map(energyWh).filter((wh): wh is number => wh !== undefined);
    const energyAtEvent = energies.length > 0 ? Math.max(...energies) : undefined;
    const authorization = request.idToken && (await authorizer.authorize(request.idToken.idToken, { stationId: ctx.session.stationId }));
    const transaction = await transactionOf(ctx, request, energyAtEvent, authorization);
    if (await transactions.firstTimeFor(transaction.id, request.seqNo, request.eventType)) {
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
  },

  MeterValues: async (ctx, request) => {
    await ctx.domain.transactions.recordMeterValues(ctx.session.stationId, null, request.evseId, samplesFrom201(request.meterValue));
    return {};
  },

  NotifyReport: async (ctx, request) => keep(ctx, 'NotifyReport', request),

  SecurityEventNotification: async (ctx, request) => keep(ctx, 'SecurityEventNotification', request),

  // The station let a reservation go: it expired there, or it was removed (e.g. the EVSE became unavailable).
  ReservationStatusUpdate: async (ctx, request) => {
    const status = request.reservationUpdateStatus === 'Expired' ? 'EXPIRED' : 'CANCELLED';
    await ctx.domain.reservations.endedByStation(ctx.session.stationId, request.reservationId, status);
    return {};
  },
};
