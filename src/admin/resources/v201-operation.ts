/**
 * Operations only OCPP 2.0.1 has (display messages, monitoring, customer information): a 1.6 station is refused
 * with 400 before anything is stored, and one that is not connected with 409 before a job is opened.
 */
import { InvalidStationCallError, StationNotConnectedError } from '../../domain/station-calls.js';
import type { StationJobKind } from '../../domain/station-jobs.js';
import { startJob, statusOf, type JobDeps } from './station-job-start.js';
import { connectedVersion, operateStation, type OperationDeps, type StationAnswer } from './station-operation.js';

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

/** Starts a 2.0.1 job whose request carries its requestId; it goes on while `awaitsNotifications(status)` holds. */
export function startJob201(
  deps: JobDeps,
  stationId: string,
  kind: StationJobKind,
  action: string,
  payloadFor: (requestId: number) => Record<string, unknown>,
  awaitsNotifications: (status: string) => boolean = (status) => status === 'Accepted',
) {
  return startJob(deps, stationId, {
    kind,
    operation: action,
    forms: { 'ocpp2.0.1': (job) => ({ action, payload: payloadFor(job.requestId!) }) },
    outcome: (answer) => {
      const status = statusOf(answer);
      return { status, finished: !awaitsNotifications(status), ...(answer.errorCode !== undefined && { info: answer.errorCode }) };
    },
  });
}
