/**
 * What passes over a charge station's connection: a call the operator makes to it directly, the calls recorded on
 * it, and the events and connector statuses it reported.
 */
import type { ConnectorStatus } from '../../domain/connector-status.js';
import type { Domain } from '../../domain/index.js';
import { StationCallError, type StationCall, type StationLink } from '../../domain/station-calls.js';
import type { StationEvent } from '../../domain/station-events.js';
import { iso, pageAnswer, pageOf, type AdminHandlers, type Schemas } from './shared.js';

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

type TrafficOperations = 'callChargeStation' | 'listChargeStationCalls' | 'listChargeStationConnectors' | 'listChargeStationEvents';

export function stationTrafficHandlers({
  stations,
  stationCalls,
  connectorStatuses,
  stationEvents,
  stationLink,
  publicBaseUrl,
}: Pick<Domain, 'stations' | 'stationCalls' | 'connectorStatuses' | 'stationEvents'> & {
  stationLink: StationLink;
  publicBaseUrl: string;
}): AdminHandlers<TrafficOperations> {
  return {
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
      return pageAnswer(context, await stationCalls.list(path.csId, pageOf(query)), recordedCallView, publicBaseUrl);
    },
    listChargeStationConnectors: async ({ path }) => {
      await stations.assertRegistered(path.csId);
      return { status: 200, body: (await connectorStatuses.ofStation(path.csId)).map(connectorStatusView) };
    },
    listChargeStationEvents: async ({ path, query, context }) => {
      await stations.assertRegistered(path.csId);
      return pageAnswer(context, await stationEvents.list(path.csId, pageOf(query), query.action), eventView, publicBaseUrl);
    },
  };
}
