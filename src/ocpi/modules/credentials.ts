/**
 * Credentials, both ways. As receiver: a party holding its registration token (A) POSTs its credentials (token B and
 * its versions URL); Anode reads the party's versions and endpoints with B and answers with a fresh token C. As
 * sender: after the operator registers a party with its versions URL, Anode reads them with A, POSTs its own
 * credentials (a fresh C) and keeps the B the party answers with.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { Context } from 'hono';
import type { components } from '../../../generated/ocpi-2.2.1-cpo.js';
import type { Partner, PartnerEndpoint, PartnerRole } from '../../domain/parties.js';
import { ocpiBase, type OcpiContext } from '../context.js';
import { PartnerUnreachable, partnerClient, type PartnerAddress } from '../partner-client.js';
import { emptyEnvelope, envelope, OCPI_VERSION, OcpiError, ocpiMethodNotAllowed, ocpiRefusal, ocpiUnauthorized, partnerOf, requesterOf, StatusCode, type OcpiEnv } from '../transport.js';
import type { ModuleHandlers } from './shared.js';

type Credentials = components['schemas']['Credentials'];

export const requestIds = () => ({ 'X-Request-ID': randomUUID(), 'X-Correlation-ID': randomUUID() });

/** 43 printable characters from 32 random bytes: a credentials token. */
export const newToken = () => randomBytes(32).toString('base64url');

export function ourCredentials(ctx: OcpiContext, token: string): Credentials {
  return {
    token,
    url: `${ocpiBase(ctx)}/versions`,
    roles: [
      {
        role: 'CPO',
        country_code: ctx.cpo.countryCode,
        party_id: ctx.cpo.partyId,
        business_details: { name: ctx.cpo.name, ...(ctx.cpo.website && { website: ctx.cpo.website }) },
      },
    ],
  };
}

interface PartnerApi {
  versionUrl: string;
  endpoints: PartnerEndpoint[];
}

/** Reads the partner's versions, picks 2.2.1, and reads its endpoints for it. */
async function discover(ctx: OcpiContext, address: PartnerAddress): Promise<PartnerApi> {
  const settings = { ...ctx.cpo, timeoutMs: ctx.partnerTimeoutMs };
  try {
    const versions = await partnerClient(address, settings).GET('/versions', { params: { header: requestIds() } });
    if (!versions.data?.data) throw ocpiRefusal(StatusCode.unusableApi, `the partner's versions endpoint answered HTTP ${versions.response.status}`);
    const version = versions.data.data.find((entry) => entry.version === OCPI_VERSION);
    if (!version) throw ocpiRefusal(StatusCode.unsupportedVersion, `the partner does not offer OCPI ${OCPI_VERSION}`);
    const details = await partnerClient({ ...address, versionUrl: version.url }, settings).GET('/version-details', {
      params: { header: requestIds() },
    });
    const endpoints = details.data?.data?.endpoints;
    if (!endpoints) throw ocpiRefusal(StatusCode.unusableApi, `the partner's version details answered HTTP ${details.response.status}`);
    return { versionUrl: version.url, endpoints: endpoints as PartnerEndpoint[] };
  } catch (error) {
    if (error instanceof OcpiError) throw error;
    if (error instanceof PartnerUnreachable) throw ocpiRefusal(StatusCode.unusableApi, error.message);
    throw ocpiRefusal(StatusCode.unusableApi, `the partner's versions could not be read: ${(error as Error).message}`);
  }
}

/** Receiver side of POST and PUT: the partner's credentials in, Anode's fresh credentials out. */
export async function acceptCredentials(ctx: OcpiContext, partner: Partner, body: Credentials): Promise<Credentials> {
  const api = await discover(ctx, { token: body.token, rawTokens: partner.rawTokens, versionsUrl: body.url });
  const incomingToken = newToken();
  await ctx.domain.parties.completeRegistration(partner.id, {
    incomingToken,
    outgoingToken: body.token,
    versionsUrl: body.url,
    versionUrl: api.versionUrl,
    roles: body.roles as PartnerRole[],
    endpoints: api.endpoints,
  });
  ctx.logger.info({ partnerId: partner.id, roles: body.roles.map((role) => `${role.country_code}-${role.party_id} ${role.role}`) }, 'OCPI partner registered');
  return ourCredentials(ctx, incomingToken);
}

