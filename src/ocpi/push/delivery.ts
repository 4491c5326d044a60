/**
 * Delivers the push outbox with the generated eMSP client: due entries are leased, sent (the spec's method for each
 * object: PUT a whole object, PATCH a part, POST a CDR, DELETE a tariff, PUT a session's active charging profile) and deleted once the partner took them, or
 * retried with backoff. Each partner's entries are sent by a worker of their own, so a slow or absent partner only
 * holds up itself. An entry for a party behind a hub goes to the hub addressed to that party, unless the hub now
 * reports the party unreachable: then it is dropped (hubclientinfo: pushes are not kept for such a party).
 */
import { NotFoundError } from '../../domain/errors.js';
import { partyKeyOf } from '../../domain/hub-client-info.js';
import { addresseeOf, isHub, type Partner } from '../../domain/parties.js';
import type { DeliverySettings } from '../../config.js';
import type { OutboxEntry } from '../../domain/partner-outbox.js';
import type { OcpiContext } from '../context.js';
import { requestIds } from '../modules/credentials.js';
import { partnerAddress, partnerClient, type EmspClient } from '../partner-client.js';
import { sendIn211, speaks211 } from '../v211/index.js';

type Answer = { response: Response; data?: unknown; error?: unknown };
// Bodies were rendered from the contract's types when queued; the JSON column gives them back untyped.
type AnyBody = never;

/** How each kind of entry goes out. */
const SEND: Record<string, (client: EmspClient, entry: OutboxEntry) => Promise<Answer>> = {
  'location.put': (client, { target, body }) =>
    client.PUT('/locations/{country_code}/{party_id}/{location_id}', {
      params: { header: requestIds(), path: pathOf(target, 'country_code', 'party_id', 'location_id') },
      body: body as AnyBody,
    }),
  'evse.patch': (client, { target, body }) =>
    client.PATCH('/locations/{country_code}/{party_id}/{location_id}/{evse_uid}', {
      params: { header: requestIds(), path: pathOf(target, 'country_code', 'party_id', 'location_id', 'evse_uid') },
      body: body as AnyBody,
    }),
  'tariff.put': (client, { target, body }) =>
    client.PUT('/tariffs/{country_code}/{party_id}/{tariff_id}', {
      params: { header: requestIds(), path: pathOf(target, 'country_code', 'party_id', 'tariff_id') },
      body: body as AnyBody,
    }),
  'tariff.delete': (client, { target }) =>
    client.DELETE('/tariffs/{country_code}/{party_id}/{tariff_id}', {
      params: { header: requestIds(), path: pathOf(target, 'country_code', 'party_id', 'tariff_id') },
    }),
  'session.put': (client, { target, body }) =>
    client.PUT('/sessions/{country_code}/{party_id}/{session_id}', {
      params: { header: requestIds(), path: pathOf(target, 'country_code', 'party_id', 'session_id') },
      body: body as AnyBody,
    }),
  'session.patch': (client, { target, body }) =>
    client.PATCH('/sessions/{country_code}/{party_id}/{session_id}', {
      params: { header: requestIds(), path: pathOf(target, 'country_code', 'party_id', 'session_id') },
      body: body as AnyBody,
    }),
  'cdr.post': (client, { body }) => client.POST('/cdrs', { params: { header: requestIds() }, body: body as AnyBody }),
  'activeprofile.put': (client, { target, body }) =>
    client.PUT('/chargingprofiles/{session_id}', {
      params: { header: requestIds(), path: pathOf(target, 'session_id') },
      body: body as AnyBody,
    }),
};

function pathOf<K extends string>(target: Record<string, string>, ...names: K[]): Record<K, string> {
  return Object.fromEntries(names.map((name) => [name, target[name]])) as Record<K, string>;
}

/** Why an answer is not a success, or undefined when it is one (HTTP 2xx and an OCPI 1xxx status). */
function refusal(answer: Answer): string | undefined {
  const envelope = (answer.data ?? answer.error) as { status_code?: unknown; status_message?: unknown } | undefined;
  const statusCode = envelope?.status_code;
  if (answer.response.ok && (statusCode === undefined || (typeof statusCode === 'number' && statusCode < 2000))) return undefined;
  const message = envelope?.status_message;
  return `HTTP ${answer.response.status}${statusCode !== undefined ? `, OCPI ${String(statusCode)}` : ''}${message ? `: ${String(message)}` : ''}`;
}

