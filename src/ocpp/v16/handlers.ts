/** OCPP 1.6J: every message a station sends, each a thin translation to a domain call. */
import type { Ocpp16Actions, components } from '../../../generated/ocpp16.js';
import type { Authorization } from '../../domain/authorization.js';
import { bootStation } from '../boot.js';
import {
  diagnosticsStatusNotification16,
  firmwareStatusNotification16,
  logStatusNotification16,
  signedFirmwareStatusNotification16,
} from '../firmware-logs.js';
import { rememberTransaction, type StationContext } from '../context.js';
import { propertyConstraintViolation } from '../errors.js';
import { meterValues16 } from './meter-values.js';
import { samplesFrom16 } from '../meter-values.js';

export type StationAction16 =
  | 'Authorize'
  | 'BootNotification'
  | 'DataTransfer'
  | 'DiagnosticsStatusNotification'
  | 'FirmwareStatusNotification'
  | 'Heartbeat'
  | 'MeterValues'
  | 'StartTransaction'
  | 'StatusNotification'
  | 'StopTransaction'
  | 'SecurityEventNotification'
  | 'SignCertificate'
  | 'SignedFirmwareStatusNotification'
  | 'LogStatusNotification';

export type HandlerTable16 = {
  [A in StationAction16]: (ctx: StationContext, request: Ocpp16Actions[A]['request']) => Promise<Ocpp16Actions[A]['response']>;
};

type IdTagInfo = components['schemas']['AuthorizeResponse']['idTagInfo'];

/** OCPP 1.6 has fewer verdicts: an unknown token is Invalid, one without credit or not allowed here is Blocked. */
const STATUS_16: Record<Authorization['status'], IdTagInfo['status']> = {
  Accepted: 'Accepted',
  Blocked: 'Blocked',
  Expired: 'Expired',
  NoCredit: 'Blocked',
  NotAllowed: 'Blocked',
  Unknown: 'Invalid',
};

/** OCPP 1.6 parentIdTag is a CiString20: a longer group id (OCPI allows 36) is left out rather than break the answer. */
const MAX_PARENT_ID_TAG = 20;

export function idTagInfo(authorization: Authorization): IdTagInfo {
  const { groupId } = authorization;
  return {
    status: STATUS_16[authorization.status],
    ...(authorization.expiresAt && { expiryDate: authorization.expiresAt.toISOString() }),
    ...(groupId && groupId.length <= MAX_PARENT_ID_TAG && { parentIdTag: groupId }),
  };
}

const keep = async (ctx: StationContext, action: string, request: object) => {
  await ctx.domain.stationEvents.record(ctx.session.stationId, action, request);
  return {};
};

export const v16Handlers: HandlerTable16 = {
  BootNotification: async (ctx, request) =>
    bootStation(ctx, {
      vendor: request.chargePointVendor,
      model: request.chargePointModel,
      serialNumber: request.chargePointSerialNumber ?? request.chargeBoxSerialNumber,
      firmwareVersion: request.firmwareVersion,
    }),

  Heartbeat: async (ctx) => {
    ctx.domain.stations.touch(ctx.session.stationId);
    return { currentTime: new Date().toISOString() };
  },

  Authorize: async (ctx, request) => ({ idTagInfo: idTagInfo(await ctx.domain.authorizer.authorize(request.idTag, { stationId: ctx.session.stationId })) }),

  StartTransaction: async (ctx, request) => {
    if (request.connectorId < 1) throw propertyConstraintViolation('connectorId must be 1 or more for a transaction');
    const authorization = await ctx.domain.authorizer.authorize(request.idTag, { stationId: ctx.session.stationId });
    const { transaction } = await ctx.domain.transactions.start({
      stationId: ctx.session.stationId,
      ocppVersion: ctx.session.version,
      evseId: request.connectorId,
      connectorId: 0,
      idTag: request.idTag,
      authorizationStatus: authorization.status,
      authorization,
      meterStartWh: request.meterStart,
      startedAt: new Date(request.timestamp),
      reservationId: request.reservationId,
      remoteStartUnnamed: true,
      startKey: [request.connectorId, request.idTag, request.meterStart, request.timestamp].join('|'),
    });
    rememberTransaction(ctx.session, transaction.id, transaction);
    if (request.reservationId !== undefined) await ctx.domain.reservations.use(ctx.session.stationId, request.reservationId, transaction.id);
    return { transactionId: transaction.id, idTagInfo: idTagInfo(authorization) };
  },

  StopTransaction: async (ctx, request) => {
    const { transactions, authorizer } = ctx.domain;
    const transaction = await transactions.findOfStation(ctx.session.stationId, request.transactionId);
    if (!transaction) throw propertyConstraintViolation(`unknown transactionId ${request.transactionId}`);
    // A repeated StopTransaction is answered but changes nothing: its transactionData was stored the first time.
    if (transaction.stoppedAt === null && request.transactionData) {
      const samples = samplesFrom16(request.transactionData);
      await transactions.recordMeterValues(ctx.session.stationId, transaction.id, transaction.evseId, samples);
    }
    await transactions.stop({
      transactionId: transaction.id,
      stoppedAt: new Date(request.timestamp),
      meterStopWh: request.meterStop,
      reason: request.reason ?? 'Local',
      idTag: request.idTag,
    });
    ctx.session.transactions.delete(String(transaction.id));
    return request.idTag ? { idTagInfo: idTagInfo(await authorizer.authorize(request.idTag, { stationId: ctx.session.stationId })) } : {};
  },

  MeterValues: meterValues16,

  StatusNotification: async (ctx, request) => {
    await ctx.domain.connectorStatuses.record({
      stationId: ctx.session.stationId,
      evseId: request.connectorId,
      connectorId: 0,
      status: request.status,
      errorCode: request.errorCode,
      info: request.info,
      reportedAt: request.timestamp ? new Date(request.timestamp) : new Date(),
    });
    return {};
  },

  DataTransfer: async (ctx, request) => {
    const answer = await ctx.dataTransfer.answer(ctx.domain, { ...request, stationId: ctx.session.stationId, ocppVersion: ctx.session.version }, (error) =>
      ctx.logger.warn({ err: error, stationId: ctx.session.stationId, vendorId: request.vendorId }, 'a DataTransfer handler failed'),
    );
    // 1.6 carries text: a vendor's structured answer is sent as JSON text.
    const data = answer.data === undefined || typeof answer.data === 'string' ? answer.data : JSON.stringify(answer.data);
    return { status: answer.status, ...(data !== undefined && { data }) };
  },

  DiagnosticsStatusNotification: diagnosticsStatusNotification16,
  FirmwareStatusNotification: firmwareStatusNotification16,
  SignedFirmwareStatusNotification: signedFirmwareStatusNotification16,
  LogStatusNotification: logStatusNotification16,

  SecurityEventNotification: async (ctx, request) => keep(ctx, 'SecurityEventNotification', request),

  // The security extension's CSR is for the ChargePoint certificate; the signed chain follows in CertificateSigned.
  SignCertificate: async (ctx, request) => {
    const verdict = await ctx.domain.pki.signings.request(ctx.session.stationId, 'ChargingStationCertificate', request.csr, 'ocpp1.6');
    return { status: verdict.accepted ? 'Accepted' : 'Rejected' };
  },
};
