/** The admin API: thin translations between the contract's shapes and domain calls. */
import type { components, operations } from '../../generated/admin.js';
import type { Domain } from '../domain/index.js';
import type { ClientInfo } from '../domain/hub-client-info.js';
import type { EvseInput, LocationInput, StoredLocation } from '../domain/locations.js';
import type { PageRequest } from '../domain/pagination.js';
import type { ConnectorStatus } from '../domain/connector-status.js';
import type { Partner } from '../domain/parties.js';
import type { OutboxEntry, OutboxSummary } from '../domain/partner-outbox.js';
import type { Reservation } from '../domain/reservations.js';
import type { TariffDocument } from '../domain/tariffs.js';
import { StationCallError, type StationCall, type StationLink } from '../domain/station-calls.js';
import type { StationEvent } from '../domain/station-events.js';
import type { Station, StationRequest } from '../domain/stations.js';
import type { StoredMeterValue, Transaction } from '../domain/transactions.js';
import type { Token } from '../domain/tokens.js';
import type { OperationHandlers } from '../http/contract.js';
import { paginationHeaders } from '../http/pagination.js';

type Schemas = components['schemas'];

const DEFAULT_LIMIT = 20;

function pageOf(query: { offset?: number; limit?: number }): PageRequest {
  return { offset: query.offset ?? 0, limit: query.limit ?? DEFAULT_LIMIT };
}

const iso = (date: Date | null) => (date ? date.toISOString() : null);

function chargeStationView(station: Station): Schemas['ChargeStation'] {
  return {
    id: station.id,
    securityProfile: station.auth.securityProfile,
    invalidUsernameAllowed: station.auth.invalidUsernameAllowed,
    hasPassword: station.auth.passwordHash !== undefined,
    registrationStatus: station.registrationStatus,
    connection: {
      connected: station.connection.connected,
      ocppVersion: station.connection.ocppVersion as Schemas['ChargeStationConnection']['ocppVersion'],
      connectedAt: iso(station.connection.connectedAt),
      lastSeenAt: iso(station.connection.lastSeenAt),
    },
    bootInfo: { ...station.bootInfo, lastBootAt: iso(station.bootInfo.lastBootAt) },
    pendingRequests: station.pendingRequests,
    firmwareStatus: station.firmwareStatus,
    diagnosticsStatus: station.diagnosticsStatus,
    registeredAt: station.registeredAt.toISOString(),
    updatedAt: station.updatedAt.toISOString(),
  };
}

function requestView(request: StationRequest): Schemas['ChargeStationRequest'] {
  return {
    id: request.id,
    chargeStationId: request.stationId,
    kind: request.kind,
    status: request.status,
    payload: request.payload,
    outcome: request.outcome,
    createdAt: request.createdAt.toISOString(),
    updatedAt: request.updatedAt.toISOString(),
  };
}

function reservationView(reservation: Reservation): Schemas['Reservation'] {
  return {
    id: reservation.id,
    partnerId: reservation.partnerId,
    countryCode: reservation.countryCode,
    partyId: reservation.partyId,
    reservationId: reservation.reservationId,
    tokenUid: reservation.tokenUid,
    authorizationReference: reservation.authorizationReference,
    locationId: reservation.locationId,
    evseUid: reservation.evseUid,
    chargeStationId: reservation.stationId,
    ocppEvseId: reservation.ocppEvseId,
    expiresAt: reservation.expiresAt.toISOString(),
    status: reservation.status,
    transactionId: reservation.transactionId,
    createdAt: reservation.createdAt.toISOString(),
    updatedAt: reservation.updatedAt.toISOString(),
  };
}

function recordedCallView(call: StationCall): Schemas['RecordedCall'] {
  return {
    id: call.id,
    action: call.action,
    request: call.request,
    status: call.status,
    response: call.response,
    errorCode: call.errorCode,
    errorDescription: call.errorDescription,
    requestId: call.stationRequestId,
    createdAt: call.createdAt.toISOString(),
    answeredAt: iso(call.answeredAt),
  };
}

