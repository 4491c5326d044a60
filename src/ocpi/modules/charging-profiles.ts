/**
 * ChargingProfiles receiver: a partner asks for the active profile of one of its sessions, sets one, or clears it.
 * The HTTP answer is the ChargingProfileResponse at once; the station is called in the background (OCPP
 * GetCompositeSchedule, SetChargingProfile as a TxProfile of the transaction, ClearChargingProfile) and its outcome
 * is POSTed to the partner's response_url. OCPI's result types have no TIMEOUT or FAILED: a station that is offline,
 * does not answer in time or answers with a CALLERROR gives REJECTED, with the reason in the log.
 */
import type { components } from '../../../generated/ocpi-2.2.1-cpo.js';
import type { components as EmspComponents } from '../../../generated/ocpi-2.2.1-emsp.js';
import type { Ocpp16Actions } from '../../../generated/ocpp16.js';
import type { Ocpp201Actions } from '../../../generated/ocpp201.js';
import { addresseeOf, type Partner, type PartyKey } from '../../domain/parties.js';
import type { StationLink } from '../../domain/station-calls.js';
import type { Transaction } from '../../domain/transactions.js';
import type { OcpiContext } from '../context.js';
import { callStation, inBackground, responseClient, type StationOutcome, type VersionedStationCall } from '../deferred-results.js';
import { envelope, ocpiDate, ocpiRefusal, StatusCode } from '../transport.js';
import { requestIds } from './credentials.js';
import { actsForParty, callerOf, type Caller, type ModuleHandlers } from './shared.js';

type Schemas = components['schemas'];
type EmspSchemas = EmspComponents['schemas'];
export type ChargingProfileResponse = Schemas['ChargingProfileResponse'];
type ChargingProfile = Schemas['ChargingProfile'];
type ResultType = EmspSchemas['ChargingProfileResultType'];
type Schedule16 = Ocpp16Actions['SetChargingProfile']['request']['csChargingProfiles']['chargingSchedule'];
type Schedule201 = Ocpp201Actions['SetChargingProfile']['request']['chargingProfile']['chargingSchedule'][number];
type Composite16 = Ocpp16Actions['GetCompositeSchedule']['response'];
type Composite201 = Ocpp201Actions['GetCompositeSchedule']['response'];

/** A request on a session Anode will carry out: who asked (the result goes to it, addressed to `concerns`). */
interface Requested {
  transaction: Transaction;
  partner: Partner;
  /** the party whose session it is */
  concerns: PartyKey;
}

/** The immediate answer, and a hint for the envelope's status_message when it is not ACCEPTED. */
export interface ProfileAnswer {
  response: ChargingProfileResponse;
  message?: string;
}

export interface ChargingProfileSettings {
  /** how long a station gets to answer, and what the ChargingProfileResponse promises */
  timeoutSeconds: number;
}

/** The stack level of the TxProfiles Anode sets for partners. */
export const PARTNER_STACK_LEVEL = 1;
/** OCPP integers are 32-bit; a session id beyond that names no transaction. */
const MAX_OCPP_ID = 2 ** 31 - 1;

/**
 * The id of the profile a partner sets on a session: the transaction's own id, so a second PUT replaces the first and
 * DELETE clears exactly that profile.
 */
export const profileIdOf = (transaction: Transaction) => transaction.id;

/** How a station's status reads as an OCPI result; anything else is REJECTED. */
const RESULTS: Record<string, ResultType> = { Accepted: 'ACCEPTED', Rejected: 'REJECTED', Unknown: 'UNKNOWN' };

type Operation = 'active' | 'set' | 'clear';
const ACTIONS: Record<Operation, string> = { active: 'GetCompositeSchedule', set: 'SetChargingProfile', clear: 'ClearChargingProfile' };

// ---------- OCPI ↔ OCPP ----------

const hasOneDecimalAtMost = (value: number) => Math.abs(Math.round(value * 10) - value * 10) < 1e-6;
const oneDecimal = (value: number) => Math.round(value * 10) / 10;
/** OCPI DateTime: UTC, whole seconds. */
const ocpiDateTime = (date: Date) => date.toISOString().replace(/\.\d+Z$/, 'Z');

