/**
 * Commands receiver: a partner's START_SESSION, STOP_SESSION, UNLOCK_CONNECTOR, RESERVE_NOW and CANCEL_RESERVATION
 * become OCPP calls to the station. The HTTP answer is the CommandResponse at once: REJECTED when the command cannot
 * be sent (the station is not connected), in an OCPI 2003 envelope when the location is unknown. The station's outcome
 * is POSTed later to the partner's response_url as a CommandResult, also when it does not answer in time.
 */
import type { components } from '../../../generated/ocpi-2.2.1-cpo.js';
import type { components as EmspComponents } from '../../../generated/ocpi-2.2.1-emsp.js';
import { ConflictError } from '../../domain/errors.js';
import { addresseeOf, type Partner, type PartyKey } from '../../domain/parties.js';
import { isOpen, type Reservation } from '../../domain/reservations.js';
import type { StationLink } from '../../domain/station-calls.js';
import { idTagFor } from '../../domain/token-id-tags.js';
import type { OcpiContext } from '../context.js';
import { callStation, inBackground, responseClient, type StationOutcome, type VersionedStationCall } from '../deferred-results.js';
import { envelope, ocpiDate, ocpiRefusal, StatusCode } from '../transport.js';
import { requestIds } from './credentials.js';
import { actsForParty, callerOf, type Caller, type ModuleHandlers } from './shared.js';
import { storedToken } from './tokens.js';

type Schemas = components['schemas'];
export type CommandResponse = Schemas['CommandResponse'];
export type CommandResult = EmspComponents['schemas']['CommandResult'];
/** How a command's outcome reaches the partner: by default the 2.2.1 CommandResult POSTed to its response_url. */
export type ResultPoster = (partner: Partner, responseUrl: string, result: CommandResult) => Promise<void>;
type CommandResultType = CommandResult['result'];
type Outlet = { stationId: string; ocppEvseId: number; connectorId: string };
/** The CPO's answer to a command: its CommandResponse, and the OCPI status code of the envelope carrying it. */
export interface CommandAnswer {
  response: CommandResponse;
  statusCode: number;
}
/** What a reservation holds: one EVSE, or (ocppEvseId 0, no evseUid) a whole station. */
type Place = { stationId: string; ocppEvseId: number; evseUid: string | null };
type Token = Schemas['Token'];

const text = (message: string): Schemas['DisplayText'][] => [{ language: 'en', text: message }];
const tokenParty = (token: Token): PartyKey => ({ countryCode: token.country_code, partyId: token.party_id });

export interface CommandSettings {
  /** how long a station gets to answer, and what the CommandResponse promises */
  timeoutSeconds: number;
  /** how long after a START_SESSION a station's start that cannot name it (OCPP 1.6) is taken to answer it */
  remoteStartWindowSeconds: number;
}

function respond(result: Schemas['CommandResponseType'], settings: CommandSettings, message?: string): CommandAnswer {
  return { response: { result, timeout: settings.timeoutSeconds, ...(message && { message: text(message) }) }, statusCode: StatusCode.success };
}

/**
 * A command naming a location the CPO does not know: OCPI status 2003 with a REJECTED CommandResponse, in an HTTP 200
 * (the request is well-formed and reached the OCPI layer: status_codes; mod_commands' UNLOCK_CONNECTOR sequence).
 */
function unknownLocation(settings: CommandSettings, locationId: string): CommandAnswer {
  return { ...respond('REJECTED', settings, `unknown location ${locationId}`), statusCode: StatusCode.unknownLocation };
}

/** What the CommandResponse says when the station cannot be sent the command: it is not connected. */
const OFFLINE = 'the charge point is offline';

/** How a station's answer to the OCPP call reads as an OCPI command result. */
const RESULTS: Record<string, CommandResultType> = {
  Accepted: 'ACCEPTED',
  Rejected: 'REJECTED',
  Unlocked: 'ACCEPTED',
  UnlockFailed: 'FAILED',
  NotSupported: 'NOT_SUPPORTED',
  OngoingAuthorizedTransaction: 'REJECTED',
  UnknownConnector: 'REJECTED',
};

