/**
 * The OCPI side of the domain's change feed: inside the transaction of a change, renders what each partner must
 * receive (in OCPI's shape, as it is at that moment) and writes it to that partner's outbox. Locations and tariffs go
 * to every partner that is a receiver of the module (to a hub as a broadcast); sessions and CDRs only to the partner
 * that issued the token, or to the hub it came through, addressed to the party behind it unless the hub reported that
 * party unreachable. The CDR of an ended transaction is made here too, in the same commit as the end.
 */
import type { Change, ChangeFeed, ChangeKind } from '../../domain/change-feed.js';
import type { Database } from '../../db/client.js';
import { isHub, partnersServing, type Partner, type PartyKey } from '../../domain/parties.js';
import { lockOutboxObjects, type NewOutboxEntry } from '../../domain/partner-outbox.js';
import type { OcpiContext } from '../context.js';
import { ocpiLocation } from '../modules/locations.js';
import { ocpiCdr, ocpiSession } from '../modules/sessions.js';
import { ocpiTariff } from '../modules/tariffs.js';

type Readers = ReturnType<OcpiContext['domain']['readersOver']>;
type Push = Omit<NewOutboxEntry, 'partnerId'>;

const MODULE_OF: Record<ChangeKind, string> = { location: 'locations', evseStatus: 'locations', tariff: 'tariffs', session: 'sessions' };

const objectKeyOf = (change: Change): string => {
  switch (change.kind) {
    case 'location':
    case 'evseStatus':
      return `location:${change.locationId}`;
    case 'tariff':
      return `tariff:${change.tariffId}`;
    case 'session':
      return `session:${change.transactionId}`;
  }
};

const isReceiver = (partner: Partner, module: string) =>
  partner.status === 'REGISTERED' &&
  partner.outgoingToken !== null &&
  partner.endpoints.some((endpoint) => endpoint.identifier === module && endpoint.role === 'RECEIVER');


export class PartnerPushFeed implements ChangeFeed {
  /** the partners as of a partners data version; reloaded when it changes */
  private partners: { version: number | undefined; list: Partner[] } | undefined;
  private loading: Promise<void> | undefined;

  constructor(
    private readonly ctx: OcpiContext,
    /** told after entries were written (the delivery looks sooner than its next poll) */
    private readonly onQueued: () => void,
  ) {}

  wants(kind: ChangeKind): boolean {
    const known = this.knownPartners();
    if (!known) return true; // not loaded yet: better an extra transaction than a missed push
    return known.some((partner) => isReceiver(partner, MODULE_OF[kind]));
  }

  async record(tx: Database, changes: Change[]): Promise<void> {
    // One object's entries are written one transaction at a time, so their ids follow their commits.
    await lockOutboxObjects(tx, changes.map(objectKeyOf));
    const readers = this.ctx.domain.readersOver(tx);
    const partners = await this.currentPartners(tx);
    const entries: NewOutboxEntry[] = [];
    for (const change of changes) {
      const module = MODULE_OF[change.kind];
      const receivers = partners.filter((partner) => isReceiver(partner, module));
      if (change.kind === 'session') {
        entries.push(...(await this.sessionPushes(readers, partners, change)));
        continue;
      }
      if (receivers.length === 0) continue;
      const pushes = await this.objectPushes(readers, change);
      for (const partner of receivers) entries.push(...pushes.map((push) => ({ ...push, partnerId: partner.id })));
    }
    await this.ctx.domain.partnerOutbox.enqueue(tx, entries);
    if (entries.length > 0) this.onQueued();
  }

