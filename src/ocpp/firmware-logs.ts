/**
 * What stations report of firmware updates and publications (L01–L03) and of log and diagnostics uploads (N01; OCPP
 * 1.6 GetDiagnostics), on both versions: each status goes into its job's history, and a final one ends the job.
 */
import type { Ocpp16Actions } from '../../generated/ocpp16.js';
import type { Ocpp201Actions } from '../../generated/ocpp201.js';
import type { FileJobKind } from '../domain/firmware-logs.js';
import type { StationContext } from './context.js';

/** The statuses after which a station reports nothing more of the job (Idle is handled on its own: see `report`). */
const FINAL: Record<FileJobKind, ReadonlySet<string>> = {
  Firmware: new Set(['Installed', 'DownloadFailed', 'InstallationFailed', 'InstallVerificationFailed', 'InvalidSignature']),
  PublishFirmware: new Set(['Published', 'DownloadFailed', 'InvalidChecksum', 'PublishFailed']),
  Log: new Set(['Uploaded', 'UploadFailure', 'BadMessage', 'NotSupportedOperation', 'PermissionDenied', 'AcceptedCanceled']),
  Diagnostics: new Set(['Uploaded', 'UploadFailed']),
};

/**
 * Idle says the station works on nothing of the kind: the open job it had begun on ends, one it has not yet begun
 * (its retrieve time still to come) stays open, and no job is opened for it.
 */
async function report(ctx: StationContext, kind: FileJobKind, requestId: number | undefined, status: string, result?: Record<string, unknown>) {
  await ctx.domain.firmwareLogs.reported(ctx.session.stationId, {
    kind,
    requestId,
    status,
    final: FINAL[kind].has(status),
    idle: status === 'Idle',
    result,
  });
}

/** OCPP 1.6 notifications are also kept as they came: without a requestId, which job they concern is Anode's guess. */
const keep = (ctx: StationContext, action: string, request: object) => ctx.domain.stationEvents.record(ctx.session.stationId, action, request);

type V201<A extends keyof Ocpp201Actions> = (ctx: StationContext, request: Ocpp201Actions[A]['request']) => Promise<Ocpp201Actions[A]['response']>;
type V16<A extends keyof Ocpp16Actions> = (ctx: StationContext, request: Ocpp16Actions[A]['request']) => Promise<Ocpp16Actions[A]['response']>;

export const firmwareStatusNotification201: V201<'FirmwareStatusNotification'> = async (ctx, request) => {
  await report(ctx, 'Firmware', request.requestId, request.status);
  return {};
};

export const publishFirmwareStatusNotification201: V201<'PublishFirmwareStatusNotification'> = async (ctx, request) => {
  await report(ctx, 'PublishFirmware', request.requestId, request.status, request.location && { locations: request.location });
  return {};
};

export const logStatusNotification201: V201<'LogStatusNotification'> = async (ctx, request) => {
  await report(ctx, 'Log', request.requestId, request.status);
  return {};
};

export const firmwareStatusNotification16: V16<'FirmwareStatusNotification'> = async (ctx, request) => {
  await report(ctx, 'Firmware', undefined, request.status);
  await keep(ctx, 'FirmwareStatusNotification', request);
  return {};
};

export const signedFirmwareStatusNotification16: V16<'SignedFirmwareStatusNotification'> = async (ctx, request) => {
  await report(ctx, 'Firmware', request.requestId, request.status);
  await keep(ctx, 'SignedFirmwareStatusNotification', request);
  return {};
};

/** GetDiagnostics' statuses; they never touch a Log job. */
export const diagnosticsStatusNotification16: V16<'DiagnosticsStatusNotification'> = async (ctx, request) => {
  await report(ctx, 'Diagnostics', undefined, request.status);
  await keep(ctx, 'DiagnosticsStatusNotification', request);
  return {};
};

/** The security extension's GetLog statuses; they never touch a Diagnostics job. */
export const logStatusNotification16: V16<'LogStatusNotification'> = async (ctx, request) => {
  await report(ctx, 'Log', request.requestId, request.status);
  await keep(ctx, 'LogStatusNotification', request);
  return {};
};