/** ReserveNow answers (OCPP 1.6 and 2.0.1 alike). */
const RESERVE_RESULTS: Record<string, CommandResultType> = {
  Accepted: 'ACCEPTED',
  Occupied: 'EVSE_OCCUPIED',
  Faulted: 'EVSE_INOPERATIVE',
  Unavailable: 'EVSE_INOPERATIVE',
  Rejected: 'REJECTED',
};

/** CancelReservation answers (OCPP 1.6 and 2.0.1 alike). */
const CANCEL_RESULTS: Record<string, CommandResultType> = {
  Accepted: 'CANCELED_RESERVATION',
  Rejected: 'REJECTED',
};

/** CALLERROR codes that say the station cannot do what it was asked. */
const UNSUPPORTED_CALL_ERRORS = ['NotImplemented', 'NotSupported'];

/** How the station's answer reads, and what to record of it before the partner is told. */
interface Outcome {
  results?: Record<string, CommandResultType>;
  record?: (result: CommandResultType) => Promise<unknown>;
}

/**
 * What came of calling the station, as an OCPI CommandResult: its status through `results` (FAILED for one the table
 * lacks), TIMEOUT when it did not answer in time, NOT_SUPPORTED for a CALLERROR saying it cannot, FAILED otherwise.
 */
export function commandResultOf(outcome: StationOutcome, results: Record<string, CommandResultType> = RESULTS): CommandResult {
  switch (outcome.kind) {
    case 'answered': {
      const status = String(outcome.answer.status);
      return { result: Object.hasOwn(results, status) ? results[status] : 'FAILED' };
    }
    case 'timeout':
      return { result: 'TIMEOUT', message: text(outcome.reason) };
    case 'call-error':
      return { result: UNSUPPORTED_CALL_ERRORS.includes(outcome.code) ? 'NOT_SUPPORTED' : 'FAILED', message: text(outcome.reason) };
    case 'offline':
    case 'failed':
      return { result: 'FAILED', message: text(outcome.reason) };
  }
}

export class CommandReceiver {
  constructor(
    private readonly ctx: OcpiContext,
    private readonly link: StationLink,
    private readonly settings: CommandSettings,
    /** another version's way of telling the outcome (OCPI 2.1.1) */
    private readonly resultPoster?: ResultPoster,
  ) {}

  async startSession(caller: Caller, body: Schemas['StartSession']): Promise<CommandAnswer> {
    const { partner } = caller;
    if (!actsForParty(caller, body.token.country_code, body.token.party_id)) return respond('REJECTED', this.settings, 'the token is not one of this party');
    const outlet = await this.outletOf(body.location_id, body.evse_uid, body.connector_id);
    if (outlet === 'unknown location') return unknownLocation(this.settings, body.location_id);
    if (!outlet) return respond('REJECTED', this.settings, 'unknown EVSE or connector');
    const version = this.link.connectedVersion(outlet.stationId);
    if (!version) return respond('REJECTED', this.settings, OFFLINE);
    const refusal = await this.adoptToken(partner, body.token);
    if (refusal) return respond('REJECTED', this.settings, refusal);
    // What the station is given: a uid too long for an OCPP 1.6 idTag goes as the token's station idTag.
    const idTag = idTagFor(version, body.token);
    // Recorded before the station is asked, so the transaction it starts (reported to any node) is known to answer it.
    const { remoteStarts } = this.ctx.domain;
    const remoteStart = await remoteStarts.record({
      stationId: outlet.stationId,
      ocppEvseId: outlet.ocppEvseId,
      idTag,
      tokenUid: body.token.uid,
      tokenType: body.token.type,
      partnerId: partner.id,
      authorizationReference: body.authorization_reference ?? null,
      expiresAt: new Date(Date.now() + this.settings.remoteStartWindowSeconds * 1000),
    });
    this.run(
      partner,
      body.response_url,
      tokenParty(body.token),
      outlet.stationId,
      (version) =>
        version === 'ocpp1.6'
          ? ['RemoteStartTransaction', { idTag, connectorId: outlet.ocppEvseId }]
          : ['RequestStartTransaction', { idToken: { idToken: body.token.uid, type: 'Central' }, remoteStartId: remoteStart.id, evseId: outlet.ocppEvseId }],
      { record: (result) => remoteStarts.settle(remoteStart.id, result) },
    );
    return respond('ACCEPTED', this.settings);
  }

