/** OCPP 2.0.1: the core messages a station sends, each a thin translation to a domain call. */
import type { Ocpp201Actions } from '../../../generated/ocpp201.js';
import { bootStation } from '../boot.js';
import type { StationContext } from '../context.js';
import { samplesFrom201 } from '../meter-values.js';
import { idTokenInfo } from './id-token-info.js';
import { transactionEvent } from './transaction-event.js';

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

const keep = async (ctx: StationContext, action: string, request: object) => {
  await ctx.domain.stationEvents.record(ctx.session.stationId, action, request);
  return {};
};

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

  TransactionEvent: transactionEvent,

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
