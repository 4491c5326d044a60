/** Anode's OCPI 2.2.1 CPO interface: every operation of openapi/ocpi/2.2.1/cpo.yaml, each a thin translation. */
import type { Context } from 'hono';
import type { components, operations } from '../../generated/ocpi-2.2.1-cpo.js';
import type { ClientInfo, ConnectionStatus } from '../domain/hub-client-info.js';
import type { PageRequest } from '../domain/pagination.js';
import { actsFor, type Partner } from '../domain/parties.js';
import { tokenEtag } from '../domain/tokens.js';
import type { OperationHandlers } from '../http/contract.js';
import { paginationHeaders } from '../http/pagination.js';
import type { OcpiContext } from './context.js';
import { ChargingProfileReceiver, type ProfileAnswer } from './modules/charging-profiles.js';
import { CommandReceiver } from './modules/commands.js';
import { acceptCredentials, ourCredentials } from './modules/credentials.js';
import { LocationPageCache, ocpiConnector, ocpiEvse, ocpiLocation } from './modules/locations.js';
import { ocpiSession, ownersOf } from './modules/sessions.js';
import { ocpiToken, storedToken, tokenInput } from './modules/tokens.js';
import { endpointsFor } from './modules/versions.js';
import { callerOf, emptyEnvelope, envelope, OCPI_VERSION, OcpiError, ocpiDate, partnerOf, StatusCode } from './transport.js';

type Schemas = components['schemas'];

const DEFAULT_PAGE_SIZE = 50;

function pageOf(ctx: OcpiContext, query: { offset?: number; limit?: number } | undefined): PageRequest {
  return { offset: query?.offset ?? 0, limit: Math.min(query?.limit ?? DEFAULT_PAGE_SIZE, ctx.maxPageSize) };
}


/** Request ids echoed; for a routed request (a hub's), the routing headers answered the other way round. */
function routed(context: Context): Record<string, string> {
  const headers: Record<string, string> = {
    'X-Request-ID': String(context.get('requestId' as never)),
    'X-Correlation-ID': String(context.get('correlationId' as never)),
  };
  const fromCountry = context.req.header('ocpi-from-country-code');
  const fromParty = context.req.header('ocpi-from-party-id');
  const toCountry = context.req.header('ocpi-to-country-code');
  const toParty = context.req.header('ocpi-to-party-id');
  if (fromCountry && fromParty) Object.assign(headers, { 'OCPI-to-country-code': fromCountry, 'OCPI-to-party-id': fromParty });
  if (toCountry && toParty) Object.assign(headers, { 'OCPI-from-country-code': toCountry, 'OCPI-from-party-id': toParty });
  return headers;
}


const same = (a: string | undefined, b: string) => a !== undefined && a.toUpperCase() === b.toUpperCase();

/**
 * A partner may only act for the country code and party id of one of its own roles; a hub acts for the party its
 * OCPI-from-* routing headers name.
 */
function assertOwnParty(context: Context, countryCode: string, partyId: string): Partner {
  const partner = partnerOf(context);
  const own = actsFor(partner, countryCode, partyId);
  const viaHub =
    partner.roles.some((role) => role.role === 'HUB') &&
    same(context.req.header('ocpi-from-country-code'), countryCode) &&
    same(context.req.header('ocpi-from-party-id'), partyId);
  if (!own && !viaHub) throw new OcpiError(403, StatusCode.clientError, `${countryCode}/${partyId} is not a party this token acts for`);
  return partner;
}

/** Only a hub may use the hubclientinfo module: it owns the client infos (spec: HubClientInfo module, data owner Hub). */
function assertHub(context: Context): Partner {
  const partner = partnerOf(context);
  if (!partner.roles.some((role) => role.role === 'HUB')) {
    throw new OcpiError(403, StatusCode.clientError, 'only a party registered with the HUB role may use the hubclientinfo module');
  }
  return partner;
}

function ocpiClientInfo(info: ClientInfo): Schemas['ClientInfo'] {
  return {
    party_id: info.partyId,
    country_code: info.countryCode,
    role: info.role as Schemas['ClientInfo']['role'],
    status: info.status as ConnectionStatus,
    last_updated: info.lastUpdated.toISOString(),
  };
}

function registeredPartner(context: Context): Partner {
  const caller = callerOf(context);
  if (caller.kind !== 'partner' || caller.via !== 'credentials') {
    throw new OcpiError(405, StatusCode.clientError, 'not registered: use POST to register first');
  }
  return caller.partner;
}

