/**
 * OCPI transport and format: the response envelope, status codes, token authentication, request/correlation ids,
 * pagination headers.
 */
import { randomUUID } from 'node:crypto';
import type { Context, MiddlewareHandler } from 'hono';
import { ownParty, type Parties, type Partner, type PartyKey } from '../domain/parties.js';
import { isStorableText } from '../db/storable.js';

export const OCPI_VERSION = '2.2.1';

/** OCPI DateTime without a zone designator means UTC. */
export function ocpiDate(value: string): Date;
export function ocpiDate(value: string | undefined): Date | undefined;
export function ocpiDate(value: string | undefined): Date | undefined {
  if (value === undefined) return undefined;
  return new Date(/(Z|[+-]\d\d:?\d\d)$/.test(value) ? value : `${value}Z`);
}

/** OCPI status codes Anode answers with. */
export const StatusCode = {
  success: 1000,
  clientError: 2000,
  invalidParameters: 2001,
  notEnoughInformation: 2002,
  unknownLocation: 2003,
  unknownToken: 2004,
  serverError: 3000,
  unusableApi: 3001,
  unsupportedVersion: 3002,
  noMatchingEndpoints: 3003,
} as const;

/**
 * A failure to be answered as an OCPI envelope with this HTTP status and OCPI status code. Made with the helpers
 * below, which follow the table of docs/ocpi.md "Transport" (src/ocpi/failures.ts maps every other error).
 */
export class OcpiError extends Error {
  constructor(
    readonly httpStatus: number,
    readonly statusCode: number,
    message: string,
  ) {
    super(message);
    this.name = 'OcpiError';
  }
}

/**
 * A well-formed request that a rule of the module refuses: HTTP 200 with this OCPI status (2xxx the client's fault,
 * 3xxx Anode's or the partner's API), the reason in status_message.
 */
export const ocpiRefusal = (statusCode: number, message: string) => new OcpiError(200, statusCode, message);

/**
 * The object the URL names does not exist, or not for this requester (an object of a party it does not act for):
 * HTTP 404 with this OCPI status (2003 for locations, 2004 for tokens, else 2000).
 */
export const ocpiNotFound = (statusCode: number, message: string) => new OcpiError(404, statusCode, message);

/** No credentials token, or one that does not open this endpoint: HTTP 401. */
export const ocpiUnauthorized = (message: string) => new OcpiError(401, StatusCode.clientError, message);

/** A method the credentials module does not allow in the party's registration state: HTTP 405. */
export const ocpiMethodNotAllowed = (message: string) => new OcpiError(405, StatusCode.clientError, message);

export interface Envelope<T> {
  data?: T;
  status_code: number;
  status_message?: string;
  timestamp: string;
}

export function envelope<T>(data: T, statusMessage?: string): Envelope<T> & { data: T } {
  return { data, status_code: StatusCode.success, ...(statusMessage && { status_message: statusMessage }), timestamp: new Date().toISOString() };
}

export function emptyEnvelope(): Envelope<never> {
  return { status_code: StatusCode.success, timestamp: new Date().toISOString() };
}

export function errorEnvelope(statusCode: number, message: string): Envelope<never> {
  return { status_code: statusCode, status_message: message, timestamp: new Date().toISOString() };
}

/** Who made the request, and so what it is allowed: from the token it carried. */
export type Requester =
  /** `actingFor`: the parties the request may act for (see Parties.actingParties) */
  | { kind: 'partner'; partner: Partner; via: 'registration' | 'credentials'; actingFor: PartyKey[] }
  | { kind: 'public' };

/** What the transport middleware leaves on the Hono context for the handlers. */
export type OcpiEnv = { Variables: { requester: Requester } };

export function requesterOf(context: Context<OcpiEnv>): Requester {
  return context.get('requester');
}

/** The registered partner behind the request; a 401 when there is none (open-data requesters). */
export function partnerOf(context: Context<OcpiEnv>): Partner {
  const requester = requesterOf(context);
  if (requester.kind !== 'partner') throw ocpiUnauthorized('this endpoint needs a credentials token');
  return requester.partner;
}

/**
 * Decodes `Token <base64>`; a party with the compatibility switch may send the token as it is. A token that cannot
 * be stored (a NUL, say) cannot be anybody's, so it is not offered for look-up: it is simply unknown (401).
 */
export function presentedTokens(header: string | undefined): { decoded?: string; raw?: string } {
  const match = /^Token\s+(\S+)\s*$/i.exec(header ?? '');
  if (!match || !isStorableText(match[1])) return {};
  const raw = match[1];
  const decoded = Buffer.from(raw, 'base64').toString('utf8');
  const isBase64 = /^[A-Za-z0-9+/]+={0,2}$/.test(raw) && Buffer.from(decoded, 'utf8').toString('base64') === raw;
  return { raw, ...(isBase64 && isStorableText(decoded) && { decoded }) };
}

export function encodeToken(token: string, rawTokens: boolean): string {
  return rawTokens ? token : Buffer.from(token, 'utf8').toString('base64');
}

