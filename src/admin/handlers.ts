/**
 * The admin API's handler table, joined from one part per resource (src/admin/resources). Typed as the whole
 * document's handlers, so an operation no part handles is a compile error.
 */
import type { operations } from '../../generated/admin.js';
import type { Domain } from '../domain/index.js';
import type { StationLink } from '../domain/station-calls.js';
import type { OperationHandlers } from '../http/contract.js';
import { certificateOperationsHandlers } from './resources/certificate-operations.js';
import { certificatesHandlers } from './resources/certificates.js';
import { customerInformationHandlers } from './resources/customer-information.js';
import { deviceModelHandlers } from './resources/device-model.js';
import { deviceNoticesHandlers } from './resources/device-notices.js';
import { firmwareLogsHandlers } from './resources/firmware-logs.js';
import { displayMessagesHandlers } from './resources/display-messages.js';
import { hubClientInfoHandlers } from './resources/hub-client-info.js';
import { localListsHandlers } from './resources/local-lists.js';
import { locationsHandlers } from './resources/locations.js';
import { monitoringHandlers } from './resources/monitoring.js';
import { ocspHandlers } from './resources/ocsp.js';
import { operatorReservationsHandlers } from './resources/operator-reservations.js';
import { partiesHandlers, type PartyFarewell } from './resources/parties.js';
import { pkiHandlers } from './resources/pki.js';
import { reservationsHandlers } from './resources/reservations.js';
import { stationControlHandlers } from './resources/station-control.js';
import { stationJobsHandlers } from './resources/station-jobs.js';
import { stationTrafficHandlers } from './resources/station-traffic.js';
import { stationsHandlers } from './resources/stations.js';
import { tariffsHandlers } from './resources/tariffs.js';
import { tokensHandlers } from './resources/tokens.js';
import { transactionsHandlers } from './resources/transactions.js';

export type { PartyFarewell };

export function adminHandlers(
  domain: Domain,
  stationLink: StationLink,
  publicBaseUrl: string,
  sayFarewell: PartyFarewell,
): OperationHandlers<operations> {
  const deps = { ...domain, stationLink, publicBaseUrl, sayFarewell };
  return {
    ...stationsHandlers(deps),
    ...stationTrafficHandlers(deps),
    ...stationJobsHandlers(deps),
    ...stationControlHandlers(deps),
    ...firmwareLogsHandlers(deps),
    ...displayMessagesHandlers(deps),
    ...monitoringHandlers(deps),
    ...customerInformationHandlers(deps),
    ...deviceModelHandlers(deps),
    ...deviceNoticesHandlers(deps),
    ...transactionsHandlers(deps),
    ...tokensHandlers(deps),
    ...certificatesHandlers(deps),
    ...pkiHandlers(deps),
    ...ocspHandlers(deps),
    ...certificateOperationsHandlers(deps),
    ...locationsHandlers(deps),
    ...tariffsHandlers(deps),
    ...partiesHandlers(deps),
    ...hubClientInfoHandlers(deps),
    ...reservationsHandlers(deps),
    ...operatorReservationsHandlers(deps),
    ...localListsHandlers(deps),
  };
}
