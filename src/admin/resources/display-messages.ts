/** Display messages (OCPP 2.0.1 O01–O04): set, listed, reported and cleared. */
import type { Domain } from '../../domain/index.js';
import type { DisplayMessage, DisplayMessageInput, DisplayPlace } from '../../domain/display-messages.js';
import type { StationLink } from '../../domain/station-calls.js';
import { iso, pageAnswer, pageOf, type AdminHandlers, type Schemas } from './shared.js';
import { statusOf } from './station-job-start.js';
import { call201, startJob201 } from './v201-operation.js';

type Operations =
  | 'listChargeStationDisplayMessages'
  | 'setChargeStationDisplayMessage'
  | 'requestChargeStationDisplayMessages'
  | 'clearChargeStationDisplayMessage';

function placeView(place: DisplayPlace): Schemas['DisplayPlace'] {
  return {
    component: place.name,
    ...(place.instance !== undefined && { componentInstance: place.instance }),
    ...(place.evseId !== undefined && { evseId: place.evseId }),
    ...(place.connectorId !== undefined && { connectorId: place.connectorId }),
  };
}

function displayMessageView(message: DisplayMessage): Schemas['DisplayMessage'] {
  return {
    id: message.messageId,
    priority: message.priority as Schemas['MessagePriority'],
    state: message.state as Schemas['MessageState'] | null,
    startAt: iso(message.startAt),
    endAt: iso(message.endAt),
    transactionId: message.transactionId,
    message: message.message as Schemas['MessageContent'],
    display: message.display ? placeView(message.display) : null,
    status: message.status,
    updatedAt: message.updatedAt.toISOString(),
  };
}

function placeOf(display: Schemas['DisplayPlace']): DisplayPlace {
  return {
    name: display.component,
    ...(display.componentInstance !== undefined && { instance: display.componentInstance }),
    ...(display.evseId !== undefined && { evseId: display.evseId }),
    ...(display.connectorId !== undefined && { connectorId: display.connectorId }),
  };
}

/** SetDisplayMessageRequest's MessageInfoType. */
function messageInfo(message: DisplayMessageInput): Record<string, unknown> {
  const { display } = message;
  return {
    id: message.messageId,
    priority: message.priority,
    ...(message.state !== null && { state: message.state }),
    ...(message.startAt && { startDateTime: message.startAt.toISOString() }),
    ...(message.endAt && { endDateTime: message.endAt.toISOString() }),
    ...(message.transactionId !== null && { transactionId: message.transactionId }),
    message: message.message,
    ...(display && {
      display: {
        name: display.name,
        ...(display.instance !== undefined && { instance: display.instance }),
        ...(display.evseId !== undefined && {
          evse: { id: display.evseId, ...(display.connectorId !== undefined && { connectorId: display.connectorId }) },
        }),
      },
    }),
  };
}

export function displayMessagesHandlers(
  deps: Pick<Domain, 'stations' | 'displayMessages' | 'stationJobs'> & { stationLink: StationLink; publicBaseUrl: string },
): AdminHandlers<Operations> {
  const { stations, displayMessages, publicBaseUrl } = deps;
  return {
    listChargeStationDisplayMessages: async ({ path, query, context }) => {
      await stations.assertRegistered(path.csId);
      return pageAnswer(context, await displayMessages.list(path.csId, pageOf(query)), displayMessageView, publicBaseUrl);
    },

    setChargeStationDisplayMessage: async ({ path, body }) => {
      const input: DisplayMessageInput = {
        messageId: body.id ?? (await displayMessages.freeId(path.csId)),
        priority: body.priority,
        state: body.state ?? null,
        startAt: body.startAt !== undefined ? new Date(body.startAt) : null,
        endAt: body.endAt !== undefined ? new Date(body.endAt) : null,
        transactionId: body.transactionId ?? null,
        message: body.message,
        display: body.display ? placeOf(body.display) : null,
      };
      const answer = await call201(deps, path.csId, 'SetDisplayMessage', { message: messageInfo(input) });
      const status = statusOf(answer);
      const message = status === 'CallError' ? null : displayMessageView(await displayMessages.set(path.csId, input, status));
      return { status: 200, body: { message, answer } };
    },

    requestChargeStationDisplayMessages: async ({ path, body }) =>
      startJob201(deps, path.csId, 'DisplayMessages', 'GetDisplayMessages', (requestId) => ({
        requestId,
        ...(body.ids && { id: body.ids }),
        ...(body.priority && { priority: body.priority }),
        ...(body.state && { state: body.state }),
      })),

    clearChargeStationDisplayMessage: async ({ path }) => {
      const answer = await call201(deps, path.csId, 'ClearDisplayMessage', { id: path.messageId });
      const status = statusOf(answer);
      const removed = status === 'Accepted' || status === 'Unknown' ? await displayMessages.remove(path.csId, path.messageId) : false;
      return { status: 200, body: { removed, answer } };
    },
  };
}
