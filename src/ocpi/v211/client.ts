/**
 * How Anode calls a 2.1.1 partner: the generated 2.1.1 eMSP client, its module paths routed to the URLs the partner
 * published (the same routing as for 2.2.1), with the token sent as it is and without 2.2.1's request ids and
 * routing headers, which 2.1.1 does not have.
 */
import { createOcpi211EmspClient } from '../../../generated/ocpi-2.1.1-emsp-client.js';
import type { Partner } from '../../domain/parties.js';
import type { OcpiContext } from '../context.js';
import { PartnerUnreachable, routedUrl, type PartnerAddress } from '../partner-client.js';

export type Emsp211Client = ReturnType<typeof createOcpi211EmspClient>;

export const OCPI_211 = '2.1.1';

const PLACEHOLDER_BASE = 'http://partner.ocpi.invalid';

export function partnerClient211(address: Omit<PartnerAddress, 'rawTokens'>, timeoutMs: number): Emsp211Client {
  const fetchRouted = async (request: Request): Promise<Response> => {
    const target = routedUrl(request.url, { ...address, rawTokens: true });
    const headers = new Headers(request.headers);
    headers.set('Authorization', `Token ${address.token}`);
    const body = ['GET', 'HEAD'].includes(request.method) ? undefined : await request.text();
    try {
      return await fetch(target, { method: request.method, headers, body, signal: AbortSignal.timeout(timeoutMs) });
    } catch (error) {
      throw new PartnerUnreachable(`${request.method} ${target}: ${(error as Error).message}`);
    }
  };
  return createOcpi211EmspClient({ baseUrl: PLACEHOLDER_BASE, fetch: fetchRouted });
}

/** The client for a registered 2.1.1 partner, with `exactUrls` for a URL it gave for one exchange (a response_url). */
export function registeredClient211(ctx: OcpiContext, partner: Partner, exactUrls?: Record<string, string>): Emsp211Client {
  return partnerClient211({ token: partner.outgoingToken ?? '', endpoints: partner.endpoints, exactUrls }, ctx.partnerTimeoutMs);
}