  async stopSession(caller: Caller, body: Schemas['StopSession']): Promise<CommandAnswer> {
    const id = Number(body.session_id);
    const facts = Number.isInteger(id) && id > 0 ? await this.ctx.domain.chargingRecords.facts(id) : undefined;
    // Another party's session (one behind the same hub too) is as unknown as one that does not exist.
    if (!facts || !actsForParty(caller, facts.token.countryCode, facts.token.partyId)) return respond('UNKNOWN_SESSION', this.settings);
    if (facts.transaction.stoppedAt) return respond('REJECTED', this.settings, 'the session has ended');
    const { transaction } = facts;
    if (!this.link.connectedVersion(transaction.stationId)) return respond('REJECTED', this.settings, OFFLINE);
    this.run(caller.partner, body.response_url, facts.token, transaction.stationId, (version) =>
      version === 'ocpp1.6'
        ? ['RemoteStopTransaction', { transactionId: transaction.id }]
        : ['RequestStopTransaction', { transactionId: transaction.stationTransactionId ?? String(transaction.id) }],
    );
    return respond('ACCEPTED', this.settings);
  }

  async unlockConnector(caller: Caller, body: Schemas['UnlockConnector']): Promise<CommandAnswer> {
    const outlet = await this.outletOf(body.location_id, body.evse_uid, body.connector_id);
    if (outlet === 'unknown location') return unknownLocation(this.settings, body.location_id);
    if (!outlet) return respond('REJECTED', this.settings, 'unknown EVSE or connector');
    if (!this.link.connectedVersion(outlet.stationId)) return respond('REJECTED', this.settings, OFFLINE);
    this.run(caller.partner, body.response_url, caller.actingFor[0], outlet.stationId, (version) =>
      version === 'ocpp1.6'
        ? ['UnlockConnector', { connectorId: outlet.ocppEvseId }]
        : ['UnlockConnector', { evseId: outlet.ocppEvseId, connectorId: Number(outlet.connectorId) || 1 }],
    );
    return respond('ACCEPTED', this.settings);
  }

  /**
   * RESERVE_NOW: the reservation is stored (replacing the party's reservation with the same reservation_id) and
   * the station asked to hold it; the station's answer makes it ACTIVE or REJECTED.
   */
  async reserveNow(caller: Caller, body: Schemas['ReserveNow'], expiresAt: Date): Promise<CommandAnswer> {
    const { partner } = caller;
    if (!actsForParty(caller, body.token.country_code, body.token.party_id)) return respond('REJECTED', this.settings, 'the token is not one of this party');
    const place = await this.placeOf(body.location_id, body.evse_uid);
    if (place === 'unknown location') return unknownLocation(this.settings, body.location_id);
    if (typeof place === 'string') return respond('REJECTED', this.settings, place);
    if (!(expiresAt.getTime() > Date.now())) return respond('REJECTED', this.settings, 'expiry_date has passed');
    if (!this.link.connectedVersion(place.stationId)) return respond('REJECTED', this.settings, OFFLINE);
    const refusal = await this.adoptToken(partner, body.token);
    if (refusal) return respond('REJECTED', this.settings, refusal);
    const { reservations } = this.ctx.domain;
    const { reservation, replaced } = await reservations.request({
      partnerId: partner.id,
      countryCode: body.token.country_code,
      partyId: body.token.party_id,
      reservationId: body.reservation_id,
      tokenUid: body.token.uid,
      tokenType: body.token.type,
      authorizationReference: body.authorization_reference ?? null,
      locationId: body.location_id,
      ...place,
      expiresAt,
    });
    // Moved to another station: the one that held it is told to let it go (the new station gets the same id).
    if (replaced && isOpen(replaced) && replaced.stationId !== reservation.stationId) this.releaseAt(replaced);
    const { token } = body;
    const expiry = expiresAt.toISOString();
    this.run(
      partner,
      body.response_url,
      tokenParty(token),
      reservation.stationId,
      (version) =>
        version === 'ocpp1.6'
          ? [
              'ReserveNow',
              {
                connectorId: reservation.ocppEvseId,
                expiryDate: expiry,
                idTag: idTagFor(version, token),
                reservationId: reservation.id,
                ...(token.group_id && token.group_id.length <= 20 && { parentIdTag: token.group_id }),
              },
            ]
          : [
              'ReserveNow',
              {
                id: reservation.id,
                expiryDateTime: expiry,
                idToken: { idToken: token.uid, type: token.type === 'RFID' ? 'ISO14443' : 'Central' },
                ...(reservation.ocppEvseId > 0 && { evseId: reservation.ocppEvseId }),
                ...(token.group_id && { groupIdToken: { idToken: token.group_id, type: 'Central' } }),
              },
            ],
      { results: RESERVE_RESULTS, record: (result) => reservations.settle(reservation, result === 'ACCEPTED' ? 'ACTIVE' : 'REJECTED') },
    );
    return respond('ACCEPTED', this.settings);
  }

