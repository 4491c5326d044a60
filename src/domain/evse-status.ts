/** From what OCPP stations report per connector to the one status OCPI shows per EVSE. */

/** The OCPI 2.2.1 Status of an EVSE. */
export type EvseStatus = 'AVAILABLE' | 'BLOCKED' | 'CHARGING' | 'INOPERATIVE' | 'OUTOFORDER' | 'PLANNED' | 'REMOVED' | 'RESERVED' | 'UNKNOWN';

const BY_OCPP_STATUS: Record<string, EvseStatus> = {
  // OCPP 1.6 ChargePointStatus
  Available: 'AVAILABLE',
  Preparing: 'CHARGING',
  Charging: 'CHARGING',
  SuspendedEV: 'CHARGING',
  SuspendedEVSE: 'CHARGING',
  Finishing: 'CHARGING',
  Reserved: 'RESERVED',
  Unavailable: 'INOPERATIVE',
  Faulted: 'OUTOFORDER',
  // OCPP 2.0.1 ConnectorStatusEnumType (Available, Reserved, Unavailable and Faulted as above)
  Occupied: 'CHARGING',
};

/** When connectors of one EVSE differ, the EVSE shows the first of these that any connector has. */
const PRECEDENCE: EvseStatus[] = ['CHARGING', 'RESERVED', 'AVAILABLE', 'BLOCKED', 'INOPERATIVE', 'OUTOFORDER', 'UNKNOWN'];

export function evseStatusFromReports(
  evseReports: string[],
  stationReport: string | undefined,
): EvseStatus {
  const station = stationReport === undefined ? undefined : BY_OCPP_STATUS[stationReport];
  // A station that says it is unavailable or faulted as a whole takes every EVSE with it.
  if (station === 'INOPERATIVE' || station === 'OUTOFORDER') return station;
  const statuses = evseReports.map((report) => BY_OCPP_STATUS[report] ?? 'UNKNOWN');
  if (statuses.length === 0) return 'UNKNOWN';
  return PRECEDENCE.find((status) => statuses.includes(status)) ?? 'UNKNOWN';
}
