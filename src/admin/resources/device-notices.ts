/** What stations report on their own: device events (NotifyEvent) and charging notices, and the profile report. */
import type { ChargingNotice } from '../../domain/charging-notices.js';
import type { DeviceEvent } from '../../domain/device-events.js';
import type { Domain } from '../../domain/index.js';
import type { StationLink } from '../../domain/station-calls.js';
import { startJob } from './station-job-start.js';
import { pageAnswer, pageOf, type AdminHandlers, type Schemas } from './shared.js';

function deviceEventView(event: DeviceEvent): Schemas['DeviceEvent'] {
  return {
    id: event.id,
    eventId: event.eventId,
    occurredAt: event.occurredAt.toISOString(),
    trigger: event.trigger as Schemas['DeviceEvent']['trigger'],
    cause: event.cause,
    actualValue: event.actualValue,
    techCode: event.techCode,
    techInfo: event.techInfo,
    cleared: event.cleared,
    transactionId: event.transactionId,
    variableMonitoringId: event.variableMonitoringId,
    eventNotificationType: event.eventNotificationType,
    component: event.component,
    componentInstance: event.componentInstance || null,
    evseId: event.evseId || null,
    connectorId: event.connectorId || null,
    variable: event.variable,
    variableInstance: event.variableInstance || null,
    problem: event.problem,
    generatedAt: event.generatedAt.toISOString(),
    receivedAt: event.receivedAt.toISOString(),
  };
}

function chargingNoticeView(notice: ChargingNotice): Schemas['ChargingNotice'] {
  return {
    id: notice.id,
    kind: notice.kind as Schemas['ChargingNotice']['kind'],
    evseId: notice.evseId,
    transactionId: notice.transactionId,
    source: notice.source,
    payload: notice.payload,
    receivedAt: notice.receivedAt.toISOString(),
  };
}

type NoticeOperations = 'listChargeStationDeviceEvents' | 'listChargeStationChargingNotices' | 'requestChargeStationChargingProfiles';

export function deviceNoticesHandlers(
  deps: Pick<Domain, 'stations' | 'deviceEvents' | 'chargingNotices' | 'stationJobs'> & { stationLink: StationLink; publicBaseUrl: string },
): AdminHandlers<NoticeOperations> {
  const { stations, deviceEvents, chargingNotices, publicBaseUrl } = deps;
  return {
    listChargeStationDeviceEvents: async ({ path, query, context }) => {
      await stations.assertRegistered(path.csId);
      const filter = { problem: query.problem, component: query.component, variable: query.variable, since: query.since !== undefined ? new Date(query.since) : undefined };
      return pageAnswer(context, await deviceEvents.list(path.csId, filter, pageOf(query)), deviceEventView, publicBaseUrl);
    },

    listChargeStationChargingNotices: async ({ path, query, context }) => {
      await stations.assertRegistered(path.csId);
      const filter = { kind: query.kind, evseId: query.evseId, transactionId: query.transactionId };
      return pageAnswer(context, await chargingNotices.list(path.csId, filter, pageOf(query)), chargingNoticeView, publicBaseUrl);
    },

    requestChargeStationChargingProfiles: async ({ path, body }) => {
      const criterion = {
        ...(body.chargingProfilePurpose && { chargingProfilePurpose: body.chargingProfilePurpose }),
        ...(body.stackLevel !== undefined && { stackLevel: body.stackLevel }),
        ...(body.chargingProfileIds && { chargingProfileId: body.chargingProfileIds }),
        ...(body.chargingLimitSources && { chargingLimitSource: body.chargingLimitSources }),
      };
      return startJob(deps, path.csId, {
        kind: 'ChargingProfiles',
        operation: 'GetChargingProfiles',
        forms: {
          'ocpp2.0.1': (job) => ({
            action: 'GetChargingProfiles',
            payload: { requestId: job.requestId!, ...(body.evseId !== undefined && { evseId: body.evseId }), chargingProfile: criterion },
          }),
        },
      });
    },
  };
}