/**
 * Runs Anode's side of a handshake with `partner` (any version): the outcome is logged, a failure kept as the party's
 * last error for the operator.
 */
export async function recordingHandshake(ctx: OcpiContext, partner: Partner, handshake: () => Promise<void>): Promise<void> {
  try {
    await handshake();
    ctx.logger.info({ partnerId: partner.id }, 'OCPI registration with the partner completed');
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    ctx.logger.warn({ partnerId: partner.id, error: message }, 'OCPI registration with the partner failed');
    await ctx.domain.parties.recordError(partner.id, message);
  }
}

/** Sender side: Anode starts the handshake with a party the operator registered with its versions URL. */
export async function startRegistration(ctx: OcpiContext, partner: Partner): Promise<void> {
  const versionsUrl = partner.versionsUrl;
  if (!versionsUrl) return;
  await recordingHandshake(ctx, partner, async () => {
    const address = { token: partner.registrationToken, rawTokens: partner.rawTokens, versionsUrl };
    const api = await discover(ctx, address);
    const incomingToken = newToken();
    const client = partnerClient({ ...address, versionUrl: api.versionUrl, endpoints: api.endpoints }, { ...ctx.cpo, timeoutMs: ctx.partnerTimeoutMs });
    const { data, response } = await client.POST('/credentials', { params: { header: requestIds() }, body: ourCredentials(ctx, incomingToken) });
    const theirs = data?.data;
    if (!theirs) throw new Error(`the partner's credentials endpoint answered HTTP ${response.status} (${data?.status_message ?? 'no credentials'})`);
    await ctx.domain.parties.completeRegistration(partner.id, {
      incomingToken,
      outgoingToken: theirs.token,
      versionsUrl: theirs.url,
      versionUrl: api.versionUrl,
      roles: theirs.roles as PartnerRole[],
      endpoints: api.endpoints,
    });
  });
}

/** Tells a registered party that Anode unregistered it (DELETE on its credentials endpoint), when it can be reached. */
export async function sayFarewell(ctx: OcpiContext, partner: Partner): Promise<void> {
  if (!partner.outgoingToken || partner.endpoints.length === 0) return;
  const address = { token: partner.outgoingToken, rawTokens: partner.rawTokens, endpoints: partner.endpoints };
  try {
    await partnerClient(address, { ...ctx.cpo, timeoutMs: ctx.partnerTimeoutMs }).DELETE('/credentials', { params: { header: requestIds() } });
  } catch (error) {
    ctx.logger.warn({ partnerId: partner.id, error: (error as Error).message }, 'could not tell the partner it was unregistered');
  }
}

/** The partner behind a PUT or DELETE: one that completed the handshake (holds token C), else a 405. */
export function registeredPartner(context: Context<OcpiEnv>): Partner {
  const requester = requesterOf(context);
  if (requester.kind !== 'partner' || requester.via !== 'credentials') {
    throw ocpiMethodNotAllowed('not registered: use POST to register first');
  }
  return requester.partner;
}

type CredentialsOperations = 'cpoGetCredentials' | 'cpoPostCredentials' | 'cpoPutCredentials' | 'cpoDeleteCredentials';

export function credentialsHandlers(ctx: OcpiContext): ModuleHandlers<CredentialsOperations> {
  return {
    cpoGetCredentials: async ({ context }) => {
      const partner = partnerOf(context);
      return { status: 200, body: envelope(ourCredentials(ctx, partner.incomingToken ?? partner.registrationToken)) };
    },
    cpoPostCredentials: async ({ body, context }) => {
      const requester = requesterOf(context);
      if (requester.kind !== 'partner') throw ocpiUnauthorized('a registration token is needed');
      if (requester.via === 'credentials') throw ocpiMethodNotAllowed('already registered: use PUT to update');
      return { status: 200, body: envelope(await acceptCredentials(ctx, requester.partner, body)) };
    },
    cpoPutCredentials: async ({ body, context }) => {
      const partner = registeredPartner(context);
      return { status: 200, body: envelope(await acceptCredentials(ctx, partner, body)) };
    },
    cpoDeleteCredentials: async ({ context }) => {
      const partner = registeredPartner(context);
      await ctx.domain.parties.unregister(partner.id);
      ctx.logger.info({ partnerId: partner.id }, 'OCPI partner unregistered itself');
      return { status: 200, body: emptyEnvelope() };
    },
  };
}
