/** OCPI parties: registering and unregistering partners, and what waits in each one's push outbox. */
import type { Domain } from '../../domain/index.js';
import type { Partner } from '../../domain/parties.js';
import type { OutboxEntry, OutboxSummary } from '../../domain/partner-outbox.js';
import { iso, pageAnswer, pageOf, type AdminHandlers, type Schemas } from './shared.js';

/** What the admin API needs of the OCPI wing: telling a party it is unregistered. */
export type PartyFarewell = (partner: Partner) => Promise<void>;

const NOTHING_WAITING: OutboxSummary = { pending: 0, failed: 0, lastError: null };

function partyView(partner: Partner, outbox: OutboxSummary = NOTHING_WAITING): Schemas['OcpiParty'] {
  return {
    id: partner.id,
    status: partner.status,
    version: partner.version as Schemas['OcpiParty']['version'],
    versionsUrl: partner.versionsUrl,
    roles: partner.roles.map((role) => ({ ...role })),
    endpoints: partner.endpoints,
    rawTokens: partner.rawTokens,
    lastError: partner.lastError,
    registeredAt: iso(partner.registeredAt),
    createdAt: partner.createdAt.toISOString(),
    outbox,
  };
}

function outboxEntryView(entry: OutboxEntry): Schemas['OutboxEntry'] {
  return {
    id: entry.id,
    module: entry.module,
    kind: entry.kind,
    objectKey: entry.objectKey,
    target: entry.target,
    addressee: entry.addressee ?? null,
    body: entry.body,
    status: entry.status,
    attempts: entry.attempts,
    nextAttemptAt: entry.nextAttemptAt.toISOString(),
    lastError: entry.lastError,
    createdAt: entry.createdAt.toISOString(),
  };
}

type PartyOperations =
  | 'registerParty'
  | 'listOcpiParties'
  | 'lookupOcpiParty'
  | 'unregisterOcpiParty'
  | 'listOcpiOutbox'
  | 'retryOcpiOutboxEntry'
  | 'dropOcpiOutboxEntry';

export function partiesHandlers({
  parties,
  partnerOutbox,
  publicBaseUrl,
  sayFarewell,
}: Pick<Domain, 'parties' | 'partnerOutbox'> & { publicBaseUrl: string; sayFarewell: PartyFarewell }): AdminHandlers<PartyOperations> {
  return {
    registerParty: async ({ body }) => {
      await parties.register({ token: body.token, versionsUrl: body.url, status: body.status ?? 'PENDING', rawTokens: body.rawTokens });
      return { status: 201 };
    },
    listOcpiParties: async () => {
      const outboxes = await partnerOutbox.summaries();
      return { status: 200, body: (await parties.list()).map((partner) => partyView(partner, outboxes.get(partner.id))) };
    },
    lookupOcpiParty: async ({ path }) => {
      const partner = await parties.get(path.partyId);
      return { status: 200, body: partyView(partner, (await partnerOutbox.summaries()).get(partner.id)) };
    },
    unregisterOcpiParty: async ({ path }) => {
      const partner = await parties.get(path.partyId);
      await parties.unregister(partner.id);
      await sayFarewell(partner);
      return { status: 204 };
    },
    listOcpiOutbox: async ({ path, query, context }) => {
      await parties.get(path.partyId);
      const page = await partnerOutbox.list(path.partyId, pageOf(query), query.status);
      return pageAnswer(context, page, outboxEntryView, publicBaseUrl);
    },
    retryOcpiOutboxEntry: async ({ path }) => ({ status: 200, body: outboxEntryView(await partnerOutbox.retry(path.partyId, path.entryId)) }),
    dropOcpiOutboxEntry: async ({ path }) => {
      await partnerOutbox.drop(path.partyId, path.entryId);
      return { status: 204 };
    },
  };
}
