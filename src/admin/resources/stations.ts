/** Charge stations: registering them, their credentials, and the requests the operator queues for them. */
import type { Domain } from '../../domain/index.js';
import type { Station, StationRequest } from '../../domain/stations.js';
import { iso, pageAnswer, pageOf, type AdminHandlers, type Schemas } from './shared.js';

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

type StationOperations =
  | 'listChargeStations'
  | 'lookupChargeStation'
  | 'registerChargeStation'
  | 'lookupChargeStationAuth'
  | 'reconfigureChargeStation'
  | 'installChargeStationCertificates'
  | 'triggerChargeStation'
  | 'listChargeStationRequests'
  | 'lookupChargeStationRequest';

export function stationsHandlers({
  stations,
  publicBaseUrl,
}: Pick<Domain, 'stations'> & { publicBaseUrl: string }): AdminHandlers<StationOperations> {
  return {
    listChargeStations: async ({ query, context }) => pageAnswer(context, await stations.list(pageOf(query)), chargeStationView, publicBaseUrl),
    lookupChargeStation: async ({ path }) => ({ status: 200, body: chargeStationView(await stations.get(path.csId)) }),
    registerChargeStation: async ({ path, body }) => {
      await stations.register(path.csId, {
        securityProfile: body.securityProfile,
        passwordHash: body.base64SHA256Password,
        invalidUsernameAllowed: body.invalidUsernameAllowed ?? false,
      });
      return { status: 201 };
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
    triggerChargeStation: async ({ path, body }) => ({
      status: 200,
      body: requestView(await stations.addRequest(path.csId, 'trigger', { trigger: body.trigger })),
    }),
    listChargeStationRequests: async ({ path, query, context }) => {
      const page = await stations.listRequests(path.csId, pageOf(query), query.status);
      return pageAnswer(context, page, requestView, publicBaseUrl);
    },
    lookupChargeStationRequest: async ({ path }) => ({
      status: 200,
      body: requestView(await stations.getRequest(path.csId, path.requestId)),
    }),
  };
}
