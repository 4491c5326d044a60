import type { Bus } from '../cluster/bus.js';
import type { Domain } from '../domain/index.js';
import type { StationLink } from '../domain/station-calls.js';
import type { Logger } from '../log.js';

/** What the OCPI wing's handlers need. */
export interface OcpiContext {
  domain: Domain;
  bus: Bus;
  /** reaches the stations (OCPI commands) */
  stationLink: StationLink;
  /** how long a station gets to answer a command */
  commandTimeoutSeconds: number;
  /** how long a remote start may be answered by a station start that does not name it (OCPP 1.6) */
  remoteStartWindowSeconds: number;
  logger: Logger;
  /** the node's public base URL; Anode's OCPI endpoints are under `${publicBaseUrl}/ocpi` */
  publicBaseUrl: string;
  cpo: { countryCode: string; partyId: string; name: string; website?: string };
  /** the most a paginated GET returns per page */
  maxPageSize: number;
  /** how long a call to a partner may take */
  partnerTimeoutMs: number;
}

export const ocpiBase = (ctx: OcpiContext) => `${ctx.publicBaseUrl}/ocpi`;
