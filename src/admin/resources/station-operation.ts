/**
 * How a typed operation reaches a station: it words the request for the OCPP version the station speaks on its
 * current connection, calls it, and hands back the answer. Not connected (nothing sent): 409; gone before it answered:
 * 502; silent: 504 (admin/app.ts); an operation the version does not have: 400; a CALLERROR: status CallError with
 * its code.
 */
import type { Stations } from '../../domain/stations.js';
import { InvalidStationCallError, StationCallError, StationNotConnectedError, type StationLink } from '../../domain/station-calls.js';
import type { Schemas } from './shared.js';

export type OcppVersion = 'ocpp1.6' | 'ocpp2.0.1';

/** One version's wording of an operation: the OCPP action and its payload. */
export interface OperationForm {
  action: string;
  payload: Record<string, unknown>;
}

/** The wording per version; a version without one does not have the operation. */
export type OperationForms = Partial<Record<OcppVersion, () => OperationForm>>;

export type StationAnswer = Schemas['ChargeStationCallResult'];

export interface OperationDeps {
  stations: Pick<Stations, 'assertRegistered'>;
  stationLink: StationLink;
}

/** The version the registered station speaks now; throws StationNotConnectedError (409) when it is not connected. */
export async function connectedVersion({ stations, stationLink }: OperationDeps, stationId: string): Promise<OcppVersion | undefined> {
  await stations.assertRegistered(stationId);
  return stationLink.connectedVersion(stationId) as OcppVersion | undefined;
}

/** Sends the operation in the wording of the station's version and returns the station's answer. */
export async function operateStation(
  deps: OperationDeps,
  stationId: string,
  operation: string,
  forms: OperationForms,
  options: { timeoutMs?: number } = {},
): Promise<StationAnswer> {
  const version = await connectedVersion(deps, stationId);
  // Not connected: 409 before the request is worded, so that a version's own checks (400) do not hide it.
  if (!version) throw new StationNotConnectedError(`charge station ${stationId} is not connected`);
  const form = forms[version];
  if (!form) throw new InvalidStationCallError(`${operation} is not an operation of ${version === 'ocpp1.6' ? 'OCPP 1.6' : 'OCPP 2.0.1'}`);
  const { action, payload } = form();
  try {
    const response = await deps.stationLink.call(stationId, action, payload, options);
    return { action, ocppVersion: version, status: 'Answered', response };
  } catch (error) {
    if (!(error instanceof StationCallError)) throw error;
    return { action, ocppVersion: version, status: 'CallError', errorCode: error.code, errorDescription: error.description };
  }
}

/** The `status` field of the station's answer (Accepted, Rejected, …), if it answered with one. */
export function answerStatus(answer: StationAnswer): string | undefined {
  const status = answer.response?.status;
  return typeof status === 'string' ? status : undefined;
}
