/**
 * Operations only OCPP 2.0.1 has (display messages, monitoring, customer information): a 1.6 station is refused
 * with 400 before anything is stored, and one that is not connected with 409 before a job is opened.
 */
import type { Domain } from '../../domain/index.js';
import { InvalidStationCallError, StationNotConnectedError } from '../../domain/station-calls.js';
import type { StationJobKind } from '../../domain/station-jobs.js';
import { stationJobView } from './station-jobs.js';
import { answerStatus, connectedVersion, operateStation, type OperationDeps, type StationAnswer } from './station-operation.js';

/** Throws unless the station is connected and speaks OCPP 2.0.1. */
export async function assertSpeaks201(deps: OperationDeps, stationId: string, operation: string): Promise<void> {
  const version = await connectedVersion(deps, stationId);
  if (!version) throw new StationNotConnectedError(`charge station ${stationId} is not connected`);
  if (version !== 'ocpp2.0.1') throw new InvalidStationCallError(`${operation} is not an operation of OCPP 1.6`);
}

/** Sends a 2.0.1 call and answers the station's answer. */
export async function call201(deps: OperationDeps, stationId: string, action: string, payload: Record<string, unknown>): Promise<StationAnswer> {
  await assertSpeaks201(deps, stationId, action);
  return operateStation(deps, stationId, action, { 'ocpp2.0.1': () => ({ action, payload }) });
}

/** The station's answer as a status: its own (Accepted, Rejected, …), or CallError. */
export const statusOf = (answer: StationAnswer): string => (answer.status === 'Answered' ? (answerStatus(answer) ?? 'Unknown') : 'CallError');

/**
 * Starts work whose outcome the station reports later, as a job whose requestId the request carries. The job
 * stays open only while `awaitsNotifications(status)` says the station's answer promises notifications; a call
 * that got no answer (silence, the station went away) finishes it as Failed.
 */
export async function startJob201(
  deps: OperationDeps & Pick<Domain, 'stationJobs'>,
  stationId: string,
  kind: StationJobKind,
  action: string,
  payloadFor: (requestId: number) => Record<string, unknown>,
  awaitsNotifications: (status: string) => boolean = (status) => status === 'Accepted',
) {
  await assertSpeaks201(deps, stationId, action);
  const job = await deps.stationJobs.open(stationId, kind);
  const payload = payloadFor(job.requestId!);
  let answer: StationAnswer;
  try {
    answer = await operateStation(deps, stationId, action, { 'ocpp2.0.1': () => ({ action, payload }) });
  } catch (error) {
    await deps.stationJobs.answered(job.id, payload, 'Failed', { info: error instanceof Error ? error.message : String(error), finished: true });
    throw error;
  }
  const status = statusOf(answer);
  const answered = await deps.stationJobs.answered(job.id, payload, status, {
    finished: !awaitsNotifications(status),
    ...(answer.errorCode !== undefined && { info: answer.errorCode }),
  });
  return { status: 200 as const, body: { job: stationJobView(answered), answer } };
}
