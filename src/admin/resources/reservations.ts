/** Reservations: what OCPI partners (RESERVE_NOW) and the operator reserved, newest first. */
import type { Domain } from '../../domain/index.js';
import type { Reservation } from '../../domain/reservations.js';
import { pageAnswer, pageOf, type AdminHandlers, type Schemas } from './shared.js';

export function reservationView(reservation: Reservation): Schemas['Reservation'] {
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

export function reservationsHandlers({
  reservations,
  publicBaseUrl,
}: Pick<Domain, 'reservations'> & { publicBaseUrl: string }): AdminHandlers<'listReservations'> {
  return {
    listReservations: async ({ query, context }) => {
      const page = await reservations.list(pageOf(query), { status: query.status });
      return pageAnswer(context, page, reservationView, publicBaseUrl);
    },
  };
}