/** What OCPP cannot carry out, or OCPI forbids, beyond the contract's shape: a 2001 with the reason. */
export function checkProfile(profile: ChargingProfile): void {
  const invalid = (message: string): never => {
    throw ocpiRefusal(StatusCode.invalidParameters, `charging_profile: ${message}`);
  };
  const periods = profile.charging_profile_period ?? [];
  if (periods.length === 0) invalid('charging_profile_period needs at least one period');
  periods.forEach((period, index) => {
    if (index > 0 && period.start_period <= periods[index - 1].start_period) invalid('start_period must increase from one period to the next');
    if (!hasOneDecimalAtMost(period.limit)) invalid(`limit ${period.limit} has more than one decimal`);
  });
  if (profile.min_charging_rate !== undefined && !hasOneDecimalAtMost(profile.min_charging_rate)) {
    invalid(`min_charging_rate ${profile.min_charging_rate} has more than one decimal`);
  }
  if (profile.start_date_time !== undefined && Number.isNaN(ocpiDate(profile.start_date_time).getTime())) invalid('start_date_time is not a date');
}

/** An OCPI charging profile as an OCPP charging schedule (same shape in 1.6 and 2.0.1, but for 2.0.1's id). */
export function ocppSchedule(profile: ChargingProfile): Schedule16 {
  return {
    ...(profile.start_date_time !== undefined && { startSchedule: ocpiDate(profile.start_date_time).toISOString() }),
    ...(profile.duration !== undefined && { duration: profile.duration }),
    chargingRateUnit: profile.charging_rate_unit,
    chargingSchedulePeriod: (profile.charging_profile_period ?? []).map((period) => ({ startPeriod: period.start_period, limit: oneDecimal(period.limit) })),
    ...(profile.min_charging_rate !== undefined && { minChargingRate: oneDecimal(profile.min_charging_rate) }),
  };
}

/** A profile with a start time is Absolute; without one it is relative to the start of charging. */
const kindOf = (profile: ChargingProfile) => (profile.start_date_time !== undefined ? 'Absolute' : 'Relative') as 'Absolute' | 'Relative';

/** A station's composite schedule as OCPI's ActiveChargingProfile: absolute, from the moment it starts. */
export function activeProfileOf(version: string, answer: Record<string, unknown>, now = new Date()): EmspSchemas['ActiveChargingProfile'] | undefined {
  let start: string | undefined;
  let schedule: { duration?: number; chargingRateUnit: 'W' | 'A'; chargingSchedulePeriod: Array<{ startPeriod: number; limit: number }>; minChargingRate?: number } | undefined;
  if (version === 'ocpp1.6') {
    const composite = answer as Composite16;
    schedule = composite.chargingSchedule;
    start = composite.scheduleStart ?? composite.chargingSchedule?.startSchedule;
  } else {
    const composite = answer as Composite201;
    schedule = composite.schedule;
    start = composite.schedule?.scheduleStart;
  }
  if (!schedule) return undefined;
  const startedAt = start ? new Date(start) : now;
  const startDateTime = ocpiDateTime(Number.isNaN(startedAt.getTime()) ? now : startedAt);
  return {
    start_date_time: startDateTime,
    charging_profile: {
      start_date_time: startDateTime,
      ...(schedule.duration !== undefined && { duration: schedule.duration }),
      charging_rate_unit: schedule.chargingRateUnit,
      ...(schedule.minChargingRate !== undefined && { min_charging_rate: oneDecimal(schedule.minChargingRate) }),
      charging_profile_period: schedule.chargingSchedulePeriod.map((period) => ({ start_period: period.startPeriod, limit: oneDecimal(period.limit) })),
    },
  };
}

// ---------- the receiver ----------

export class ChargingProfileReceiver {
  constructor(
    private readonly ctx: OcpiContext,
    private readonly link: StationLink,
    private readonly settings: ChargingProfileSettings,
  ) {}

  /** GET: the station's composite schedule for the session's EVSE, over `duration` seconds. */
  async activeProfile(caller: Caller, sessionId: string, duration: number, responseUrl: string): Promise<ProfileAnswer> {
    const found = await this.sessionOf(caller, sessionId);
    if ('response' in found) return found;
    const { transaction } = found;
    this.run(found, 'active', responseUrl, (version) => {
      if (version === 'ocpp1.6') return ['GetCompositeSchedule', { connectorId: transaction.evseId, duration } satisfies Ocpp16Actions['GetCompositeSchedule']['request']];
      return ['GetCompositeSchedule', { evseId: transaction.evseId, duration } satisfies Ocpp201Actions['GetCompositeSchedule']['request']];
    });
    return this.accepted();
  }