function connectorStatusView(status: ConnectorStatus): Schemas['ConnectorStatus'] {
  return {
    evseId: status.evseId,
    connectorId: status.connectorId,
    status: status.status,
    errorCode: status.errorCode,
    info: status.info,
    reportedAt: status.reportedAt.toISOString(),
    updatedAt: status.updatedAt.toISOString(),
  };
}

function eventView(event: StationEvent): Schemas['StationEvent'] {
  return { id: event.id, action: event.action, payload: event.payload, receivedAt: event.receivedAt.toISOString() };
}

function transactionView(transaction: Transaction): Schemas['Transaction'] {
  return {
    id: transaction.id,
    chargeStationId: transaction.stationId,
    ocppVersion: transaction.ocppVersion,
    stationTransactionId: transaction.stationTransactionId,
    evseId: transaction.evseId,
    connectorId: transaction.connectorId,
    idTag: transaction.idTag,
    authorizationStatus: transaction.authorizationStatus,
    meterStartWh: transaction.meterStartWh,
    meterStopWh: transaction.meterStopWh,
    lastMeterWh: transaction.lastMeterWh,
    startedAt: transaction.startedAt.toISOString(),
    stoppedAt: iso(transaction.stoppedAt),
    stopReason: transaction.stopReason,
  };
}

function meterValueView(sample: StoredMeterValue): Schemas['MeterValue'] {
  return {
    sampledAt: sample.sampledAt.toISOString(),
    measurand: sample.measurand,
    phase: sample.phase,
    unit: sample.unit,
    context: sample.context,
    location: sample.location,
    value: sample.value,
    rawValue: sample.rawValue,
  };
}

const NOTHING_WAITING: OutboxSummary = { pending: 0, failed: 0, lastError: null };

function partyView(partner: Partner, outbox: OutboxSummary = NOTHING_WAITING): Schemas['OcpiParty'] {
  return {
    id: partner.id,
    status: partner.status,
    versionsUrl: partner.versionsUrl,
    roles: partner.roles.map((role) => ({ ...role })),
    endpoints: partner.endpoints,
    rawTokens: partner.rawTokens,
    lastError: partner.lastError,
    registeredAt: iso(partner.registeredAt),
    createdAt: partner.createdAt.toISOString(),
    outbox,
  };
}

function outboxEntryView(entry: OutboxEntry): Schemas['OutboxEntry'] {
  return {
    id: entry.id,
    module: entry.module,
    kind: entry.kind,
    objectKey: entry.objectKey,
    target: entry.target,
    body: entry.body,
    status: entry.status,
    attempts: entry.attempts,
    nextAttemptAt: entry.nextAttemptAt.toISOString(),
    lastError: entry.lastError,
    createdAt: entry.createdAt.toISOString(),
  };
}

function hubClientInfoView(info: ClientInfo): Schemas['HubClientInfo'] {
  return {
    country_code: info.countryCode,
    party_id: info.partyId,
    role: info.role as Schemas['HubClientInfo']['role'],
    status: info.status as Schemas['HubClientInfo']['status'],
    last_updated: info.lastUpdated.toISOString(),
    reported_by: info.reportedBy,
  };
}

function tokenView(token: Token): Schemas['Token'] {
  return {
    countryCode: token.countryCode,
    partyId: token.partyId,
    type: token.type,
    uid: token.uid,
    contractId: token.contractId,
    ...(token.visualNumber !== null && { visualNumber: token.visualNumber }),
    issuer: token.issuer,
    ...(token.groupId !== null && { groupId: token.groupId }),
    valid: token.valid,
    ...(token.languageCode !== null && { languageCode: token.languageCode }),
    cacheMode: token.cacheMode,
    ...(token.expiresAt !== null && { expiryDate: token.expiresAt.toISOString() }),
    lastUpdated: token.lastUpdated.toISOString(),
  };
}