export function cpoHandlers(ctx: OcpiContext): OperationHandlers<operations> {
  const { domain } = ctx;
  const baseUrl = ctx.publicBaseUrl;
  const locationPages = new LocationPageCache();
  const commands = new CommandReceiver(ctx, ctx.stationLink, { timeoutSeconds: ctx.commandTimeoutSeconds, remoteStartWindowSeconds: ctx.remoteStartWindowSeconds });
  const chargingProfiles = new ChargingProfileReceiver(ctx, ctx.stationLink, { timeoutSeconds: ctx.commandTimeoutSeconds });
  const profileAnswer = (context: Context, answer: ProfileAnswer) => ({
    status: 200 as const,
    body: envelope(answer.response, answer.message),
    headers: routed(context),
  });
  return {
    // --- versions ---
    cpoGetVersions: async ({ context }) => ({
      status: 200,
      body: envelope([{ version: OCPI_VERSION, url: `${baseUrl}/ocpi/${OCPI_VERSION}` }]),
      headers: routed(context),
    }),
    cpoGetVersionDetails: async ({ context }) => ({
      status: 200,
      body: envelope({ version: OCPI_VERSION, endpoints: endpointsFor(ctx, context) }),
      headers: routed(context),
    }),

    // --- credentials ---
    cpoGetCredentials: async ({ context }) => {
      const partner = partnerOf(context);
      return { status: 200, body: envelope(ourCredentials(ctx, partner.incomingToken ?? partner.registrationToken)), headers: routed(context) };
    },
    cpoPostCredentials: async ({ body, context }) => {
      const caller = callerOf(context);
      if (caller.kind !== 'partner') throw new OcpiError(401, StatusCode.clientError, 'a registration token is needed');
      if (caller.via === 'credentials') throw new OcpiError(405, StatusCode.clientError, 'already registered: use PUT to update');
      return { status: 200, body: envelope(await acceptCredentials(ctx, caller.partner, body)), headers: routed(context) };
    },
    cpoPutCredentials: async ({ body, context }) => {
      const partner = registeredPartner(context);
      return { status: 200, body: envelope(await acceptCredentials(ctx, partner, body)), headers: routed(context) };
    },
    cpoDeleteCredentials: async ({ context }) => {
      const partner = registeredPartner(context);
      await domain.parties.unregister(partner.id);
      ctx.logger.info({ partnerId: partner.id }, 'OCPI partner unregistered itself');
      return { status: 200, body: emptyEnvelope(), headers: routed(context) };
    },

    // --- locations (sender) ---
    cpoGetLocations: async ({ query, context }) => {
      const request = pageOf(ctx, query);
      const filter = {
        changedFrom: ocpiDate(query?.date_from),
        changedBefore: ocpiDate(query?.date_to),
        publishedOnly: callerOf(context).kind === 'public',
      };
      const key = JSON.stringify([request, filter]);
      const page = await locationPages.get(key, domain.locations.version(), async () => {
        const stored = await domain.locations.list(request, filter);
        return { ...stored, items: stored.items.map(ocpiLocation) };
      });
      return {
        status: 200,
        body: envelope(page.items),
        headers: { ...routed(context), ...paginationHeaders(context, page, baseUrl) },
      };
    },
    cpoGetLocation: async ({ path, context }) => ({
      status: 200,
      body: envelope(ocpiLocation(await visibleLocation(ctx, context, path.location_id))),
      headers: routed(context),
    }),
    cpoGetEvse: async ({ path, context }) => {
      const location = await visibleLocation(ctx, context, path.location_id);
      const evse = location.evses.find((candidate) => candidate.uid === path.evse_uid);
      if (!evse) throw new OcpiError(404, StatusCode.unknownLocation, `location ${path.location_id} has no EVSE ${path.evse_uid}`);
      return { status: 200, body: envelope(ocpiEvse(evse)), headers: routed(context) };
    },
    cpoGetConnector: async ({ path, context }) => {
      const location = await visibleLocation(ctx, context, path.location_id);
      const connector = location.evses
        .find((candidate) => candidate.uid === path.evse_uid)
        ?.connectors.find((candidate) => candidate.id === path.connector_id);
      if (!connector) {
        throw new OcpiError(404, StatusCode.unknownLocation, `location ${path.location_id} has no connector ${path.evse_uid}/${path.connector_id}`);
      }
      return { status: 200, body: envelope(ocpiConnector(connector)), headers: routed(context) };
    },

    // --- tariffs (sender) ---
    cpoGetTariffs: async ({ query, context }) => {
      const page = await domain.tariffs.list(pageOf(ctx, query), { from: ocpiDate(query?.date_from), before: ocpiDate(query?.date_to) });
      return {
        status: 200,
        body: envelope(page.items as unknown as Schemas['Tariff'][]),
        headers: { ...routed(context), ...paginationHeaders(context, page, baseUrl) },
      };
    },

    // --- tokens (receiver) ---
    cpoGetToken: async ({ path, query, context }) => {
      assertOwnParty(context, path.country_code, path.party_id);
      const token = await domain.tokens.ofParty(path.country_code, path.party_id, path.token_uid, query?.type ?? 'RFID');
      if (!token) throw new OcpiError(404, StatusCode.unknownToken, `token ${path.token_uid} is not known`);
      return { status: 200, body: envelope(ocpiToken(token)), headers: { ...routed(context), ETag: tokenEtag(token) } };
    },
    cpoPutToken: async ({ path, query, body, context }) => {
      const partner = assertOwnParty(context, path.country_code, path.party_id);
      const mismatch =
        body.uid !== path.token_uid ||
        body.country_code.toUpperCase() !== path.country_code.toUpperCase() ||
        body.party_id.toUpperCase() !== path.party_id.toUpperCase() ||
        body.type !== (query?.type ?? body.type);
      if (mismatch) throw new OcpiError(400, StatusCode.invalidParameters, 'the token in the body is not the one the URL names');
      const existed = await domain.tokens.ofParty(path.country_code, path.party_id, path.token_uid, body.type);
      const stored = await domain.tokens.putFromPartner(storedToken(partner, body), context.req.header('if-match'));
      return { status: existed ? 200 : 201, body: emptyEnvelope(), headers: { ...routed(context), ETag: tokenEtag(stored) } };
    },
    cpoPatchToken: async ({ path, query, body, context }) => {
      const partner = assertOwnParty(context, path.country_code, path.party_id);
      // A PATCH changes a token's details, never which token it is (the URL names it).
      const renames =
        (body.uid !== undefined && body.uid !== path.token_uid) ||
        (body.country_code !== undefined && body.country_code.toUpperCase() !== path.country_code.toUpperCase()) ||
        (body.party_id !== undefined && body.party_id.toUpperCase() !== path.party_id.toUpperCase()) ||
        (body.type !== undefined && body.type !== (query?.type ?? 'RFID'));
      if (renames) throw new OcpiError(400, StatusCode.invalidParameters, 'a PATCH cannot change the uid, type, country_code or party_id the URL names');
      const stored = await domain.tokens.patchFromPartner(
        { countryCode: path.country_code, partyId: path.party_id, uid: path.token_uid, type: query?.type ?? 'RFID' },
        { ...tokenInput(partner, body), lastUpdated: ocpiDate(body.last_updated)! },
        context.req.header('if-match'),
      );
      return { status: 200, body: emptyEnvelope(), headers: { ...routed(context), ETag: tokenEtag(stored) } };
    },
    cpoGetPartyTokens: async ({ path, query, context }) => {
      assertOwnParty(context, path.country_code, path.party_id);
      const page = await domain.tokens.listOfParty(path.country_code, path.party_id, pageOf(ctx, query), {
        from: ocpiDate(query?.date_from),
        before: ocpiDate(query?.date_to),
      });
      return {
        status: 200,
        body: envelope(page.items.map(ocpiToken)),
        headers: { ...routed(context), ...paginationHeaders(context, page, baseUrl) },
      };
    },
    cpoDeletePartyTokens: async ({ path, context }) => {
      assertOwnParty(context, path.country_code, path.party_id);
      const deleted = await domain.tokens.deleteOfParty(path.country_code, path.party_id);
      ctx.logger.info({ countryCode: path.country_code, partyId: path.party_id, deleted }, 'OCPI party deleted its tokens');
      return { status: 200, body: emptyEnvelope(), headers: routed(context) };
    },

    // --- not offered yet (not listed in the version details) ---
    // --- sessions and CDRs (senders): only those of tokens the caller's parties issued ---
    cpoGetSessions: async ({ query, context }) => {
      const partner = partnerOf(context);
      const page = await domain.chargingRecords.sessions(ownersOf(partner), pageOf(ctx, query), {
        from: ocpiDate(query.date_from),
        before: ocpiDate(query.date_to),
      });
      return {
        status: 200,
        body: envelope(page.items.map((facts) => ocpiSession(facts, ctx.cpo))),
        headers: { ...routed(context), ...paginationHeaders(context, page, baseUrl) },
      };
    },
    // Anode does not plan charging from preferences (yet): the honest answer the spec provides.
    cpoPutChargingPreferences: async ({ context }) => ({ status: 200, body: envelope('NOT_POSSIBLE' as const), headers: routed(context) }),
    cpoGetCdrs: async ({ query, context }) => {
      const partner = partnerOf(context);
      const page = await domain.chargingRecords.cdrs(ownersOf(partner), pageOf(ctx, query), {
        from: ocpiDate(query?.date_from),
        before: ocpiDate(query?.date_to),
      });
      return {
        status: 200,
        body: envelope(page.items.map((cdr) => ({ ...cdr.body, last_updated: cdr.lastUpdated.toISOString() }) as unknown as Schemas['CDR'])),
        headers: { ...routed(context), ...paginationHeaders(context, page, baseUrl) },
      };
    },
    // --- commands (receiver): answered at once, the station's outcome POSTed to response_url ---
    cpoPostStartSession: async ({ body, context }) => ({
      status: 200,
      body: envelope(await commands.startSession(partnerOf(context), body)),
      headers: routed(context),
    }),
    cpoPostStopSession: async ({ body, context }) => ({
      status: 200,
      body: envelope(await commands.stopSession(partnerOf(context), body)),
      headers: routed(context),
    }),
    cpoPostUnlockConnector: async ({ body, context }) => ({
      status: 200,
      body: envelope(await commands.unlockConnector(partnerOf(context), body)),
      headers: routed(context),
    }),
    cpoPostReserveNow: async ({ body, context }) => {
      const expiresAt = ocpiDate(body.expiry_date)!;
      if (Number.isNaN(expiresAt.getTime())) throw new OcpiError(400, StatusCode.invalidParameters, `expiry_date ${body.expiry_date} is not a date`);
      return { status: 200, body: envelope(await commands.reserveNow(partnerOf(context), body, expiresAt)), headers: routed(context) };
    },
    cpoPostCancelReservation: async ({ body, context }) => ({
      status: 200,
      body: envelope(await commands.cancelReservation(partnerOf(context), body)),
      headers: routed(context),
    }),
    // --- charging profiles (receiver): answered at once, the station's outcome POSTed to response_url ---
    cpoGetActiveChargingProfile: async ({ path, query, context }) =>
      profileAnswer(context, await chargingProfiles.activeProfile(partnerOf(context), path.session_id, query.duration, query.response_url)),
    cpoPutChargingProfile: async ({ path, body, context }) =>
      profileAnswer(context, await chargingProfiles.setProfile(partnerOf(context), path.session_id, body)),
    cpoDeleteChargingProfile: async ({ path, query, context }) =>
      profileAnswer(context, await chargingProfiles.clearProfile(partnerOf(context), path.session_id, query.response_url)),
    // --- hubclientinfo (receiver): a hub tells Anode which parties behind it are connected ---
    cpoGetClientInfo: async ({ path, context }) => {
      assertHub(context);
      const info = await domain.hubClientInfos.get(path.country_code, path.party_id);
      if (!info) throw new OcpiError(404, StatusCode.clientError, `no client info for ${path.country_code}/${path.party_id}`);
      return { status: 200, body: envelope(ocpiClientInfo(info)), headers: routed(context) };
    },
    cpoPutClientInfo: async ({ path, body, context }) => {
      const hub = assertHub(context);
      if (!same(body.country_code, path.country_code) || !same(body.party_id, path.party_id)) {
        throw new OcpiError(400, StatusCode.invalidParameters, 'the client info in the body is not the one the URL names');
      }
      const { created } = await domain.hubClientInfos.put({
        countryCode: body.country_code,
        partyId: body.party_id,
        role: body.role,
        status: body.status,
        lastUpdated: ocpiDate(body.last_updated)!,
        reportedBy: hub.id,
      });
      return { status: created ? 201 : 200, body: emptyEnvelope(), headers: routed(context) };
    },
  };
}

/** A location the caller may see: open-data callers only see published ones. */
async function visibleLocation(ctx: OcpiContext, context: Context, id: string) {
  const location = await ctx.domain.locations.get(id).catch(() => undefined);
  if (!location || (callerOf(context).kind === 'public' && !location.publish)) {
    throw new OcpiError(404, StatusCode.unknownLocation, `location ${id} is not known`);
  }
  return location;
}