  /** PUT: the profile becomes the session's TxProfile (replacing the one set before). */
  async setProfile(caller: Caller, sessionId: string, body: Schemas['SetChargingProfile']): Promise<ProfileAnswer> {
    checkProfile(body.charging_profile);
    const found = await this.sessionOf(caller, sessionId);
    if ('response' in found) return found;
    const { transaction } = found;
    const profile = body.charging_profile;
    const id = profileIdOf(transaction);
    const schedule = ocppSchedule(profile);
    this.run(found, 'set', body.response_url, (version) => {
      if (version === 'ocpp1.6') {
        const request: Ocpp16Actions['SetChargingProfile']['request'] = {
          connectorId: transaction.evseId,
          csChargingProfiles: {
            chargingProfileId: id,
            transactionId: transaction.id,
            stackLevel: PARTNER_STACK_LEVEL,
            chargingProfilePurpose: 'TxProfile',
            chargingProfileKind: kindOf(profile),
            chargingSchedule: schedule,
          },
        };
        return ['SetChargingProfile', request];
      }
      if (!transaction.stationTransactionId) return undefined;
      const request: Ocpp201Actions['SetChargingProfile']['request'] = {
        evseId: transaction.evseId,
        chargingProfile: {
          id,
          stackLevel: PARTNER_STACK_LEVEL,
          chargingProfilePurpose: 'TxProfile',
          chargingProfileKind: kindOf(profile),
          chargingSchedule: [{ id, ...schedule } satisfies Schedule201],
          transactionId: transaction.stationTransactionId,
        },
      };
      return ['SetChargingProfile', request];
    });
    return this.accepted();
  }

  /** DELETE: clears the profile a partner set on the session. */
  async clearProfile(caller: Caller, sessionId: string, responseUrl: string): Promise<ProfileAnswer> {
    const found = await this.sessionOf(caller, sessionId);
    if ('response' in found) return found;
    const { transaction } = found;
    const id = profileIdOf(transaction);
    this.run(found, 'clear', responseUrl, (version) =>
      version === 'ocpp1.6'
        ? ['ClearChargingProfile', { id } satisfies Ocpp16Actions['ClearChargingProfile']['request']]
        : ['ClearChargingProfile', { chargingProfileId: id } satisfies Ocpp201Actions['ClearChargingProfile']['request']],
    );
    return this.accepted();
  }

  private answer(result: ChargingProfileResponse['result'], message?: string): ProfileAnswer {
    return { response: { result, timeout: this.settings.timeoutSeconds }, ...(message && { message }) };
  }

  private accepted(): ProfileAnswer {
    return this.answer('ACCEPTED');
  }

  /**
   * The running transaction behind `session_id` when a party the caller acts for issued its token and its station is
   * online, with whom to tell the outcome; otherwise the answer to give (another party's session, one behind the same
   * hub too, is as unknown as one that does not exist).
   */
  private async sessionOf(caller: Caller, sessionId: string): Promise<Requested | ProfileAnswer> {
    const id = /^\d{1,10}$/.test(sessionId) ? Number(sessionId) : 0;
    const facts = id > 0 && id <= MAX_OCPP_ID ? await this.ctx.domain.chargingRecords.facts(id) : undefined;
    if (!facts || !actsForParty(caller, facts.token.countryCode, facts.token.partyId)) return this.answer('UNKNOWN_SESSION', `session ${sessionId} is not known`);
    const { transaction } = facts;
    if (transaction.stoppedAt) return this.answer('REJECTED', 'the session has ended');
    const version = this.link.connectedVersion(transaction.stationId);
    if (!version) return this.answer('REJECTED', 'the charge station is offline');
    if (version !== transaction.ocppVersion) return this.answer('REJECTED', `the charge station now speaks ${version}, not the ${transaction.ocppVersion} of the session`);
    return { transaction, partner: caller.partner, concerns: { countryCode: facts.token.countryCode, partyId: facts.token.partyId } };
  }

