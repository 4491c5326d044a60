/**
 * Pushes a session's new ActiveChargingProfile (`PUT {chargingprofiles}/{session_id}`) to the partners that set a
 * charging profile on it and had it accepted (mod_charging_profiles: only those, and every time the CPO learns that
 * the active profile changed). What Anode learns: a station accepted a SetChargingProfile or ClearChargingProfile
 * (the operator's, or another party's), or an OCPP 2.0.1 station reported a charging limit set or cleared. The
 * sender's own PUT and DELETE are not pushed back: their result POST tells it.
 *
 * The profile is what the station computes: a GetCompositeSchedule over the next hour (the guide of the spec is 5 to
 * 60 minutes), read like the receiver's GET does; a station that accepts and has no schedule has no limit left, which
 * OCPI has shown as the EVSE's maximum capacity. The update is written to the outbox once the station answered
 * (it cannot be in the transaction of the change: the change happened at the station), so it is delivered like
 * every push: at least once, retried with backoff, in order per session, visible to the operator.
 */
import type { components as EmspComponents } from '../../../generated/ocpi-2.2.1-emsp.js';
import type { DomainEvents } from '../../cluster/bus.js';
import type { NewOutboxEntry } from '../../domain/partner-outbox.js';
import type { ProfileSender } from '../../domain/charging-profile-senders.js';
import type { StoredConnector } from '../../domain/locations.js';
import type { OcpiContext } from '../context.js';
import { callStation } from '../deferred-results.js';
import { activeProfileOf } from '../modules/charging-profiles.js';

type ActiveChargingProfile = EmspComponents['schemas']['ActiveChargingProfile'];

/** How far ahead the pushed ActiveChargingProfile reaches. */
export const ACTIVE_PROFILE_PUSH_SECONDS = 3600;

/** OCPI DateTime: UTC, whole seconds. */
const ocpiDateTime = (date: Date) => date.toISOString().replace(/\.\d+Z$/, 'Z');

/** No limit left: the most the EVSE's connectors can give, in W when known, else in A. */
export function maximumCapacity(connectors: StoredConnector[], now = new Date()): ActiveChargingProfile | undefined {
  const watts = Math.max(0, ...connectors.map((connector) => connector.maxElectricPower ?? 0));
  const amperes = Math.max(0, ...connectors.map((connector) => connector.maxAmperage));
  const [unit, limit] = watts > 0 ? (['W', watts] as const) : (['A', amperes] as const);
  if (limit <= 0) return undefined;
  const start = ocpiDateTime(now);
  return { start_date_time: start, charging_profile: { start_date_time: start, charging_rate_unit: unit, charging_profile_period: [{ start_period: 0, limit }] } };
}

const hasChargingProfilesEndpoint = (endpoints: Array<{ identifier: string; role: string }>) =>
  endpoints.some((endpoint) => endpoint.identifier === 'chargingprofiles' && endpoint.role === 'SENDER');

export class ActiveProfilePush {
  /** per session, the update under way: one session's updates are read from the station and queued in turn */
  private readonly chains = new Map<number, Promise<void>>();
  /** changes being looked into (stop waits for them) */
  private readonly pending = new Set<Promise<void>>();
  private unsubscribe: (() => void) | undefined;

  constructor(
    private readonly ctx: OcpiContext,
    /** told after entries were written */
    private readonly onQueued: () => void,
  ) {}

  start(): void {
    this.unsubscribe = this.ctx.bus.subscribe('charging.limits.changed', (event) => {
      const work = this.changed(event)
        .catch((error: unknown) => this.ctx.logger.error({ err: error, ...event }, 'pushing active charging profiles failed'))
        .finally(() => this.pending.delete(work));
      this.pending.add(work);
    });
  }

  async stop(): Promise<void> {
    this.unsubscribe?.();
    await Promise.allSettled([...this.pending]);
  }