function locationInput(body: Schemas['Location']): LocationInput {
  return {
    countryCode: body.country_code,
    partyId: body.party_id,
    name: body.name ?? null,
    address: body.address,
    city: body.city,
    postalCode: body.postal_code ?? null,
    state: body.state ?? null,
    country: body.country,
    latitude: body.coordinates.latitude,
    longitude: body.coordinates.longitude,
    parkingType: body.parking_type ?? null,
    timeZone: body.time_zone,
    publish: body.publish,
    evses: (body.evses ?? []).map(
      (evse): EvseInput => ({
        uid: evse.uid,
        evseId: evse.evse_id ?? null,
        stationId: evse.station_id,
        ocppEvseId: evse.ocpp_evse_id,
        floorLevel: evse.floor_level,
        physicalReference: evse.physical_reference,
        connectors: evse.connectors.map((connector) => ({
          id: connector.id,
          standard: connector.standard,
          format: connector.format,
          powerType: connector.power_type,
          maxVoltage: connector.max_voltage,
          maxAmperage: connector.max_amperage,
          maxElectricPower: connector.max_electric_power,
          tariffIds: connector.tariff_ids,
        })),
      }),
    ),
  };
}

function locationView(location: StoredLocation): Schemas['StoredLocation'] {
  return {
    id: location.id,
    country_code: location.countryCode,
    party_id: location.partyId,
    name: location.name,
    address: location.address,
    city: location.city,
    postal_code: location.postalCode,
    state: location.state,
    country: location.country,
    coordinates: { latitude: location.latitude, longitude: location.longitude },
    parking_type: location.parkingType,
    time_zone: location.timeZone,
    publish: location.publish,
    last_updated: location.lastUpdated.toISOString(),
    evses: location.evses.map((evse) => ({
      uid: evse.uid,
      evse_id: evse.evseId,
      station_id: evse.stationId,
      ocpp_evse_id: evse.ocppEvseId,
      ...(evse.floorLevel !== undefined && { floor_level: evse.floorLevel }),
      ...(evse.physicalReference !== undefined && { physical_reference: evse.physicalReference }),
      status: evse.status,
      last_updated: evse.lastUpdated.toISOString(),
      connectors: evse.connectors.map((connector) => ({
        id: connector.id,
        standard: connector.standard as Schemas['Connector']['standard'],
        format: connector.format as Schemas['Connector']['format'],
        power_type: connector.powerType as Schemas['Connector']['power_type'],
        max_voltage: connector.maxVoltage,
        max_amperage: connector.maxAmperage,
        ...(connector.maxElectricPower !== undefined && { max_electric_power: connector.maxElectricPower }),
        ...(connector.tariffIds && connector.tariffIds.length > 0 && { tariff_ids: connector.tariffIds }),
      })),
    })),
  };
}

/** What the admin API needs of the OCPI wing: telling a party it is unregistered. */
export type PartyFarewell = (partner: Partner) => Promise<void>;

