/** OCPP 2.0.1: the core messages a station sends, each a thin translation to a domain call. */
import type { Ocpp201Actions } from '../../../generated/ocpp201.js';
import { bootStation } from '../boot.js';
import { firmwareStatusNotification201, logStatusNotification201, publishFirmwareStatusNotification201 } from '../firmware-logs.js';
import { clearedChargingLimit, notifyChargingLimit, notifyEVChargingNeeds, notifyEVChargingSchedule, reportChargingProfiles } from './charging-notices.js';
import { notifyEvent, notifyReport } from './device-model.js';
import type { StationContext } from '../context.js';
import { notifyCustomerInformation } from './customer-information.js';
import { notifyDisplayMessages } from './display-messages.js';
import { notifyMonitoringReport } from './monitoring.js';
import { samplesFrom201 } from '../meter-values.js';
import { transactionRunningOn } from '../running-transaction.js';
import { authorizeContract, get15118EVCertificate, getCertificateStatus, signCertificateVia, type PncDomain } from '../plug-and-charge.js';
import { transactionEvent } from './transaction-event.js';

/** The 25 messages OCPP 2.0.1 lets a station send; each has a handler below. */
export type StationAction201 =
  | 'Authorize'
  | 'BootNotification'
  | 'ClearedChargingLimit'
  | 'DataTransfer'
  | 'FirmwareStatusNotification'
  | 'Get15118EVCertificate'
  | 'GetCertificateStatus'
  | 'Heartbeat'
  | 'LogStatusNotification'
  | 'MeterValues'
  | 'NotifyChargingLimit'
  | 'NotifyCustomerInformation'
  | 'NotifyDisplayMessages'
  | 'NotifyEVChargingNeeds'
  | 'NotifyEVChargingSchedule'
  | 'NotifyEvent'
  | 'NotifyMonitoringReport'
  | 'NotifyReport'
  | 'PublishFirmwareStatusNotification'
  | 'ReportChargingProfiles'
  | 'ReservationStatusUpdate'
  | 'SecurityEventNotification'
  | 'SignCertificate'
  | 'StatusNotification'
  | 'TransactionEvent';

export type HandlerTable201 = {
  [A in StationAction201]: (ctx: StationContext, request: Ocpp201Actions[A]['request']) => Promise<Ocpp201Actions[A]['response']>;
};

const keep = async (ctx: StationContext, action: string, request: object) => {
  await ctx.domain.stationEvents.record(ctx.session.stationId, action, request);
  return {};
};

/** A message plug-and-charge.ts answers for both versions, given this station. */
const inContext =
  <Request, Response>(message: (domain: PncDomain, stationId: string, request: Request) => Promise<Response>) =>
  (ctx: StationContext, request: Request) =>
    message(ctx.domain, ctx.session.stationId, request);

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

  Authorize: inContext(authorizeContract),

  TransactionEvent: transactionEvent,

  // Values of an EVSE with a transaction running belong to it (stations send some outside TransactionEvent); EVSE 0 is the main meter.
  MeterValues: async (ctx, request) => {
    const running = request.evseId > 0 ? await transactionRunningOn(ctx, request.evseId) : undefined;
    await ctx.domain.transactions.recordMeterValues(ctx.session.stationId, running?.id ?? null, request.evseId, samplesFrom201(request.meterValue));
    return {};
  },

  NotifyReport: notifyReport,

  SecurityEventNotification: async (ctx, request) => keep(ctx, 'SecurityEventNotification', request),

  // The station let a reservation go: it expired there, or it was removed (e.g. the EVSE became unavailable).
  ReservationStatusUpdate: async (ctx, request) => {
    const status = request.reservationUpdateStatus === 'Expired' ? 'EXPIRED' : 'CANCELLED';
    await ctx.domain.reservations.endedByStation(ctx.session.stationId, request.reservationId, status);
    return {};
  },

  FirmwareStatusNotification: firmwareStatusNotification201,
  PublishFirmwareStatusNotification: publishFirmwareStatusNotification201,
  LogStatusNotification: logStatusNotification201,
  NotifyDisplayMessages: notifyDisplayMessages,
  NotifyCustomerInformation: notifyCustomerInformation,
  NotifyMonitoringReport: notifyMonitoringReport,
  NotifyEvent: notifyEvent,
  NotifyChargingLimit: notifyChargingLimit,
  ClearedChargingLimit: clearedChargingLimit,
  ReportChargingProfiles: reportChargingProfiles,
  NotifyEVChargingNeeds: notifyEVChargingNeeds,
  NotifyEVChargingSchedule: notifyEVChargingSchedule,
  DataTransfer: async (ctx, request) => {
    const { customData: _, ...message } = request;
    const answer = await ctx.dataTransfer.answer(ctx.domain, { ...message, stationId: ctx.session.stationId, ocppVersion: ctx.session.version }, (error) =>
      ctx.logger.warn({ err: error, stationId: ctx.session.stationId, vendorId: request.vendorId }, 'a DataTransfer handler failed'),
    );
    return { status: answer.status, ...(answer.data !== undefined && { data: answer.data }) };
  },
  SignCertificate: inContext(signCertificateVia('ocpp2.0.1', 'ChargingStationCertificate')),
  Get15118EVCertificate: inContext(get15118EVCertificate),
  GetCertificateStatus: inContext(getCertificateStatus),
};