export class OutboxDelivery {
  private timer: NodeJS.Timeout | undefined;
  private soon: NodeJS.Timeout | undefined;
  private round: Promise<void> | undefined;
  /** partners whose worker is still sending, with its promise */
  private readonly busy = new Map<number, Promise<void>>();
  private stopped = false;

  constructor(
    private readonly ctx: OcpiContext,
    private readonly settings: DeliverySettings,
  ) {}

  start(): void {
    this.timer = setInterval(() => this.look(), this.settings.pollMs);
    this.timer.unref();
    this.look();
  }

  /** New entries were written: look shortly (they may not be committed yet, so the poll stays). */
  wake(): void {
    if (this.stopped || this.soon) return;
    this.soon = setTimeout(() => {
      this.soon = undefined;
      this.look();
    }, 20);
    this.soon.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    if (this.soon) clearTimeout(this.soon);
    await this.round;
    await Promise.allSettled([...this.busy.values()]);
  }

  private look(): void {
    if (this.stopped || this.round) return;
    this.round = this.claimAndSend()
      .catch((error: unknown) => this.ctx.logger.error({ err: error }, 'reading the OCPI push outbox failed'))
      .finally(() => {
        this.round = undefined;
      });
  }

  private async claimAndSend(): Promise<void> {
    const { batchPerPartner, concurrencyPerPartner } = this.settings;
    const leaseMs = Math.ceil(batchPerPartner / concurrencyPerPartner) * this.ctx.partnerTimeoutMs + 30_000;
    const entries = await this.ctx.domain.partnerOutbox.claimDue({ perPartner: batchPerPartner, leaseMs, busyPartners: [...this.busy.keys()] });
    const byPartner = new Map<number, OutboxEntry[]>();
    for (const entry of entries) byPartner.set(entry.partnerId, [...(byPartner.get(entry.partnerId) ?? []), entry]);
    for (const [partnerId, ofPartner] of byPartner) {
      const worker = this.sendAll(partnerId, ofPartner)
        .catch((error: unknown) => this.ctx.logger.error({ err: error, partnerId }, 'delivering OCPI pushes failed'))
        .finally(() => this.busy.delete(partnerId));
      this.busy.set(partnerId, worker);
    }
  }

  private async sendAll(partnerId: number, entries: OutboxEntry[]): Promise<void> {
    const partner = await this.ctx.domain.parties.get(partnerId);
    const unreachable = isHub(partner) ? await this.ctx.domain.hubClientInfos.unreachableVia(partner.id) : new Set<string>();
    const queue = [...entries];
    const next = async (): Promise<void> => {
      for (let entry = queue.shift(); entry; entry = queue.shift()) {
        if (entry.addressee && unreachable.has(partyKeyOf(entry.addressee))) await this.discard(partner, entry);
        else await this.send(partner, entry);
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.settings.concurrencyPerPartner, queue.length) }, next));
  }

  private async send(partner: Partner, entry: OutboxEntry): Promise<void> {
    const outbox = this.ctx.domain.partnerOutbox;
    let problem: string | undefined;
    try {
      problem = refusal(speaks211(partner) ? await sendIn211(this.ctx, partner, entry) : await this.sendIn221(partner, entry));
    } catch (error) {
      problem = (error as Error).message;
    }
    if (problem === undefined) {
      await outbox.delivered(entry.id);
      return;
    }
    this.ctx.logger.warn({ partnerId: partner.id, entry: entry.id, kind: entry.kind, attempt: entry.attempts + 1, problem }, 'an OCPI push failed');
    await outbox.attemptFailed(entry.id, problem, this.settings.retry);
  }

  /** The hub reports the entry's party unreachable: the entry is not sent, nor kept (the party pulls once back). */
  private async discard(partner: Partner, entry: OutboxEntry): Promise<void> {
    this.ctx.logger.info({ partnerId: partner.id, entry: entry.id, kind: entry.kind, addressee: entry.addressee }, 'an OCPI push dropped: the hub reports its party unreachable');
    await this.ctx.domain.partnerOutbox.drop(partner.id, entry.id).catch((error: unknown) => {
      if (!(error instanceof NotFoundError)) throw error;
    });
  }

  private async sendIn221(partner: Partner, entry: OutboxEntry): Promise<Answer> {
    const send = SEND[entry.kind];
    if (!send) throw new Error(`no way to send an outbox entry of kind ${entry.kind}`);
    const client = partnerClient(partnerAddress(partner, { to: addresseeOf(partner, entry.addressee) }), { ...this.ctx.cpo, timeoutMs: this.ctx.partnerTimeoutMs });
    return send(client, entry);
  }
}