export function adminHandlers(
  domain: Domain,
  stationLink: StationLink,
  publicBaseUrl: string,
  sayFarewell: PartyFarewell,
): OperationHandlers<operations> {
  const { stations, tokens, certificates, parties, partnerOutbox, locations, stationCalls, connectorStatuses, stationEvents, transactions, tariffs } =
    domain;
  type Tariff = Schemas['Tariff'];
  return {
    listOcpiParties: async () => {
      const outboxes = await partnerOutbox.summaries();
      return { status: 200, body: (await parties.list()).map((partner) => partyView(partner, outboxes.get(partner.id))) };
    },
    lookupOcpiParty: async ({ path }) => {
      const partner = await parties.get(path.partyId);
      return { status: 200, body: partyView(partner, (await partnerOutbox.summaries()).get(partner.id)) };
    },
    listOcpiOutbox: async ({ path, query, context }) => {
      await parties.get(path.partyId);
      const page = await partnerOutbox.list(path.partyId, pageOf(query), query.status);
      return { status: 200, body: page.items.map(outboxEntryView), headers: paginationHeaders(context, page, publicBaseUrl) };
    },
    retryOcpiOutboxEntry: async ({ path }) => ({ status: 200, body: outboxEntryView(await partnerOutbox.retry(path.partyId, path.entryId)) }),
    dropOcpiOutboxEntry: async ({ path }) => {
      await partnerOutbox.drop(path.partyId, path.entryId);
      return { status: 204 };
    },
    unregisterOcpiParty: async ({ path }) => {
      const partner = await parties.get(path.partyId);
      await parties.unregister(partner.id);
      await sayFarewell(partner);
      return { status: 204 };
    },
    listHubClientInfo: async ({ query, context }) => {
      const page = await domain.hubClientInfos.list(pageOf(query));
      return { status: 200, body: page.items.map(hubClientInfoView), headers: paginationHeaders(context, page, publicBaseUrl) };
    },
    listTariffs: async ({ query, context }) => {
      const page = await tariffs.list(pageOf(query));
      return { status: 200, body: page.items as unknown as Tariff[], headers: paginationHeaders(context, page, publicBaseUrl) };
    },
    listReservations: async ({ query, context }) => {
      const page = await domain.reservations.list(pageOf(query), { status: query.status });
      return { status: 200, body: page.items.map(reservationView), headers: paginationHeaders(context, page, publicBaseUrl) };
    },
    lookupTariff: async ({ path }) => ({ status: 200, body: (await tariffs.get(path.tariffId)) as unknown as Tariff }),
    putTariff: async ({ path, body }) => {
      const { tariff, created } = await tariffs.put(path.tariffId, body as unknown as TariffDocument);
      return { status: created ? 201 : 200, body: tariff as unknown as Tariff };
    },
    deleteTariff: async ({ path }) => {
      await tariffs.delete(path.tariffId);
      return { status: 204 };
    },
    callChargeStation: async ({ path, body }) => {
      await stations.assertRegistered(path.csId);
      const ocppVersion = stationLink.connectedVersion(path.csId) as 'ocpp1.6' | 'ocpp2.0.1' | undefined;
      const timeoutMs = body.timeoutSeconds !== undefined ? body.timeoutSeconds * 1000 : undefined;
      try {
        const response = await stationLink.call(path.csId, body.action, body.payload, { timeoutMs });
        return { status: 200, body: { action: body.action, ocppVersion: ocppVersion!, status: 'Answered', response } };
      } catch (error) {
        if (!(error instanceof StationCallError)) throw error;
        const result = { errorCode: error.code, errorDescription: error.description };
        return { status: 200, body: { action: body.action, ocppVersion: ocppVersion!, status: 'CallError', ...result } };
      }
    },
    listChargeStationCalls: async ({ path, query, context }) => {
      await stations.assertRegistered(path.csId);
      const page = await stationCalls.list(path.csId, pageOf(query));
      return { status: 200, body: page.items.map(recordedCallView), headers: paginationHeaders(context, page, publicBaseUrl) };
    },
    listChargeStationConnectors: async ({ path }) => {
      await stations.assertRegistered(path.csId);
      return { status: 200, body: (await connectorStatuses.ofStation(path.csId)).map(connectorStatusView) };
    },
    listChargeStationEvents: async ({ path, query, context }) => {
      await stations.assertRegistered(path.csId);
      const page = await stationEvents.list(path.csId, pageOf(query), query.action);
      return { status: 200, body: page.items.map(eventView), headers: paginationHeaders(context, page, publicBaseUrl) };
    },
    listChargeStationTransactions: async ({ path, query, context }) => {
      await stations.assertRegistered(path.csId);
      const page = await transactions.list(path.csId, pageOf(query));
      return { status: 200, body: page.items.map(transactionView), headers: paginationHeaders(context, page, publicBaseUrl) };
    },
    lookupTransaction: async ({ path }) => {
      const { transaction, meterValues } = await transactions.get(path.transactionId);
      return {
        status: 200,
        body: { transaction: transactionView(transaction), meterValues: meterValues.map(meterValueView) },
      };
    },
    listChargeStations: async ({ query, context }) => {
      const page = await stations.list(pageOf(query));
      return {
        status: 200,
        body: page.items.map(chargeStationView),
        headers: paginationHeaders(context, page, publicBaseUrl),
      };
    },
    lookupChargeStation: async ({ path }) => ({
      status: 200,
      body: chargeStationView(await stations.get(path.csId)),
    }),
    registerChargeStation: async ({ path, body }) => {
      await stations.register(path.csId, {
        securityProfile: body.securityProfile,
        passwordHash: body.base64SHA256Password,
        invalidUsernameAllowed: body.invalidUsernameAllowed ?? false,
      });
      return { status: 201 };
    },
    reconfigureChargeStation: async ({ path, query, body }) => {
      const payload = { settings: body, reboot: query.reboot ?? false };
      return { status: 200, body: requestView(await stations.addRequest(path.csId, 'reconfigure', payload)) };
    },
    installChargeStationCertificates: async ({ path, body }) => {
      const certificatesToInstall = body.certificates.map((certificate) => ({
        ...certificate,
        status: certificate.status ?? 'Pending',
      }));
      const request = await stations.addRequest(path.csId, 'certificates', { certificates: certificatesToInstall });
      return { status: 200, body: requestView(request) };
    },
    lookupChargeStationAuth: async ({ path }) => {
      const auth = await stations.auth(path.csId);
      return {
        status: 200,
        body: {
          securityProfile: auth.securityProfile,
          ...(auth.passwordHash !== undefined && { base64SHA256Password: auth.passwordHash }),
          invalidUsernameAllowed: auth.invalidUsernameAllowed,
        },
      };
    },
    triggerChargeStation: async ({ path, body }) => ({
      status: 200,
      body: requestView(await stations.addRequest(path.csId, 'trigger', { trigger: body.trigger })),
    }),
    listChargeStationRequests: async ({ path, query, context }) => {
      const page = await stations.listRequests(path.csId, pageOf(query), query.status);
      return {
        status: 200,
        body: page.items.map(requestView),
        headers: paginationHeaders(context, page, publicBaseUrl),
      };
    },
    lookupChargeStationRequest: async ({ path }) => ({
      status: 200,
      body: requestView(await stations.getRequest(path.csId, path.requestId)),
    }),
    listTokens: async ({ query, context }) => {
      const page = await tokens.list(pageOf(query));
      return { status: 200, body: page.items.map(tokenView), headers: paginationHeaders(context, page, publicBaseUrl) };
    },
    setToken: async ({ body }) => {
      await tokens.upsert({
        countryCode: body.countryCode,
        partyId: body.partyId,
        type: body.type,
        uid: body.uid,
        contractId: body.contractId,
        visualNumber: body.visualNumber ?? null,
        issuer: body.issuer,
        groupId: body.groupId ?? null,
        valid: body.valid,
        languageCode: body.languageCode ?? null,
        cacheMode: body.cacheMode,
        expiresAt: body.expiryDate ? new Date(body.expiryDate) : null,
      });
      return { status: 201 };
    },
    lookupToken: async ({ path }) => ({ status: 200, body: tokenView(await tokens.get(path.tokenUid)) }),
    deleteToken: async ({ path }) => {
      await tokens.delete(path.tokenUid);
      return { status: 204 };
    },
    uploadCertificate: async ({ body, context }) => {
      const hash = await certificates.upload(body.certificate);
      const location = new URL(context.req.url).pathname.replace(/\/$/, '') + '/' + encodeURIComponent(hash);
      return { status: 201, headers: { Location: location } };
    },
    lookupCertificate: async ({ path }) => ({
      status: 200,
      body: { certificate: (await certificates.get(path.certificateHash)).pem },
    }),
    deleteCertificate: async ({ path }) => {
      await certificates.delete(path.certificateHash);
      return { status: 204 };
    },
    registerParty: async ({ body }) => {
      await parties.register({ token: body.token, versionsUrl: body.url, status: body.status ?? 'PENDING', rawTokens: body.rawTokens });
      return { status: 201 };
    },
    listLocations: async ({ query, context }) => {
      const page = await locations.list(pageOf(query));
      return {
        status: 200,
        body: page.items.map(locationView),
        headers: paginationHeaders(context, page, publicBaseUrl),
      };
    },
    lookupLocation: async ({ path }) => ({ status: 200, body: locationView(await locations.get(path.locationId)) }),
    registerLocation: async ({ path, body }) => {
      await locations.register(path.locationId, locationInput(body));
      return { status: 201 };
    },
  };
}