  /** Locations, EVSE statuses and tariffs: the same for every receiver. */
  private async objectPushes(readers: Readers, change: Exclude<Change, { kind: 'session' }>): Promise<Push[]> {
    const objectKey = objectKeyOf(change);
    if (change.kind === 'tariff') {
      const target = { country_code: this.ctx.cpo.countryCode, party_id: this.ctx.cpo.partyId, tariff_id: change.tariffId };
      if (change.deleted) return [{ module: 'tariffs', kind: 'tariff.delete', objectKey, target, body: null }];
      const tariff = await readers.tariffs.get(change.tariffId);
      return [{ module: 'tariffs', kind: 'tariff.put', objectKey, target, body: ocpiTariff(tariff) }];
    }
    const location = await readers.locations.get(change.locationId).catch(() => undefined);
    // An unpublished location is not pushed, but for the edit that unpublished it: receivers must drop it.
    if (!location || (!location.publish && !(change.kind === 'location' && change.unpublished))) return [];
    const target = { country_code: location.countryCode, party_id: location.partyId, location_id: location.id };
    if (change.kind === 'location') {
      return [{ module: 'locations', kind: 'location.put', objectKey, target, body: ocpiLocation(location) }];
    }
    return location.evses
      .filter((evse) => change.evseUids.includes(evse.uid))
      .map((evse) => ({
        module: 'locations',
        kind: 'evse.patch',
        objectKey,
        target: { ...target, evse_uid: evse.uid },
        body: { status: evse.status, last_updated: evse.lastUpdated.toISOString() },
      }));
  }

  /** A session goes to the partner that issued its token (or the hub it came through); when it ends, so does its CDR, made now. */
  private async sessionPushes(readers: Readers, partners: Partner[], change: Extract<Change, { kind: 'session' }>): Promise<NewOutboxEntry[]> {
    const facts = await readers.chargingRecords.facts(change.transactionId);
    if (!facts) return []; // no token of a party, or not at a published EVSE: nothing OCPI knows of
    const addressee: PartyKey = { countryCode: facts.token.countryCode, partyId: facts.token.partyId };
    const owners = await this.reachable(readers, partnersServing(partners, addressee, facts.token.ownerPartyId), addressee);
    const objectKey = objectKeyOf(change);
    const target = { country_code: this.ctx.cpo.countryCode, party_id: this.ctx.cpo.partyId, session_id: String(facts.transaction.id) };
    const session = ocpiSession(facts, this.ctx.cpo);
    const sessionPush: Push =
      change.phase === 'updated'
        ? {
            module: 'sessions',
            kind: 'session.patch',
            objectKey,
            target,
            body: {
              kwh: session.kwh,
              charging_periods: session.charging_periods,
              ...(session.total_cost && { total_cost: session.total_cost }),
              status: session.status,
              last_updated: session.last_updated,
            },
          }
        : { module: 'sessions', kind: 'session.put', objectKey, target, body: session };
    const entries: NewOutboxEntry[] = owners.filter((partner) => isReceiver(partner, 'sessions')).map((partner) => ({ ...sessionPush, partnerId: partner.id, addressee }));
    if (change.phase !== 'ended') return entries;
    const cdr = await readers.chargingRecords.recordCdr(facts, (ended) => {
      const body = ocpiCdr(ended, this.ctx.cpo);
      return { id: body.id, body };
    });
    if (!cdr) return entries;
    for (const partner of owners.filter((candidate) => isReceiver(candidate, 'cdrs'))) {
      entries.push({ partnerId: partner.id, module: 'cdrs', kind: 'cdr.post', objectKey, target: {}, body: { ...cdr.body, last_updated: cdr.lastUpdated.toISOString() }, addressee });
    }
    return entries;
  }

  /** Without the hubs that reported `party` unreachable: nothing is queued for a party that cannot take it. */
  private async reachable(readers: Readers, partners: Partner[], party: PartyKey): Promise<Partner[]> {
    const kept: Partner[] = [];
    for (const partner of partners) {
      if (!isHub(partner) || (await readers.hubClientInfos.reachableVia(partner.id, party.countryCode, party.partyId))) kept.push(partner);
    }
    return kept;
  }

  /** The partners, if those loaded are current; else starts loading them and answers undefined. */
  private knownPartners(): Partner[] | undefined {
    const version = this.ctx.domain.dataVersions.current('partners');
    if (this.partners && this.partners.version === version && version !== undefined) return this.partners.list;
    this.loading ??= this.ctx.domain.parties
      .list()
      .then((list) => {
        this.partners = { version, list };
      })
      .catch((error: unknown) => this.ctx.logger.warn({ err: error }, 'loading the OCPI partners failed'))
      .finally(() => {
        this.loading = undefined;
      });
    return undefined;
  }

  /** The partners as the change's transaction sees them (read through it: PGlite has one connection). */
  private async currentPartners(tx: Database): Promise<Partner[]> {
    return this.knownPartners() ?? this.ctx.domain.parties.list(tx);
  }
}
