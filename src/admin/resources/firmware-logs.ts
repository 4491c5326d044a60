/**
 * Firmware updates and publications (L01–L04), logs and diagnostics (N01, OCPP 1.6 GetDiagnostics): typed operations
 * that start a station job, worded for the version the station speaks, and the file a station uploaded for a job.
 */
import type { Domain } from '../../domain/index.js';
import { InvalidInputError } from '../../domain/errors.js';
import type { FileJobKind, JobAnswer } from '../../domain/firmware-logs.js';
import type { StationLink } from '../../domain/station-calls.js';
import type { StationJob } from '../../domain/station-jobs.js';
import { startJob } from './station-job-start.js';
import { answerStatus, operateStation, type OcppVersion, type OperationForm, type StationAnswer } from './station-operation.js';
import type { AdminHandlers } from './shared.js';

type Deps = Pick<Domain, 'stations' | 'stationJobs' | 'firmwareLogs' | 'stationUploads'> & { stationLink: StationLink; publicBaseUrl: string };

/** How a job's request is worded for one version, once the job (and so its requestId) exists. */
type JobForm = (job: StationJob) => OperationForm | Promise<OperationForm>;

interface JobOperation {
  kind: FileJobKind;
  operation: string;
  forms: Partial<Record<OcppVersion, JobForm>>;
  /** The version's wording carries no requestId (OCPP 1.6 UpdateFirmware, GetDiagnostics). */
  withoutRequestId?: (version: OcppVersion) => boolean;
  /** The job's status from an answer with no `status` of its own. */
  statusless?: (response: Record<string, unknown>) => Omit<JobAnswer, 'result'>;
  /** What of the answer the job's result keeps. */
  kept?: (response: Record<string, unknown>) => Record<string, unknown> | undefined;
}

/** Answers after which the station reports on the job. */
const GOING_ON = ['Accepted', 'AcceptedCanceled'];

/** The optional fields of a request, without the absent ones. */
const present = (fields: Record<string, unknown>) => Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined));

function jobAnswer(answer: StationAnswer, operation: JobOperation): JobAnswer {
  if (answer.status === 'CallError') return { status: 'CallError', finished: true, info: `${answer.errorCode}: ${answer.errorDescription ?? ''}` };
  const response = answer.response ?? {};
  const result = operation.kept?.(response);
  const status = answerStatus(answer);
  if (status === undefined) return { ...(operation.statusless?.(response) ?? { status: 'Accepted', finished: false }), result };
  const statusInfo = response.statusInfo as { reasonCode?: string; additionalInfo?: string } | undefined;
  const info = statusInfo ? [statusInfo.reasonCode, statusInfo.additionalInfo].filter(Boolean).join(': ') : undefined;
  return { status, finished: !GOING_ON.includes(status), info, result };
}

/** Starts a firmware or log job through the firmware domain, which notes the version before an update. */
function startFileJob(deps: Deps, stationId: string, operation: JobOperation) {
  return startJob(deps, stationId, {
    kind: operation.kind,
    operation: operation.operation,
    forms: operation.forms,
    outcome: (answer) => jobAnswer(answer, operation),
    open: (version) => deps.firmwareLogs.open(stationId, operation.kind, { requestIdSent: !operation.withoutRequestId?.(version) }),
    record: (job, request, outcome) => deps.firmwareLogs.answered(job, request, outcome),
  });
}

/** Where the station is to upload: the operator's location, or a one-time URL of Anode's own for the job. */
async function uploadLocation(deps: Deps, job: StationJob, location: string | undefined): Promise<string> {
  return location ?? (await deps.stationUploads.create(job.stationId, job.id, deps.publicBaseUrl)).url;
}

/** A file name for the Content-Disposition header: RFC 6266, with an ASCII fallback. */
function contentDisposition(name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}

type Operations =
  | 'updateChargeStationFirmware'
  | 'publishChargeStationFirmware'
  | 'unpublishChargeStationFirmware'
  | 'retrieveChargeStationLog'
  | 'retrieveChargeStationDiagnostics'
  | 'downloadChargeStationJobFile';

