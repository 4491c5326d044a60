/**
 * OCPP 2.0.1 messages about charging limits and an EV's needs (K11–K17). Anode does no smart charging yet: they are
 * kept per station, EVSE and transaction and answered as a CSMS that computes no schedule.
 */
import type { components } from '../../../generated/ocpp201.js';
import type { StationContext } from '../context.js';

type Schemas = components['schemas'];

const plain = (request: object) => request as Record<string, unknown>;

export async function notifyChargingLimit(ctx: StationContext, request: Schemas['NotifyChargingLimitRequest']): Promise<Schemas['NotifyChargingLimitResponse']> {
  await ctx.domain.chargingNotices.record(ctx.session.stationId, {
    kind: 'ChargingLimit',
    evseId: request.evseId,
    source: request.chargingLimit.chargingLimitSource,
    payload: plain(request),
  });
  return {};
}

export async function clearedChargingLimit(ctx: StationContext, request: Schemas['ClearedChargingLimitRequest']): Promise<Schemas['ClearedChargingLimitResponse']> {
  await ctx.domain.chargingNotices.record(ctx.session.stationId, {
    kind: 'ClearedChargingLimit',
    evseId: request.evseId,
    source: request.chargingLimitSource,
    payload: plain(request),
  });
  return {};
}

/** K09: one part of the answer to GetChargingProfiles; the parts of one requestId make its job. */
export async function reportChargingProfiles(ctx: StationContext, request: Schemas['ReportChargingProfilesRequest']): Promise<Schemas['ReportChargingProfilesResponse']> {
  const { stationId } = ctx.session;
  await ctx.domain.chargingNotices.record(stationId, {
    kind: 'ChargingProfiles',
    evseId: request.evseId,
    source: request.chargingLimitSource,
    payload: plain(request),
  });
  await ctx.domain.stationJobs.part(stationId, 'ChargingProfiles', request.requestId, { tbc: request.tbc ?? false }, (result) => ({
    ...result,
    profiles: Number(result?.profiles ?? 0) + request.chargingProfile.length,
  }));
  return {};
}

/** K15: without smart charging there is no schedule to offer, so the needs are kept and answered Rejected. */
export async function notifyEVChargingNeeds(ctx: StationContext, request: Schemas['NotifyEVChargingNeedsRequest']): Promise<Schemas['NotifyEVChargingNeedsResponse']> {
  await ctx.domain.chargingNotices.record(ctx.session.stationId, { kind: 'EVChargingNeeds', evseId: request.evseId, payload: plain(request) });
  return { status: 'Rejected', statusInfo: { reasonCode: 'NoSmartCharging', additionalInfo: 'The CSMS computes no charging schedules' } };
}

/** K17: the EV's schedule is kept and accepted: the CSMS has no limits of its own to renegotiate. */
export async function notifyEVChargingSchedule(ctx: StationContext, request: Schemas['NotifyEVChargingScheduleRequest']): Promise<Schemas['NotifyEVChargingScheduleResponse']> {
  await ctx.domain.chargingNotices.record(ctx.session.stationId, { kind: 'EVChargingSchedule', evseId: request.evseId, payload: plain(request) });
  return { status: 'Accepted' };
}
