/** The protocol-neutral core, assembled over one database. */
import type { Bus } from '../cluster/bus.js';
import type { Database } from '../db/client.js';
import { Authorizer } from './authorization.js';
import { Certificates } from './certificates.js';
import { createPki, type Pki } from './pki/index.js';
import type { PkiConfig } from './pki/settings.js';
import { ChangeFeedSlot } from './change-feed.js';
import { DataVersions } from './data-versions.js';
import { DeviceEvents } from './device-events.js';
import { DeviceModel } from './device-model.js';
import { DisplayMessages } from './display-messages.js';
import { ChargingNotices } from './charging-notices.js';
import { ChargingProfileSenders } from './charging-profile-senders.js';
import { ChargingRecords } from './charging-records.js';
import { ConnectorStatuses } from './connector-status.js';
import { Availabilities } from './availability.js';
import { OfflineStations } from './offline-stations.js';
import { HubClientInfos } from './hub-client-info.js';
import { LocalLists } from './local-lists.js';
import { Locations, type LocationsSettings } from './locations.js';
import { Parties } from './parties.js';
import { PartnerOutbox } from './partner-outbox.js';
import { RemoteStarts } from './remote-starts.js';
import { Reservations } from './reservations.js';
import { StationCalls } from './station-calls.js';
import { StationJobs } from './station-jobs.js';
import { StationUploads } from './station-uploads.js';
import { FirmwareAndLogs } from './firmware-logs.js';
import { Tariffs } from './tariffs.js';
import { StationEvents } from './station-events.js';
import { Stations } from './stations.js';
import { Tokens } from './tokens.js';
import { Transactions } from './transactions.js';
import { TransactionClosing } from './transaction-closing.js';
import { VariableMonitors } from './variable-monitors.js';

export interface Domain {
  stations: Stations;
  tokens: Tokens;
  certificates: Certificates;
  /** the certificate authority service: signing, inventory, OCSP, contract certificates */
  pki: Pki;
  parties: Parties;
  locations: Locations;
  authorizer: Authorizer;
  transactions: Transactions;
  /** closes transactions nobody will end: by rule (its sweep is started by anode.ts) or by the operator */
  transactionClosing: TransactionClosing;
  connectorStatuses: ConnectorStatuses;
  /** the operative state operators set (ChangeAvailability), reflected in the OCPI EVSE status */
  availability: Availabilities;
  /** stations offline past the grace show their EVSEs as UNKNOWN to partners (its sweep is started by anode.ts) */
  offlineStations: OfflineStations;
  stationEvents: StationEvents;
  stationCalls: StationCalls;
  deviceModel: DeviceModel;
  deviceEvents: DeviceEvents;
  chargingNotices: ChargingNotices;
  chargingProfileSenders: ChargingProfileSenders;
  displayMessages: DisplayMessages;
  variableMonitors: VariableMonitors;
  /** operator-started work on stations whose outcome arrives in later notifications */
  stationJobs: StationJobs;
  /** firmware updates and publications, log and diagnostics uploads (jobs of those kinds) */
  firmwareLogs: FirmwareAndLogs;
  /** files stations upload to Anode itself, at one-time URLs */
  stationUploads: StationUploads;
  tariffs: Tariffs;
  chargingRecords: ChargingRecords;
  dataVersions: DataVersions;
  /** where the OCPI wing plugs in to learn of changes inside their transactions */
  changeFeed: ChangeFeedSlot;
  partnerOutbox: PartnerOutbox;
  /** The readers partners' pushes are made from, reading through `db` (a transaction in progress). */
  readersOver(db: Database): { locations: Locations; tariffs: Tariffs; chargingRecords: ChargingRecords; hubClientInfos: HubClientInfos };
  hubClientInfos: HubClientInfos;
  reservations: Reservations;
  remoteStarts: RemoteStarts;
  /** stations' local authorization lists (the OCPP wing fills in their wording at start-up) */
  localLists: LocalLists;
  /** Writes what is batched; call before shutdown. */
  flush(): Promise<void>;
}

export async function createDomain(
  db: Database,
  bus: Bus,
  settings: LocationsSettings & { defaultCurrency: string; dataVersionPollMs?: number; sessionUpdateSeconds?: number; meterSyncSeconds?: number; remoteStartWindowSeconds?: number; remoteStartKeepSeconds?: number },
  pkiSettings: { config: PkiConfig; onSigningError: (error: unknown, signingId: number) => void },
): Promise<Domain> {
  const dataVersions = new DataVersions(db, settings.dataVersionPollMs ?? 250);
  const changeFeed = new ChangeFeedSlot();
  const stations = new Stations(db, bus);
  const remoteStarts = new RemoteStarts(db, { windowSeconds: settings.remoteStartWindowSeconds, keepSeconds: settings.remoteStartKeepSeconds });
  const transactions = new Transactions(db, changeFeed, remoteStarts, {
    sessionUpdateMs: (settings.sessionUpdateSeconds ?? 60) * 1000,
    meterSyncMs: (settings.meterSyncSeconds ?? 15) * 1000,
  });
  const readersOver = (over: Database) => {
    const tariffs = new Tariffs(over, settings.cpo, changeFeed);
    return {
      locations: new Locations(over, settings, dataVersions, changeFeed),
      tariffs,
      chargingRecords: new ChargingRecords(over, tariffs, { cpo: settings.cpo, defaultCurrency: settings.defaultCurrency }),
      hubClientInfos: new HubClientInfos(over),
    };
  };
  const { tariffs, locations, chargingRecords } = readersOver(db);
  const stationJobs = new StationJobs(db);
  const stationEvents = new StationEvents(db);
  const pki = await createPki(db, { stations, stationEvents }, pkiSettings.config, pkiSettings.onSigningError);
  return {
    stations,
    pki,
    tokens: new Tokens(db, bus),
    certificates: new Certificates(db),
    parties: new Parties(db, bus, dataVersions, settings.cpo),
    locations,
    authorizer: new Authorizer(db),
    transactions,
    transactionClosing: new TransactionClosing(db, transactions),
    connectorStatuses: new ConnectorStatuses(db, dataVersions, changeFeed),
    availability: new Availabilities(db, dataVersions, changeFeed),
    offlineStations: new OfflineStations(db, dataVersions, changeFeed, settings.offlineGraceMs),
    stationEvents,
    stationCalls: new StationCalls(db),
    stationJobs,
    firmwareLogs: new FirmwareAndLogs(db, stationJobs, stations),
    stationUploads: new StationUploads(db),
    deviceModel: new DeviceModel(db),
    deviceEvents: new DeviceEvents(db),
    chargingNotices: new ChargingNotices(db, bus),
    chargingProfileSenders: new ChargingProfileSenders(db),
    displayMessages: new DisplayMessages(db),
    variableMonitors: new VariableMonitors(db),
    tariffs,
    dataVersions,
    reservations: new Reservations(db, settings.cpo),
    localLists: new LocalLists(db),
    remoteStarts,
    hubClientInfos: new HubClientInfos(db),
    chargingRecords,
    changeFeed,
    partnerOutbox: new PartnerOutbox(db),
    readersOver,
    flush: async () => {
      await pki.signings.stop();
      await Promise.all([stations.flush(), transactions.flush()]);
    },
  };
}