export function firmwareLogsHandlers(deps: Deps): AdminHandlers<Operations> {
  return {
    updateChargeStationFirmware: async ({ path, body }) => {
      const firmware = present({
        location: body.location,
        retrieveDateTime: body.retrieveAt,
        installDateTime: body.installAt,
        signingCertificate: body.signingCertificate,
        signature: body.signature,
      });
      const tries = present({ retries: body.retries, retryInterval: body.retryIntervalSeconds });
      const secure = body.signature !== undefined || body.signingCertificate !== undefined;
      // What OCPP 1.6 cannot word is refused before a job is opened.
      if (deps.stationLink.connectedVersion(path.csId) === 'ocpp1.6') {
        if (secure && (body.signature === undefined || body.signingCertificate === undefined)) {
          throw new InvalidInputError('an OCPP 1.6 station takes a signed firmware update (SignedUpdateFirmware) with both signingCertificate and signature');
        }
        if (!secure && body.installAt !== undefined) {
          throw new InvalidInputError('OCPP 1.6 UpdateFirmware has no install time: installAt needs a signed update (signingCertificate and signature)');
        }
      }
      return startFileJob(deps, path.csId, {
        kind: 'Firmware',
        operation: 'UpdateFirmware',
        withoutRequestId: (version) => version === 'ocpp1.6' && !secure,
        forms: {
          'ocpp2.0.1': (job) => ({ action: 'UpdateFirmware', payload: { requestId: job.requestId!, firmware, ...tries } }),
          'ocpp1.6': (job) =>
            secure
              ? { action: 'SignedUpdateFirmware', payload: { requestId: job.requestId!, firmware, ...tries } }
              : { action: 'UpdateFirmware', payload: { location: body.location, retrieveDate: body.retrieveAt, ...tries } },
        },
      });
    },

    publishChargeStationFirmware: async ({ path, body }) =>
      startFileJob(deps, path.csId, {
        kind: 'PublishFirmware',
        operation: 'PublishFirmware',
        forms: {
          'ocpp2.0.1': (job) => ({
            action: 'PublishFirmware',
            payload: { location: body.location, checksum: body.checksum, requestId: job.requestId!, ...present({ retries: body.retries, retryInterval: body.retryIntervalSeconds }) },
          }),
        },
      }),

    unpublishChargeStationFirmware: async ({ path, body }) => ({
      status: 200,
      body: await operateStation(deps, path.csId, 'UnpublishFirmware', {
        'ocpp2.0.1': () => ({ action: 'UnpublishFirmware', payload: { checksum: body.checksum } }),
      }),
    }),

    retrieveChargeStationLog: async ({ path, body }) => {
      const form: JobForm = async (job) => ({
        action: 'GetLog',
        payload: {
          logType: body.logType,
          requestId: job.requestId!,
          log: { remoteLocation: await uploadLocation(deps, job, body.remoteLocation), ...present({ oldestTimestamp: body.oldestAt, latestTimestamp: body.latestAt }) },
          ...present({ retries: body.retries, retryInterval: body.retryIntervalSeconds }),
        },
      });
      return startFileJob(deps, path.csId, {
        kind: 'Log',
        operation: 'GetLog',
        forms: { 'ocpp2.0.1': form, 'ocpp1.6': form },
        kept: (response) => (typeof response.filename === 'string' ? { filename: response.filename } : undefined),
      });
    },

    retrieveChargeStationDiagnostics: async ({ path, body }) =>
      startFileJob(deps, path.csId, {
        kind: 'Diagnostics',
        operation: 'GetDiagnostics',
        withoutRequestId: () => true,
        forms: {
          'ocpp1.6': async (job) => ({
            action: 'GetDiagnostics',
            payload: {
              location: await uploadLocation(deps, job, body.location),
              ...present({ startTime: body.startAt, stopTime: body.stopAt, retries: body.retries, retryInterval: body.retryIntervalSeconds }),
            },
          }),
        },
        // Without a file name the station has no diagnostics to upload, and says nothing more.
        statusless: (response) =>
          typeof response.fileName === 'string'
            ? { status: 'Accepted', finished: false }
            : { status: 'NoDiagnosticsAvailable', finished: true, info: 'the station answered without a file name' },
        kept: (response) => (typeof response.fileName === 'string' ? { fileName: response.fileName } : undefined),
      }),

    downloadChargeStationJobFile: async ({ path }) => {
      const file = await deps.stationUploads.file(path.csId, path.jobId);
      const name = file.fileName ?? `job-${path.jobId}-upload`;
      return { status: 200, body: file.data, headers: { 'Content-Disposition': contentDisposition(name) } };
    },
  };
}
