/**
 * How Anode calls a partner: the generated eMSP client (openapi-fetch), whose paths name a module
 * (`/locations/…`, `/tokens/…`), routed at request time to the URL the partner published for that module.
 */
import { randomUUID } from 'node:crypto';
import { createOcpiEmspClient } from '../../generated/ocpi-2.2.1-emsp-client.js';
import { ownParty, type PartyKey, type Partner, type PartnerEndpoint } from '../domain/parties.js';
import { encodeToken } from './transport.js';

export type EmspClient = ReturnType<typeof createOcpiEmspClient>;

/** What routing a call needs to know of the partner; it grows as the handshake learns it. */
export interface PartnerAddress {
  token: string;
  rawTokens: boolean;
  versionsUrl?: string | null;
  versionUrl?: string | null;
  endpoints?: PartnerEndpoint[];
  /** modules whose URL the partner gave for one exchange (a command's response_url): used as they are */
  exactUrls?: Record<string, string>;
  /**
   * The party a request to a functional module is addressed to (its OCPI-to-* headers): `partnerAddress` sets the
   * partner's own party unless the caller names another (the party behind a hub, the eMSP that issued a token).
   */
  to?: PartyKey;
}

/**
 * How to reach a registered partner's functional modules with the token Anode holds for it; requests are addressed
 * to `to` when given, else to the partner's own party.
 */
export function partnerAddress(partner: Partner, options: { to?: PartyKey; exactUrls?: Record<string, string> } = {}): PartnerAddress {
  const to = options.to ?? ownParty(partner);
  return {
    token: partner.outgoingToken ?? '',
    rawTokens: partner.rawTokens,
    endpoints: partner.endpoints,
    ...(options.exactUrls && { exactUrls: options.exactUrls }),
    ...(to && { to }),
  };
}

/** Who Anode calls as (its OCPI-from-* identity on routed modules) and how long a call may take. */
export interface PartnerCallSettings {
  countryCode: string;
  partyId: string;
  timeoutMs: number;
}

const PLACEHOLDER_BASE = 'http://partner.ocpi.invalid';
/**
 * The interface Anode calls for each module: what a CPO pushes to, or pulls tokens from. A session's active charging
 * profile goes to the chargingprofiles interface the module calls the Sender's (the one results are POSTed to).
 */
const CALLED_ROLE: Record<string, 'SENDER' | 'RECEIVER'> = { tokens: 'SENDER', chargingprofiles: 'SENDER' };
/** Configuration modules: platform to platform, never routed, so they carry none of the OCPI-to/from-* headers. */
const UNROUTED = new Set(['versions', 'version-details', 'credentials', 'hubclientinfo']);

export class PartnerUnreachable extends Error {}

function joinUrl(base: string, rest: string): string {
  return rest ? `${base.replace(/\/+$/, '')}/${rest}` : base;
}

/** Maps the client's placeholder URL to the partner's real one. */
export function routedUrl(placeholder: string, address: PartnerAddress): string {
  const url = new URL(placeholder);
  const [, module, ...rest] = url.pathname.split('/');
  const tail = rest.join('/');
  const exact = address.exactUrls?.[module];
  if (exact) return exact;
  let base: string | null | undefined;
  if (module === 'versions') base = address.versionsUrl;
  else if (module === 'version-details') base = address.versionUrl;
  else {
    const role = CALLED_ROLE[module] ?? 'RECEIVER';
    base = address.endpoints?.find((endpoint) => endpoint.identifier === module && (module === 'credentials' || endpoint.role === role))?.url;
  }
  if (!base) throw new PartnerUnreachable(`the partner published no ${module} endpoint`);
  return joinUrl(base, tail) + url.search;
}

export function partnerClient(address: PartnerAddress, settings: PartnerCallSettings): EmspClient {
  const fetchRouted = async (request: Request): Promise<Response> => {
    const target = routedUrl(request.url, address);
    const module = new URL(request.url).pathname.split('/')[1];
    const headers = new Headers(request.headers);
    headers.set('Authorization', `Token ${encodeToken(address.token, address.rawTokens)}`);
    if (!headers.has('X-Request-ID')) headers.set('X-Request-ID', randomUUID());
    if (!headers.has('X-Correlation-ID')) headers.set('X-Correlation-ID', randomUUID());
    if (!UNROUTED.has(module)) {
      headers.set('OCPI-from-country-code', settings.countryCode);
      headers.set('OCPI-from-party-id', settings.partyId);
      if (address.to) {
        headers.set('OCPI-to-country-code', address.to.countryCode);
        headers.set('OCPI-to-party-id', address.to.partyId);
      }
    }
    const body = ['GET', 'HEAD'].includes(request.method) ? undefined : await request.text();
    try {
      return await fetch(target, { method: request.method, headers, body, signal: AbortSignal.timeout(settings.timeoutMs) });
    } catch (error) {
      throw new PartnerUnreachable(`${request.method} ${target}: ${(error as Error).message}`);
    }
  };
  return createOcpiEmspClient({ baseUrl: PLACEHOLDER_BASE, fetch: fetchRouted });
}