  /** Limits changed at a station: each of its sessions that has senders gets its new active profile pushed. */
  async changed(event: DomainEvents['charging.limits.changed']): Promise<void> {
    const senders = await this.ctx.domain.chargingProfileSenders.atStation(event.stationId, event.evseId);
    const bySession = new Map<number, ProfileSender[]>();
    for (const sender of senders) {
      // The session's own OCPI profile (its id is the session's): set or cleared by its sender, who gets the result.
      if (event.profileId === sender.transactionId) continue;
      bySession.set(sender.transactionId, [...(bySession.get(sender.transactionId) ?? []), sender]);
    }
    await Promise.all([...bySession].map(([transactionId, ofSession]) => this.inTurn(transactionId, () => this.push(event.stationId, ofSession))));
  }

  private inTurn(transactionId: number, work: () => Promise<void>): Promise<void> {
    const next = (this.chains.get(transactionId) ?? Promise.resolve()).then(work, work);
    this.chains.set(transactionId, next);
    void next.finally(() => {
      if (this.chains.get(transactionId) === next) this.chains.delete(transactionId);
    });
    return next;
  }

  private async push(stationId: string, senders: ProfileSender[]): Promise<void> {
    const [{ transactionId, evseId, ocppVersion }] = senders;
    const fields = { stationId, transactionId };
    const profile = await this.activeProfile(stationId, evseId, ocppVersion, fields);
    if (!profile) return;
    const partners = await Promise.all(senders.map((sender) => this.ctx.domain.parties.get(sender.partnerId).catch(() => undefined)));
    const objectKey = `chargingprofile:${transactionId}`;
    // Addressed to the party of the session's token (behind a hub, the hub forwards it there).
    const token = (await this.ctx.domain.chargingRecords.facts(transactionId))?.token;
    const addressee = token ? { countryCode: token.countryCode, partyId: token.partyId } : null;
    const entries: NewOutboxEntry[] = partners
      .filter((partner) => partner && partner.status === 'REGISTERED' && partner.outgoingToken !== null && hasChargingProfilesEndpoint(partner.endpoints))
      .map((partner) => ({
        partnerId: partner!.id,
        module: 'chargingprofiles',
        kind: 'activeprofile.put',
        objectKey,
        target: { session_id: String(transactionId) },
        body: profile as unknown as Record<string, unknown>,
        addressee,
      }));
    if (entries.length < senders.length) this.ctx.logger.warn({ ...fields, senders: senders.length }, 'an active charging profile was not queued for a sender without a chargingprofiles SENDER endpoint');
    if (entries.length === 0) return;
    await this.ctx.domain.partnerOutbox.enqueueAlone(entries);
    this.onQueued();
  }

  /** The station's composite schedule for the EVSE as OCPI's ActiveChargingProfile; undefined when it cannot tell. */
  private async activeProfile(stationId: string, evseId: number, ocppVersion: string, fields: Record<string, unknown>): Promise<ActiveChargingProfile | undefined> {
    const duration = ACTIVE_PROFILE_PUSH_SECONDS;
    const outcome = await callStation(
      this.ctx.stationLink,
      stationId,
      (version) => (version !== ocppVersion ? undefined : ['GetCompositeSchedule', version === 'ocpp1.6' ? { connectorId: evseId, duration } : { evseId, duration }]),
      this.ctx.commandTimeoutSeconds * 1000,
    );
    if (outcome.kind !== 'answered' || outcome.answer.status !== 'Accepted') {
      this.ctx.logger.warn({ ...fields, outcome: outcome.kind, status: outcome.kind === 'answered' ? outcome.answer.status : undefined }, 'active charging profile not pushed: the station gave no composite schedule');
      return undefined;
    }
    const computed = activeProfileOf(ocppVersion, outcome.answer);
    if (computed) return computed;
    const where = await this.ctx.domain.locations.whereIs(stationId);
    const location = where && (await this.ctx.domain.locations.get(where.locationId));
    const evse = location?.evses.find((candidate) => candidate.stationId === stationId && candidate.ocppEvseId === evseId);
    return evse && maximumCapacity(evse.connectors);
  }
}
