/** The protocol-neutral core, assembled over one database. */
import type { Bus } from '../cluster/bus.js';
import type { Database } from '../db/client.js';
import { Authorizer } from './authorization.js';
import { Certificates } from './certificates.js';
import { DataVersions } from './data-versions.js';
import { ChargingRecords } from './charging-records.js';
import { ConnectorStatuses } from './connector-status.js';
import { Locations, type LocationsSettings } from './locations.js';
import { Parties } from './parties.js';
import { Reservations } from './reservations.js';
import { StationCalls } from './station-calls.js';
import { Tariffs } from './tariffs.js';
import { StationEvents } from './station-events.js';
import { Stations } from './stations.js';
import { Tokens } from './tokens.js';
import { Transactions } from './transactions.js';

export interface Domain {
  stations: Stations;
  tokens: Tokens;
  certificates: Certificates;
  parties: Parties;
  locations: Locations;
  authorizer: Authorizer;
  transactions: Transactions;
  connectorStatuses: ConnectorStatuses;
  stationEvents: StationEvents;
  stationCalls: StationCalls;
  tariffs: Tariffs;
  chargingRecords: ChargingRecords;
  dataVersions: DataVersions;
  reservations: Reservations;
  /** Writes what is batched; call before shutdown. */
  flush(): Promise<void>;
}

export function createDomain(
  db: Database,
  bus: Bus,
  settings: LocationsSettings & { defaultCurrency: string; dataVersionPollMs?: number },
): Domain {
  const dataVersions = new DataVersions(db, settings.dataVersionPollMs ?? 250);
  const stations = new Stations(db, bus);
  const transactions = new Transactions(db, bus);
  const tariffs = new Tariffs(db, settings.cpo);
  return {
    stations,
    tokens: new Tokens(db),
    certificates: new Certificates(db),
    parties: new Parties(db, bus, dataVersions),
    locations: new Locations(db, settings, dataVersions),
    authorizer: new Authorizer(db),
    transactions,
    connectorStatuses: new ConnectorStatuses(db, dataVersions),
    stationEvents: new StationEvents(db),
    stationCalls: new StationCalls(db),
    tariffs,
    dataVersions,
    reservations: new Reservations(db),
    chargingRecords: new ChargingRecords(db, tariffs, { cpo: settings.cpo, defaultCurrency: settings.defaultCurrency }),
    flush: async () => {
      await Promise.all([stations.flush(), transactions.flush()]);
    },
  };
}
