/**
 * Station state an operator manages: availability (ChangeAvailability, kept and shown to OCPI partners) and the
 * station-control operations ClearCache, Reset, UnlockConnector and TriggerMessage, each worded for the version the
 * station speaks (station-operation.ts).
 */
import type { AvailabilityEntry, Availabilities } from '../../domain/availability.js';
import { InvalidStationCallError } from '../../domain/station-calls.js';
import { answerStatus, operateStation, type OperationDeps } from './station-operation.js';
import type { AdminHandlers, Schemas } from './shared.js';

type ControlOperations =
  | 'listChargeStationAvailability'
  | 'changeChargeStationAvailability'
  | 'clearChargeStationCache'
  | 'resetChargeStation'
  | 'unlockChargeStationConnector'
  | 'triggerChargeStationMessage';

/** Answers the station's status for ChangeAvailability that are kept (anything else is not an answer to keep). */
const AVAILABILITY_ANSWERS = new Set(['Accepted', 'Scheduled', 'Rejected']);

const RESET_TYPES = { 'ocpp2.0.1': ['Immediate', 'OnIdle'], 'ocpp1.6': ['Hard', 'Soft'] } as const;

/** OCPP 1.6 has one connector per connectorId; a connector inside an EVSE is a 2.0.1 notion. */
function noConnectorOn16(connectorId: number | undefined): void {
  if (connectorId !== undefined) {
    throw new InvalidStationCallError('body.connectorId: OCPP 1.6 has no connector within an EVSE; name the 1.6 connector by evseId');
  }
}

function availabilityView(entry: AvailabilityEntry): Schemas['AvailabilityEntry'] {
  return {
    evseId: entry.evseId,
    connectorId: entry.connectorId,
    operative: entry.operative,
    status: entry.status,
    updatedAt: entry.updatedAt.toISOString(),
  };
}

export function stationControlHandlers(deps: OperationDeps & { availability: Availabilities }): AdminHandlers<ControlOperations> {
  const { stations, availability } = deps;
  return {
    listChargeStationAvailability: async ({ path }) => {
      await stations.assertRegistered(path.csId);
      return { status: 200, body: (await availability.ofStation(path.csId)).map(availabilityView) };
    },
    changeChargeStationAvailability: async ({ path, body }) => {
      const evseId = body.evseId ?? 0;
      const { connectorId } = body;
      if (connectorId !== undefined && evseId === 0) throw new InvalidStationCallError('body.connectorId needs the evseId of its EVSE');
      const operationalStatus = body.operative ? 'Operative' : 'Inoperative';
      const answer = await operateStation(deps, path.csId, 'ChangeAvailability', {
        'ocpp2.0.1': () => ({
          action: 'ChangeAvailability',
          payload: { operationalStatus, ...(evseId > 0 && { evse: { id: evseId, ...(connectorId !== undefined && { connectorId }) } }) },
        }),
        'ocpp1.6': () => {
          noConnectorOn16(connectorId);
          return { action: 'ChangeAvailability', payload: { connectorId: evseId, type: operationalStatus } };
        },
      });
      const status = answerStatus(answer);
      const kept =
        status !== undefined && AVAILABILITY_ANSWERS.has(status)
          ? await availability.record({ stationId: path.csId, evseId, connectorId: connectorId ?? 0, operative: body.operative, status })
          : undefined;
      return { status: 200, body: { availability: kept ? availabilityView(kept) : null, answer } };
    },
    clearChargeStationCache: async ({ path }) => {
      const form = () => ({ action: 'ClearCache', payload: {} });
      return { status: 200, body: await operateStation(deps, path.csId, 'ClearCache', { 'ocpp2.0.1': form, 'ocpp1.6': form }) };
    },
    resetChargeStation: async ({ path, body }) => {
      const typeFor = (version: keyof typeof RESET_TYPES) => {
        const types: readonly string[] = RESET_TYPES[version];
        if (!types.includes(body.type)) {
          throw new InvalidStationCallError(`body.type: a station on ${version} is reset ${types.join(' or ')}, not ${body.type}`);
        }
        return body.type;
      };
      const answer = await operateStation(deps, path.csId, 'Reset', {
        'ocpp2.0.1': () => ({ action: 'Reset', payload: { type: typeFor('ocpp2.0.1'), ...(body.evseId !== undefined && { evseId: body.evseId }) } }),
        'ocpp1.6': () => {
          if (body.evseId !== undefined) throw new InvalidStationCallError('body.evseId: OCPP 1.6 resets the whole station');
          return { action: 'Reset', payload: { type: typeFor('ocpp1.6') } };
        },
      });
      return { status: 200, body: answer };
    },
    unlockChargeStationConnector: async ({ path, body }) => {
      const answer = await operateStation(deps, path.csId, 'UnlockConnector', {
        'ocpp2.0.1': () => {
          if (body.connectorId === undefined) throw new InvalidStationCallError('body.connectorId is required for an OCPP 2.0.1 station');
          return { action: 'UnlockConnector', payload: { evseId: body.evseId, connectorId: body.connectorId } };
        },
        'ocpp1.6': () => {
          noConnectorOn16(body.connectorId);
          return { action: 'UnlockConnector', payload: { connectorId: body.evseId } };
        },
      });
      return { status: 200, body: answer };
    },
    triggerChargeStationMessage: async ({ path, body }) => {
      const { requestedMessage, evseId, connectorId } = body;
      if (connectorId !== undefined && evseId === undefined) throw new InvalidStationCallError('body.connectorId needs the evseId of its EVSE');
      // A message the version cannot be asked for fails the gateway's schema check: 400 naming the version.
      const answer = await operateStation(deps, path.csId, 'TriggerMessage', {
        'ocpp2.0.1': () => ({
          action: 'TriggerMessage',
          payload: { requestedMessage, ...(evseId !== undefined && { evse: { id: evseId, ...(connectorId !== undefined && { connectorId }) } }) },
        }),
        'ocpp1.6': () => {
          noConnectorOn16(connectorId);
          return { action: 'TriggerMessage', payload: { requestedMessage, ...(evseId !== undefined && { connectorId: evseId }) } };
        },
      });
      return { status: 200, body: answer };
    },
  };
}
