/** Reservations the operator makes and cancels at a station (ReserveNow, CancelReservation). */
import type { Domain } from '../../domain/index.js';
import { ConflictError, InvalidInputError } from '../../domain/errors.js';
import { idTokenTypeOf } from '../../domain/local-lists.js';
import { isOpen, type Reservation } from '../../domain/reservations.js';
import { preferredToken } from '../../domain/token-id-tags.js';
import { InvalidStationCallError, StationNotConnectedError } from '../../domain/station-calls.js';
import { reservationView } from './reservations.js';
import type { AdminHandlers } from './shared.js';
import { answerStatus, connectedVersion, operateStation, type OperationDeps, type StationAnswer } from './station-operation.js';

/** OCPP 1.6 idTag and parentIdTag: CiString20 */
const MAX_ID_TAG_16 = 20;

type Deps = Pick<Domain, 'reservations' | 'tokens'> & OperationDeps;

export function operatorReservationsHandlers(deps: Deps): AdminHandlers<'reserveChargeStation' | 'cancelChargeStationReservation'> {
  const { reservations, tokens } = deps;
  const result = (reservation: Reservation, answer: StationAnswer) => ({ reservation: reservationView(reservation), answer });

  return {
    reserveChargeStation: async ({ path, body }) => {
      const expiresAt = new Date(body.expiresAt);
      if (!(expiresAt.getTime() > Date.now())) throw new InvalidInputError('expiresAt has passed');
      const version = await connectedVersion(deps, path.csId);
      if (!version) throw new StationNotConnectedError(`charge station ${path.csId} is not connected`);
      if (version === 'ocpp1.6') {
        const tooLong = [body.idToken, body.groupIdToken].find((tag) => tag !== undefined && tag.length > MAX_ID_TAG_16);
        if (tooLong) throw new InvalidStationCallError(`${tooLong} is longer than the ${MAX_ID_TAG_16} characters of an OCPP 1.6 idTag`);
      }
      const stored = preferredToken(await tokens.withUid(body.idToken), body.idToken);
      const type = body.type ?? (stored ? idTokenTypeOf(stored) : 'ISO14443');
      // Stored before the station is asked, so a transaction it starts for the reservation finds it on any node.
      const requested = await reservations.requestByOperator({ stationId: path.csId, ocppEvseId: body.evseId, tokenUid: body.idToken, expiresAt });
      const expiry = expiresAt.toISOString();
      let answer: StationAnswer;
      try {
        answer = await operateStation(deps, path.csId, 'ReserveNow', {
          'ocpp1.6': () => ({
            action: 'ReserveNow',
            payload: {
              connectorId: body.evseId,
              expiryDate: expiry,
              idTag: body.idToken,
              reservationId: requested.id,
              ...(body.groupIdToken && { parentIdTag: body.groupIdToken }),
            },
          }),
          'ocpp2.0.1': () => ({
            action: 'ReserveNow',
            payload: {
              id: requested.id,
              expiryDateTime: expiry,
              idToken: { idToken: body.idToken, type },
              ...(body.evseId > 0 && { evseId: body.evseId }),
              ...(body.groupIdToken && { groupIdToken: { idToken: body.groupIdToken, type: 'Central' } }),
            },
          }),
        });
      } catch (error) {
        await reservations.settle(requested, 'REJECTED');
        throw error;
      }
      await reservations.settle(requested, answerStatus(answer) === 'Accepted' ? 'ACTIVE' : 'REJECTED');
      return { status: 201, body: result(await reservations.atStation(path.csId, requested.id), answer) };
    },

    cancelChargeStationReservation: async ({ path }) => {
      await deps.stations.assertRegistered(path.csId);
      const reservation = await reservations.atStation(path.csId, path.reservationId);
      if (!isOpen(reservation)) throw new ConflictError(`reservation ${reservation.id} has ended (${reservation.status})`);
      const answer = await operateStation(deps, path.csId, 'CancelReservation', {
        'ocpp1.6': () => ({ action: 'CancelReservation', payload: { reservationId: reservation.id } }),
        'ocpp2.0.1': () => ({ action: 'CancelReservation', payload: { reservationId: reservation.id } }),
      });
      if (answerStatus(answer) === 'Accepted') await reservations.cancelled(reservation.id);
      return { status: 200, body: result(await reservations.atStation(path.csId, reservation.id), answer) };
    },
  };
}
