/**
 * Reservations: an EVSE (or a whole station) held for a token until an expiry time. The partner names its
 * reservation with its own id, unique per issuing party; the station is given this store's `id`, so no partner can
 * reach another partner's reservation on a station. A reservation is open while REQUESTED (the station has not
 * answered yet) or ACTIVE (the station holds it); it ends REJECTED, CANCELLED, EXPIRED or USED.
 */
import { PeriodicSweep } from './periodic-sweep.js';
import { randomUUID } from 'node:crypto';
import { and, count, desc, eq, inArray, isNull, lte, or, sql } from 'drizzle-orm';
import type { Database } from '../db/client.js';
import { evses, reservations, type reservationStatuses } from '../db/schema.js';
import { NotFoundError } from './errors.js';
import type { Page, PageRequest } from './pagination.js';
import type { TokenType } from './token-id-tags.js';

export type Reservation = typeof reservations.$inferSelect;
export type ReservationStatus = (typeof reservationStatuses)[number];

export const OPEN_RESERVATION: ReservationStatus[] = ['REQUESTED', 'ACTIVE'];
export const isOpen = (reservation: Reservation) => OPEN_RESERVATION.includes(reservation.status);

export interface ReservationRequest {
  partnerId: number | null;
  /** the party that issued the token, which owns the reservation */
  countryCode: string;
  partyId: string;
  /** the party's own id of the reservation */
  reservationId: string;
  tokenUid: string;
  /** the token's type when it is one of the token store (a partner's); null for the operator's */
  tokenType: TokenType | null;
  authorizationReference: string | null;
  /** null for a station at no location (the operator's reservations only) */
  locationId: string | null;
  /** null: the station as a whole */
  evseUid: string | null;
  stationId: string;
  /** OCPP 1.6 connectorId / OCPP 2.0.1 evseId; 0 for the station as a whole */
  ocppEvseId: number;
  expiresAt: Date;
}

/** What the operator reserves: an EVSE of a station (0: any) for a token until a time. */
export interface OperatorReservationRequest {
  stationId: string;
  ocppEvseId: number;
  tokenUid: string;
  expiresAt: Date;
}

export interface PartyKey {
  countryCode: string;
  partyId: string;
}

const openStatus = inArray(reservations.status, OPEN_RESERVATION);

export class Reservations {
  private readonly sweeper = new PeriodicSweep(() => this.expireDue());

  constructor(
    private readonly db: Database,
    /** the CPO's own party: the owner of the reservations the operator makes */
    private readonly cpo: PartyKey,
  ) {}

  /**
   * Stores the operator's reservation as REQUESTED: owned by the CPO itself, with an id of its own, at the station's
   * location (and EVSE) when the station is mapped to one.
   */
  async requestByOperator(input: OperatorReservationRequest): Promise<Reservation> {
    const published = await this.db
      .select({ uid: evses.uid, locationId: evses.locationId, ocppEvseId: evses.ocppEvseId })
      .from(evses)
      .where(and(eq(evses.stationId, input.stationId), isNull(evses.removedAt)));
    const evse = input.ocppEvseId > 0 ? published.find((candidate) => candidate.ocppEvseId === input.ocppEvseId) : undefined;
    const { reservation } = await this.request({
      partnerId: null,
      countryCode: this.cpo.countryCode,
      partyId: this.cpo.partyId,
      reservationId: randomUUID(),
      tokenUid: input.tokenUid,
      tokenType: null,
      authorizationReference: null,
      locationId: evse?.locationId ?? published[0]?.locationId ?? null,
      evseUid: evse?.uid ?? null,
      stationId: input.stationId,
      ocppEvseId: input.ocppEvseId,
      expiresAt: input.expiresAt,
    });
    return reservation;
  }

  /** A reservation at a station, by the id the station was given. */
  async atStation(stationId: string, id: number): Promise<Reservation> {
    const [reservation] = await this.db
      .select()
      .from(reservations)
      .where(and(eq(reservations.id, id), eq(reservations.stationId, stationId)));
    if (!reservation) throw new NotFoundError(`reservation ${id} at charge station ${stationId} not found`);
    return reservation;
  }

