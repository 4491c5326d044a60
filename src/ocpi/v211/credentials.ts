/**
 * Credentials in 2.1.1, both ways, and the choice of version when Anode starts a handshake (the highest both sides
 * speak). A 2.1.1 party names one identity and no roles: it is kept as the one EMSP role Anode stores for a party.
 * Its endpoints have no roles either: each is recorded with the role the module has on an eMSP's side, so routing and
 * pushes treat the party like any other.
 */
import type { components } from '../../../generated/ocpi-2.1.1-cpo.js';
import type { Partner, PartnerEndpoint, PartnerRole } from '../../domain/parties.js';
import { ocpiBase, type OcpiContext } from '../context.js';
import { newToken, recordingHandshake, requestIds, startRegistration } from '../modules/credentials.js';
import { partnerClient } from '../partner-client.js';
import { OcpiError, ocpiRefusal, StatusCode } from '../transport.js';
import { OCPI_211, partnerClient211 } from './client.js';

export type Credentials211 = components['schemas']['Credentials'];

/** The modules an eMSP receives pushes on; its other modules are the ones Anode pulls from or answers to. */
const EMSP_RECEIVERS = new Set(['locations', 'tariffs', 'sessions', 'cdrs']);

export function ourCredentials211(ctx: OcpiContext, token: string): Credentials211 {
  return {
    token,
    url: `${ocpiBase(ctx)}/versions`,
    business_details: { name: ctx.cpo.name, ...(ctx.cpo.website && { website: ctx.cpo.website }) },
    party_id: ctx.cpo.partyId,
    country_code: ctx.cpo.countryCode,
  };
}

const roleOf = (credentials: Credentials211): PartnerRole => ({
  role: 'EMSP',
  country_code: credentials.country_code,
  party_id: credentials.party_id,
  business_details: credentials.business_details as PartnerRole['business_details'],
});

/** Reads a party's 2.1.1 version details (with its token, as it is) and gives each endpoint its eMSP-side role. */
async function discover211(ctx: OcpiContext, token: string, versionsUrl: string): Promise<{ versionUrl: string; endpoints: PartnerEndpoint[] }> {
  try {
    const versions = await partnerClient211({ token, versionsUrl }, ctx.partnerTimeoutMs).GET('/versions');
    const listed = versions.data?.data;
    if (!listed) throw ocpiRefusal(StatusCode.unusableApi, `the partner's versions endpoint answered HTTP ${versions.response.status}`);
    const version = listed.find((entry) => entry.version === OCPI_211);
    if (!version) throw ocpiRefusal(StatusCode.unsupportedVersion, `the partner does not offer OCPI ${OCPI_211}`);
    const details = await partnerClient211({ token, versionUrl: version.url }, ctx.partnerTimeoutMs).GET('/version-details');
    const endpoints = details.data?.data?.endpoints;
    if (!endpoints) throw ocpiRefusal(StatusCode.unusableApi, `the partner's version details answered HTTP ${details.response.status}`);
    return {
      versionUrl: version.url,
      endpoints: endpoints.map((endpoint) => ({
        identifier: endpoint.identifier,
        role: EMSP_RECEIVERS.has(endpoint.identifier) ? 'RECEIVER' : 'SENDER',
        url: endpoint.url,
      })),
    };
  } catch (error) {
    if (error instanceof OcpiError) throw error;
    throw ocpiRefusal(StatusCode.unusableApi, `the partner's versions could not be read: ${(error as Error).message}`);
  }
}

/** Receiver side of a 2.1.1 POST or PUT: the party's credentials in, Anode's fresh ones out; the party now speaks 2.1.1. */
export async function acceptCredentials211(ctx: OcpiContext, partner: Partner, body: Credentials211): Promise<Credentials211> {
  const api = await discover211(ctx, body.token, body.url);
  const incomingToken = newToken();
  await ctx.domain.parties.completeRegistration(partner.id, {
    incomingToken,
    outgoingToken: body.token,
    versionsUrl: body.url,
    versionUrl: api.versionUrl,
    version: OCPI_211,
    roles: [roleOf(body)],
    endpoints: api.endpoints,
  });
  ctx.logger.info({ partnerId: partner.id, party: `${body.country_code}-${body.party_id}`, version: OCPI_211 }, 'OCPI partner registered');
  return ourCredentials211(ctx, incomingToken);
}

/** The versions a party the operator registered offers: read with its token encoded as 2.2.1 does, else as it is. */
async function offeredVersions(ctx: OcpiContext, partner: Partner, versionsUrl: string): Promise<string[]> {
  const token = partner.registrationToken;
  if (!partner.rawTokens) {
    const encoded = await partnerClient({ token, rawTokens: false, versionsUrl }, { ...ctx.cpo, timeoutMs: ctx.partnerTimeoutMs })
      .GET('/versions', { params: { header: requestIds() } })
      .catch(() => undefined);
    if (encoded?.data?.data) return encoded.data.data.map((entry) => entry.version);
  }
  const raw = await partnerClient211({ token, versionsUrl }, ctx.partnerTimeoutMs).GET('/versions');
  return raw.data?.data?.map((entry) => entry.version) ?? [];
}

/**
 * Anode starts the handshake with a party the operator registered with its versions URL, in the highest version both
 * speak: 2.2.1 when the party offers it (the 2.2.1 module's own flow), else 2.1.1.
 */
export async function startRegistrationInBestVersion(ctx: OcpiContext, partner: Partner): Promise<void> {
  const versionsUrl = partner.versionsUrl;
  if (!versionsUrl) return;
  const offered = await offeredVersions(ctx, partner, versionsUrl).catch(() => [] as string[]);
  if (offered.includes('2.2.1') || !offered.includes(OCPI_211)) return startRegistration(ctx, partner);
  await recordingHandshake(ctx, partner, async () => {
    const api = await discover211(ctx, partner.registrationToken, versionsUrl);
    const incomingToken = newToken();
    const client = partnerClient211({ token: partner.registrationToken, versionUrl: api.versionUrl, endpoints: api.endpoints }, ctx.partnerTimeoutMs);
    const { data, response } = await client.POST('/credentials', { body: ourCredentials211(ctx, incomingToken) });
    const theirs = data?.data;
    if (!theirs) throw new Error(`the partner's credentials endpoint answered HTTP ${response.status} (${data?.status_message ?? 'no credentials'})`);
    await ctx.domain.parties.completeRegistration(partner.id, {
      incomingToken,
      outgoingToken: theirs.token,
      versionsUrl: theirs.url,
      versionUrl: api.versionUrl,
      version: OCPI_211,
      roles: [roleOf(theirs)],
      endpoints: api.endpoints,
    });
  });
}

/** Tells a 2.1.1 party that Anode unregistered it, when it can be reached. */
export async function sayFarewell211(ctx: OcpiContext, partner: Partner): Promise<void> {
  if (!partner.outgoingToken || partner.endpoints.length === 0) return;
  try {
    await partnerClient211({ token: partner.outgoingToken, endpoints: partner.endpoints }, ctx.partnerTimeoutMs).DELETE('/credentials');
  } catch (error) {
    ctx.logger.warn({ partnerId: partner.id, error: (error as Error).message }, 'could not tell the partner it was unregistered');
  }
}