/** Paths a party that still holds its registration token (token A) may use: the handshake, nothing else. */
const HANDSHAKE_PATHS = /^\/ocpi\/(versions|2\.2\.1|2\.2\.1\/credentials|2\.1\.1|2\.1\.1\/credentials)\/?$/;
/** OCPI 2.1.1's paths, where tokens come as they are (2.1.1 does not Base64-encode them). */
const V211_PATHS = /^\/ocpi\/2\.1\.1(\/|$)/;
const VERSIONS_PATH = /^\/ocpi\/versions\/?$/;
/** Paths open data (OCPI_OPEN_DATA) serves without a token, for GET only. */
const OPEN_DATA_PATHS = /^\/ocpi\/(versions|2\.2\.1|2\.2\.1\/locations(\/.*)?|2\.2\.1\/tariffs)\/?$/;

/**
 * The configuration modules (versions, version details, credentials, hubclientinfo), whatever the version: platform to
 * platform, never routed, so their answers carry no OCPI-to/from-* headers.
 */
const CONFIGURATION_PATHS = /^\/ocpi\/(versions|\d+(\.\d+)*(\/(credentials|hubclientinfo)(\/.*)?)?)\/?$/;

/** Paths whose answers carry no routing headers: the configuration modules, and OCPI 2.1.1, which has none. */
const unrouted = (path: string) => CONFIGURATION_PATHS.test(path) || V211_PATHS.test(path);

const setRouting = (context: Context<OcpiEnv>, to: PartyKey | undefined, from: PartyKey | undefined) => {
  if (to) {
    context.header('OCPI-to-country-code', to.countryCode);
    context.header('OCPI-to-party-id', to.partyId);
  }
  if (from) {
    context.header('OCPI-from-country-code', from.countryCode);
    context.header('OCPI-from-party-id', from.partyId);
  }
};

/**
 * Every answer, an error envelope too, echoes the request ids; a routed request to a functional module gets its
 * OCPI-from-* and OCPI-to-* routing headers answered the other way round (transport_and_format: direct response).
 */
function answerHeaders(context: Context<OcpiEnv>): void {
  context.header('X-Request-ID', context.req.header('x-request-id') ?? randomUUID());
  context.header('X-Correlation-ID', context.req.header('x-correlation-id') ?? randomUUID());
  if (unrouted(context.req.path)) return;
  setRouting(context, namedParty(context, 'from'), namedParty(context, 'to'));
}

/**
 * A request to a functional module that names no parties is taken as from the caller's own party to Anode's `self`,
 * and answered so: to the caller's party, from Anode's.
 */
function addressAnswer(context: Context<OcpiEnv>, partner: Partner, self: PartyKey | undefined): void {
  if (unrouted(context.req.path)) return;
  setRouting(context, namedParty(context, 'from') ? undefined : ownParty(partner), namedParty(context, 'to') ? undefined : self);
}

export function ocpiTransport(parties: Parties, options: { openData: boolean; self?: PartyKey }): MiddlewareHandler<OcpiEnv> {
  return async (context, next) => {
    answerHeaders(context);
    const header = context.req.header('authorization');
    const path = context.req.path;
    if (!header) {
      if (options.openData && context.req.method === 'GET' && OPEN_DATA_PATHS.test(path)) {
        context.set('requester', { kind: 'public' });
        return next();
      }
      throw ocpiUnauthorized('missing Authorization: Token header');
    }
    const { decoded, raw } = presentedTokens(header);
    const access =
      (decoded !== undefined ? await parties.byToken(decoded) : undefined) ?? (raw !== undefined ? await rawAccess(parties, raw, path) : undefined);
    if (!access) throw ocpiUnauthorized('unknown or invalid token');
    if (access.via === 'registration' && access.partner.status === 'PENDING' && !HANDSHAKE_PATHS.test(path)) {
      throw ocpiUnauthorized('a registration token only opens the versions and credentials endpoints');
    }
    context.set('requester', { kind: 'partner', ...access, actingFor: await parties.actingParties(access.partner, namedParty(context, 'from')) });
    addressAnswer(context, access.partner, options.self);
    return next();
  };
}

/** The party a request names in its OCPI-from-* (its sender) or OCPI-to-* (its addressee) headers, when it names one. */
function namedParty(context: Context<OcpiEnv>, side: 'from' | 'to'): PartyKey | undefined {
  const countryCode = context.req.header(`ocpi-${side}-country-code`);
  const partyId = context.req.header(`ocpi-${side}-party-id`);
  return countryCode && partyId ? { countryCode, partyId } : undefined;
}

/**
 * A token sent without base64 encoding is honoured for parties that have the compatibility switch on, on the paths
 * of OCPI 2.1.1, where that is how tokens are sent, and on the versions endpoint both versions share for a party
 * that may speak 2.1.1 (one still registering, or one registered in 2.1.1).
 */
async function rawAccess(parties: Parties, raw: string, path: string) {
  const access = await parties.byToken(raw);
  if (!access) return undefined;
  const mayBe211 = access.via === 'registration' || access.partner.version === '2.1.1';
  return access.partner.rawTokens || V211_PATHS.test(path) || (VERSIONS_PATH.test(path) && mayBe211) ? access : undefined;
}