  /**
   * Stores a reservation as REQUESTED. The same reservation id from the same party replaces the earlier
   * reservation, which keeps its station reservation id (a station given the same id replaces its reservation
   * too); `replaced` is the earlier reservation as it was.
   */
  async request(input: ReservationRequest): Promise<{ reservation: Reservation; replaced?: Reservation }> {
    const row = {
      ...input,
      countryCode: input.countryCode.toUpperCase(),
      partyId: input.partyId.toUpperCase(),
      status: 'REQUESTED' as const,
      transactionId: null,
      updatedAt: new Date(),
    };
    return this.db.transaction(async (tx) => {
      const [replaced] = await tx
        .select()
        .from(reservations)
        .where(and(eq(reservations.countryCode, row.countryCode), eq(reservations.partyId, row.partyId), eq(reservations.reservationId, row.reservationId)))
        .for('update');
      const [reservation] = await tx
        .insert(reservations)
        .values(row)
        .onConflictDoUpdate({ target: [reservations.countryCode, reservations.partyId, reservations.reservationId], set: row })
        .returning();
      return { reservation, ...(replaced && { replaced }) };
    });
  }

  /**
   * Records the station's answer to a reservation request: it holds (ACTIVE) or it refused (REJECTED). Applies only
   * while the request is the one the answer is about (not replaced since, not cancelled or used meanwhile).
   */
  async settle(requested: Reservation, status: 'ACTIVE' | 'REJECTED'): Promise<boolean> {
    const settled = await this.db
      .update(reservations)
      .set({ status, updatedAt: new Date() })
      .where(and(eq(reservations.id, requested.id), eq(reservations.updatedAt, requested.updatedAt), eq(reservations.status, 'REQUESTED')))
      .returning({ id: reservations.id });
    return settled.length > 0;
  }

  /**
   * The reservation a party (one of `owners`) knows by its own id; an open one first when several of the owners
   * used the same id.
   */
  async ofParties(owners: PartyKey[], reservationId: string): Promise<Reservation | undefined> {
    if (owners.length === 0) return undefined;
    const ownedBy = or(
      ...owners.map((owner) => and(eq(reservations.countryCode, owner.countryCode.toUpperCase()), eq(reservations.partyId, owner.partyId.toUpperCase()))),
    );
    const rows = await this.db
      .select()
      .from(reservations)
      .where(and(eq(reservations.reservationId, reservationId), ownedBy))
      .orderBy(sql`${openStatus} desc`, desc(reservations.updatedAt));
    return rows[0];
  }

  /** The station cancelled the reservation at the CSMS's request. */
  async cancelled(id: number): Promise<boolean> {
    return this.end(id, 'CANCELLED');
  }

  /**
   * A transaction started with the reservation's id at its station: the reservation is used. An EXPIRED one may be
   * used still (the station's clock decides when it lets the reservation go), an ended one otherwise not.
   */
  async use(stationId: string, id: number, transactionId: number): Promise<boolean> {
    const used = await this.db
      .update(reservations)
      .set({ status: 'USED', transactionId, updatedAt: new Date() })
      .where(and(eq(reservations.id, id), eq(reservations.stationId, stationId), inArray(reservations.status, [...OPEN_RESERVATION, 'EXPIRED'])))
      .returning({ id: reservations.id });
    return used.length > 0;
  }

  /** The station reports that it let an open reservation go (OCPP 2.0.1 ReservationStatusUpdate). */
  async endedByStation(stationId: string, id: number, status: 'EXPIRED' | 'CANCELLED'): Promise<boolean> {
    return this.end(id, status, stationId);
  }

  /** Open reservations past their expiry become EXPIRED; how many did. */
  async expireDue(now = new Date()): Promise<number> {
    const expired = await this.db
      .update(reservations)
      .set({ status: 'EXPIRED', updatedAt: now })
      .where(and(openStatus, lte(reservations.expiresAt, now)))
      .returning({ id: reservations.id });
    return expired.length;
  }

  /** Expires due reservations every `intervalMs` until `stopSweeper`; the timer does not keep the process alive. */
  startSweeper(intervalMs: number, onError: (error: unknown) => void = () => {}): void {
    this.sweeper.start(intervalMs, onError);
  }

  /** Stops the sweeper and waits for a sweep under way. */
  stopSweeper(): Promise<void> {
    return this.sweeper.stop();
  }

  async list(page: PageRequest, filter: { status?: ReservationStatus } = {}): Promise<Page<Reservation>> {
    const where = filter.status ? eq(reservations.status, filter.status) : undefined;
    const items = await this.db.select().from(reservations).where(where).orderBy(desc(reservations.id)).offset(page.offset).limit(page.limit);
    const [{ total }] = await this.db.select({ total: count() }).from(reservations).where(where);
    return { items, total, ...page };
  }

  private async end(id: number, status: 'CANCELLED' | 'EXPIRED', stationId?: string): Promise<boolean> {
    const ended = await this.db
      .update(reservations)
      .set({ status, updatedAt: new Date() })
      .where(and(eq(reservations.id, id), openStatus, stationId === undefined ? undefined : eq(reservations.stationId, stationId)))
      .returning({ id: reservations.id });
    return ended.length > 0;
  }
}