  /**
   * CANCEL_RESERVATION of one of the caller's open reservations. An unknown or ended one is answered ACCEPTED and
   * UNKNOWN_RESERVATION is POSTed: the CommandResponse has no value for it, the CommandResult has.
   */
  async cancelReservation(caller: Caller, body: Schemas['CancelReservation']): Promise<CommandAnswer> {
    const { partner } = caller;
    const { reservations } = this.ctx.domain;
    const reservation = await reservations.ofParties(caller.actingFor, body.reservation_id);
    if (!reservation || !isOpen(reservation)) {
      const message = reservation ? `the reservation has ended (${reservation.status})` : 'no such reservation';
      inBackground(this.ctx.logger, { partnerId: partner.id }, 'command', () =>
        this.postResult(partner, body.response_url, reservation ?? caller.actingFor[0], { result: 'UNKNOWN_RESERVATION', message: text(message) }),
      );
      return respond('ACCEPTED', this.settings);
    }
    if (!this.link.connectedVersion(reservation.stationId)) return respond('REJECTED', this.settings, OFFLINE);
    this.run(partner, body.response_url, reservation, reservation.stationId, () => ['CancelReservation', { reservationId: reservation.id }], {
      results: CANCEL_RESULTS,
      record: async (result) => result === 'CANCELED_RESERVATION' && reservations.cancelled(reservation.id),
    });
    return respond('ACCEPTED', this.settings);
  }

  /** Where a reservation goes: the EVSE named, or without one the station all the location's EVSEs are on. */
  private async placeOf(locationId: string, evseUid?: string): Promise<Place | string> {
    const location = await this.ctx.domain.locations.get(locationId).catch(() => undefined);
    if (!location) return 'unknown location';
    const evses = location.evses.filter((candidate) => candidate.status !== 'REMOVED');
    if (evseUid !== undefined) {
      const evse = evses.find((candidate) => candidate.uid === evseUid);
      return evse ? { stationId: evse.stationId, ocppEvseId: evse.ocppEvseId, evseUid: evse.uid } : 'unknown EVSE';
    }
    const stations = new Set(evses.map((evse) => evse.stationId));
    if (stations.size === 0) return 'the location has no EVSE';
    if (stations.size > 1) return 'the location has EVSEs on several charge stations: name the EVSE to reserve';
    return { stationId: [...stations][0], ocppEvseId: 0, evseUid: null };
  }

  /** Best effort: a reservation moved elsewhere is cancelled at the station that held it. */
  private releaseAt(reservation: Reservation): void {
    if (!this.link.connectedVersion(reservation.stationId)) return;
    this.link
      .call(reservation.stationId, 'CancelReservation', { reservationId: reservation.id }, { timeoutMs: this.settings.timeoutSeconds * 1000 })
      .catch((error: unknown) => this.ctx.logger.warn({ err: error, stationId: reservation.stationId }, 'releasing a moved reservation failed'));
  }

  /**
   * A token a partner names in a command is stored when it is not known yet (OCPI lets eMSPs use tokens they never
   * pushed); the refusal when its uid belongs to another issuer. The caller has checked it is one of the partner's.
   */
  private async adoptToken(partner: Partner, token: Token): Promise<string | undefined> {
    const { tokens } = this.ctx.domain;
    if (await tokens.ofParty(token.country_code, token.party_id, token.uid, token.type)) return undefined;
    try {
      await tokens.putFromPartner(storedToken(partner, token));
    } catch (error) {
      if (error instanceof ConflictError) return 'the token uid belongs to another issuer';
      throw error;
    }
    return undefined;
  }