  /** Calls the station in the background and POSTs the result to the partner's response_url. */
  private run(requested: Requested, operation: Operation, responseUrl: string, callFor: VersionedStationCall): void {
    const { partner, transaction } = requested;
    const fields = { partnerId: partner.id, sessionId: transaction.id, stationId: transaction.stationId, action: ACTIONS[operation] };
    inBackground(this.ctx.logger, fields, 'charging profile request', async () => {
      // The payload is shaped for the version the session began on; a station that switched since gets nothing.
      const sameVersion: VersionedStationCall = (version) => (version === transaction.ocppVersion ? callFor(version) : undefined);
      const outcome = await callStation(this.link, transaction.stationId, sameVersion, this.settings.timeoutSeconds * 1000);
      let result: EmspSchemas['ActiveChargingProfileResult'];
      try {
        result = this.resultOf(operation, transaction.ocppVersion, outcome, fields);
      } catch (error) {
        // The partner still gets an answer when the station's one cannot be read.
        this.ctx.logger.error({ ...fields, err: error }, 'charging profile request: reading the station answer failed, REJECTED');
        result = { result: 'REJECTED' };
      }
      // A profile the station accepted makes the partner a sender of the session: told of later changes.
      if (operation === 'set' && result.result === 'ACCEPTED') await this.ctx.domain.chargingProfileSenders.accepted(transaction.id, partner.id);
      await this.post(requested, operation, responseUrl, result, fields);
    });
  }

  private resultOf(operation: Operation, version: string, outcome: StationOutcome, fields: Record<string, unknown>): EmspSchemas['ActiveChargingProfileResult'] {
    if (outcome.kind !== 'answered') {
      this.ctx.logger.warn({ ...fields, outcome: outcome.kind, reason: outcome.reason }, 'charging profile request: no usable answer from the station, REJECTED');
      return { result: 'REJECTED' };
    }
    const status = String(outcome.answer.status);
    const result = Object.hasOwn(RESULTS, status) ? RESULTS[status] : undefined;
    if (!result) {
      this.ctx.logger.warn({ ...fields, status }, 'charging profile request: the station answered a status OCPI has no result for, REJECTED');
      return { result: 'REJECTED' };
    }
    if (operation !== 'active' || result !== 'ACCEPTED') return { result };
    const profile = activeProfileOf(version, outcome.answer);
    if (!profile) {
      // Accepted without a schedule: the station found nothing planned for the EVSE.
      this.ctx.logger.info(fields, 'charging profile request: the station accepted but sent no schedule, UNKNOWN');
      return { result: 'UNKNOWN' };
    }
    return { result, profile };
  }

  private async post(requested: Requested, operation: Operation, responseUrl: string, body: EmspSchemas['ActiveChargingProfileResult'], fields: Record<string, unknown>): Promise<void> {
    const client = responseClient(this.ctx, requested.partner, 'chargingprofiles', responseUrl, addresseeOf(requested.partner, requested.concerns));
    if (!client) {
      this.ctx.logger.warn(fields, 'charging profile result not sent: Anode holds no token for the partner');
      return;
    }
    const params = { header: requestIds() };
    const { response } =
      operation === 'active'
        ? await client.POST('/chargingprofiles/results/active', { params, body })
        : operation === 'set'
          ? await client.POST('/chargingprofiles/results/set', { params, body: { result: body.result } })
          : await client.POST('/chargingprofiles/results/clear', { params, body: { result: body.result } });
    if (!response.ok) this.ctx.logger.warn({ ...fields, status: response.status }, 'the partner refused a charging profile result');
  }
}

type ChargingProfilesOperations = 'cpoGetActiveChargingProfile' | 'cpoPutChargingProfile' | 'cpoDeleteChargingProfile';

/** ChargingProfiles receiver: answered at once, the station's outcome POSTed to response_url. */
export function chargingProfilesHandlers(ctx: OcpiContext): ModuleHandlers<ChargingProfilesOperations> {
  const chargingProfiles = new ChargingProfileReceiver(ctx, ctx.stationLink, { timeoutSeconds: ctx.commandTimeoutSeconds });
  const reply = (answer: ProfileAnswer) => ({ status: 200 as const, body: envelope(answer.response, answer.message) });
  return {
    cpoGetActiveChargingProfile: async ({ path, query, context }) =>
      reply(await chargingProfiles.activeProfile(callerOf(context), path.session_id, query.duration, query.response_url)),
    cpoPutChargingProfile: async ({ path, body, context }) => reply(await chargingProfiles.setProfile(callerOf(context), path.session_id, body)),
    cpoDeleteChargingProfile: async ({ path, query, context }) =>
      reply(await chargingProfiles.clearProfile(callerOf(context), path.session_id, query.response_url)),
  };
}
