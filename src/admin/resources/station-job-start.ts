/**
 * Starting a station job from a typed operation, the same way for every kind: refused before a job exists when the
 * station is not connected (409) or its version lacks the operation (400); then the job is opened (its id is the
 * requestId the request carries), the request worded and sent, and the station's answer recorded. A request that
 * got no answer (silence, the station went away) finishes the job as Failed.
 */
import type { Domain } from '../../domain/index.js';
import { InvalidStationCallError, StationNotConnectedError } from '../../domain/station-calls.js';
import type { StationJob, StationJobKind } from '../../domain/station-jobs.js';
import { stationJobView } from './station-jobs.js';
import { answerStatus, connectedVersion, operateStation, type OcppVersion, type OperationDeps, type OperationForm, type StationAnswer } from './station-operation.js';
import type { Schemas } from './shared.js';

/** What the station's answer makes of the job. */
export interface JobOutcome {
  status: string;
  finished: boolean;
  info?: string;
  result?: Record<string, unknown>;
}

export interface JobStart {
  kind: StationJobKind;
  /** the operation's name in errors */
  operation: string;
  /** the request per version, worded once the job (and so its requestId) exists; a version without one lacks it */
  forms: Partial<Record<OcppVersion, (job: StationJob) => OperationForm | Promise<OperationForm>>>;
  /** the job's outcome from the station's answer; by default its status, the job going on only when Accepted */
  outcome?: (answer: StationAnswer) => JobOutcome | Promise<JobOutcome>;
  /** opens the job (by default a plain station job of the kind) */
  open?: (version: OcppVersion) => Promise<StationJob>;
  /** records the request and outcome on the job (by default on the station job) */
  record?: (job: StationJob, request: object, outcome: JobOutcome) => Promise<StationJob>;
}

export type JobDeps = OperationDeps & Pick<Domain, 'stationJobs'>;

/** The station's answer as a status: its own (Accepted, Rejected, …), or CallError. */
export const statusOf = (answer: StationAnswer): string => (answer.status === 'Answered' ? (answerStatus(answer) ?? 'Unknown') : 'CallError');

/** The station's answer makes the job's status; the job goes on only when Accepted. */
export function defaultOutcome(answer: StationAnswer): JobOutcome {
  const status = statusOf(answer);
  return { status, finished: status !== 'Accepted', ...(answer.errorCode !== undefined && { info: answer.errorCode }) };
}

export async function startJob(deps: JobDeps, stationId: string, start: JobStart): Promise<{ status: 200; body: Schemas['StationJobStarted'] }> {
  const version = await connectedVersion(deps, stationId);
  if (!version) throw new StationNotConnectedError(`charge station ${stationId} is not connected`);
  const form = start.forms[version];
  if (!form) throw new InvalidStationCallError(`${start.operation} is not an operation of ${version === 'ocpp1.6' ? 'OCPP 1.6' : 'OCPP 2.0.1'}`);
  const record = start.record ?? ((job, request, outcome) => deps.stationJobs.answered(job.id, request, outcome.status, outcome));
  const job = await (start.open ? start.open(version) : deps.stationJobs.open(stationId, start.kind));
  let sent: OperationForm | undefined;
  let answer: StationAnswer;
  try {
    sent = await form(job);
    const wording = sent;
    answer = await operateStation(deps, stationId, start.operation, { [version]: () => wording });
  } catch (error) {
    await record(job, sent?.payload ?? {}, { status: 'Failed', finished: true, info: (error as Error).message });
    throw error;
  }
  const outcome = await (start.outcome ?? defaultOutcome)(answer);
  return { status: 200, body: { job: stationJobView(await record(job, sent.payload, outcome)), answer } };
}