  /** The outlet a command names; 'unknown location' when the location is not one of the CPO's. */
  private async outletOf(locationId: string, evseUid?: string, connectorId?: string): Promise<Outlet | 'unknown location' | undefined> {
    const location = await this.ctx.domain.locations.get(locationId).catch(() => undefined);
    if (!location) return 'unknown location';
    const evse = location.evses.find((candidate) => candidate.status !== 'REMOVED' && (evseUid === undefined || candidate.uid === evseUid));
    const connector = evse?.connectors.find((candidate) => connectorId === undefined || candidate.id === connectorId);
    return evse && connector ? { stationId: evse.stationId, ocppEvseId: evse.ocppEvseId, connectorId: connector.id } : undefined;
  }

  /**
   * Calls the station in the background and POSTs the outcome to the partner's response_url, after what is to be
   * recorded of it is recorded. `concerns` is the party the command was for: the result is addressed to it.
   */
  private run(partner: Partner, responseUrl: string, concerns: PartyKey | undefined, stationId: string, callFor: VersionedStationCall, outcome: Outcome = {}): void {
    inBackground(this.ctx.logger, { partnerId: partner.id, stationId }, 'command', async () => {
      const answered = await callStation(this.link, stationId, callFor, this.settings.timeoutSeconds * 1000);
      const result = commandResultOf(answered, outcome.results);
      await outcome.record?.(result.result).catch((error: unknown) => this.ctx.logger.error({ err: error, stationId }, 'recording a command outcome failed'));
      await this.postResult(partner, responseUrl, concerns, result);
    });
  }

  private async postResult(partner: Partner, responseUrl: string, concerns: PartyKey | undefined, result: CommandResult): Promise<void> {
    if (this.resultPoster) return this.resultPoster(partner, responseUrl, result);
    // Only the party's key: what is passed as `concerns` (a token, a reservation) carries more.
    const to = addresseeOf(partner, concerns && { countryCode: concerns.countryCode, partyId: concerns.partyId });
    const client = responseClient(this.ctx, partner, 'commands', responseUrl, to);
    if (!client) {
      this.ctx.logger.warn({ partnerId: partner.id }, 'command result not sent: Anode holds no token for the partner');
      return;
    }
    const { response } = await client.POST('/commands/{command}/{uid}', {
      params: { header: requestIds(), path: { command: 'START_SESSION', uid: 'result' } },
      body: result,
    });
    if (!response.ok) this.ctx.logger.warn({ partnerId: partner.id, status: response.status }, 'the partner refused a command result');
  }
}

type CommandsOperations = 'cpoPostStartSession' | 'cpoPostStopSession' | 'cpoPostUnlockConnector' | 'cpoPostReserveNow' | 'cpoPostCancelReservation';

/** Commands receiver: answered at once, the station's outcome POSTed to response_url. */
export function commandsHandlers(ctx: OcpiContext): ModuleHandlers<CommandsOperations> {
  const commands = new CommandReceiver(ctx, ctx.stationLink, { timeoutSeconds: ctx.commandTimeoutSeconds, remoteStartWindowSeconds: ctx.remoteStartWindowSeconds });
  const answer = ({ response, statusCode }: CommandAnswer) => ({ status: 200 as const, body: { ...envelope(response), status_code: statusCode } });
  return {
    cpoPostStartSession: async ({ body, context }) => answer(await commands.startSession(callerOf(context), body)),
    cpoPostStopSession: async ({ body, context }) => answer(await commands.stopSession(callerOf(context), body)),
    cpoPostUnlockConnector: async ({ body, context }) => answer(await commands.unlockConnector(callerOf(context), body)),
    cpoPostReserveNow: async ({ body, context }) => {
      const expiresAt = ocpiDate(body.expiry_date)!;
      if (Number.isNaN(expiresAt.getTime())) throw ocpiRefusal(StatusCode.invalidParameters, `expiry_date ${body.expiry_date} is not a date`);
      return answer(await commands.reserveNow(callerOf(context), body, expiresAt));
    },
    cpoPostCancelReservation: async ({ body, context }) => answer(await commands.cancelReservation(callerOf(context), body)),
  };
}
