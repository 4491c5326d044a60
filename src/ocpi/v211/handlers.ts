/**
 * Anode's OCPI 2.1.1 CPO interface: every operation of openapi/ocpi/2.1.1/cpo.yaml. No handler logic of its own: each
 * one translates the 2.1.1 request into the 2.2.1 one, calls the 2.2.1 module's handler (or its command receiver),
 * and translates the answer back. What differs between the versions is in translate.ts.
 */
import type { operations } from '../../../generated/ocpi-2.1.1-cpo.js';
import type { components as Cpo221 } from '../../../generated/ocpi-2.2.1-cpo.js';
import type { Partner } from '../../domain/parties.js';
import type { OperationHandlers } from '../../http/contract.js';
import { ocpiBase, type OcpiContext } from '../context.js';
import { cpoHandlers } from '../handlers.js';
import { CommandReceiver, type CommandAnswer } from '../modules/commands.js';
import { registeredPartner } from '../modules/credentials.js';
import { callerOf } from '../modules/shared.js';
import { ocpiLocation } from '../modules/locations.js';
import { envelope, OcpiError, ocpiDate, ocpiMethodNotAllowed, ocpiNotFound, ocpiRefusal, ocpiUnauthorized, partnerOf, requesterOf, StatusCode, type Envelope, type OcpiEnv } from '../transport.js';
import { OCPI_211, registeredClient211 } from './client.js';
import { acceptCredentials211, ourCredentials211 } from './credentials.js';
import {
  cdr211,
  cdrLocationAsLocation,
  commandResponse211,
  commandResult211,
  connector211,
  evse211,
  location211,
  session211,
  tariff211,
  token211,
  token221,
  tokenPatch221,
  type Token211,
} from './translate.js';

type V221 = Cpo221['schemas'];
export type Cpo211Handlers = OperationHandlers<operations, OcpiEnv>;

/** The modules Anode serves in 2.1.1; a caller without a token (open data) is not served in 2.1.1. */
const MODULES = ['credentials', 'locations', 'tariffs', 'sessions', 'cdrs', 'tokens', 'commands'] as const;

/** The data of a 2.2.1 handler's successful answer (its failures are thrown). */
const dataOf = <T>(result: { body?: unknown }) => (result.body as Envelope<T>).data as T;

/** The one party a 2.1.1 partner acts for (2.1.1 credentials name one). */
function partyOf(partner: Partner): { countryCode: string; partyId: string } {
  const [role] = partner.roles;
  if (!role) throw ocpiRefusal(StatusCode.clientError, 'the partner has not named its party yet');
  return { countryCode: role.country_code, partyId: role.party_id };
}

/** Current locations by id, each read once per request (sessions and CDRs carry their whole location in 2.1.1). */
function locationReader(ctx: OcpiContext) {
  const read = new Map<string, Promise<V221['Location'] | undefined>>();
  return (id: string) => {
    let location = read.get(id);
    if (!location) {
      location = ctx.domain.locations.get(id).then(ocpiLocation, () => undefined);
      read.set(id, location);
    }
    return location;
  };
}

export function cpo211Handlers(ctx: OcpiContext): Cpo211Handlers {
  const v221 = cpoHandlers(ctx);
  const settings = { timeoutSeconds: ctx.commandTimeoutSeconds, remoteStartWindowSeconds: ctx.remoteStartWindowSeconds };
  const commands = new CommandReceiver(ctx, ctx.stationLink, settings, async (partner, responseUrl, result) => {
    const { response } = await registeredClient211(ctx, partner, { commands: responseUrl }).POST('/commands/{command}/{uid}', {
      params: { path: { command: 'START_SESSION', uid: 'result' } },
      body: commandResult211(result),
    });
    if (!response.ok) ctx.logger.warn({ partnerId: partner.id, status: response.status }, 'the partner refused a command result');
  });
  const answer = ({ response, statusCode }: CommandAnswer) => ({ status: 200 as const, body: { ...envelope(commandResponse211(response)), status_code: statusCode } });

  /** The type under which a 2.1.1 token (named by uid alone) is stored: RFID unless the party keeps an OTHER one. */
  const storedType = async (countryCode: string, partyId: string, uid: string): Promise<Token211['type']> =>
    !(await ctx.domain.tokens.ofParty(countryCode, partyId, uid, 'RFID')) && (await ctx.domain.tokens.ofParty(countryCode, partyId, uid, 'OTHER')) ? 'OTHER' : 'RFID';

  return {
    cpoGetVersions: ({ context }) => v221.cpoGetVersions({ path: {}, query: {}, body: undefined, context }),
    cpoGetVersionDetails: async ({ context }) => {
      const base = `${ocpiBase(ctx)}/${OCPI_211}`;
      const modules = requesterOf(context).kind === 'public' ? [] : MODULES;
      return { status: 200, body: envelope({ version: OCPI_211, endpoints: modules.map((identifier) => ({ identifier, url: `${base}/${identifier}` })) }) };
    },

    cpoGetCredentials: async ({ context }) => {
      const partner = partnerOf(context);
      return { status: 200, body: envelope(ourCredentials211(ctx, partner.incomingToken ?? partner.registrationToken)) };
    },
    cpoPostCredentials: async ({ body, context }) => {
      const requester = requesterOf(context);
      if (requester.kind !== 'partner') throw ocpiUnauthorized('a registration token is needed');
      if (requester.via === 'credentials') throw ocpiMethodNotAllowed('already registered: use PUT to update');
      return { status: 200, body: envelope(await acceptCredentials211(ctx, requester.partner, body)) };
    },
    cpoPutCredentials: async ({ body, context }) => ({ status: 200, body: envelope(await acceptCredentials211(ctx, registeredPartner(context), body)) }),
    cpoDeleteCredentials: ({ context }) => v221.cpoDeleteCredentials({ path: {}, query: {}, body: undefined, context }),

    cpoGetLocations: async ({ query, context }) => {
      const result = await v221.cpoGetLocations({ path: {}, query, body: undefined, context });
      return { status: 200, body: envelope(dataOf<V221['Location'][]>(result).map(location211)), headers: result.headers };
    },
    cpoGetLocation: async ({ path, context }) => {
      const result = await v221.cpoGetLocation({ path, query: {}, body: undefined, context });
      return { status: 200, body: envelope(location211(dataOf<V221['Location']>(result))) };
    },
    cpoGetEvse: async ({ path, context }) => {
      const evse = evse211(dataOf<V221['EVSE']>(await v221.cpoGetEvse({ path, query: {}, body: undefined, context })));
      if (!evse) throw ocpiNotFound(StatusCode.unknownLocation, `EVSE ${path.evse_uid} has no connector OCPI 2.1.1 can describe`);
      return { status: 200, body: envelope(evse) };
    },
    cpoGetConnector: async ({ path, context }) => {
      const connector = connector211(dataOf<V221['Connector']>(await v221.cpoGetConnector({ path, query: {}, body: undefined, context })));
      if (!connector) throw ocpiNotFound(StatusCode.unknownLocation, `connector ${path.connector_id} has a standard OCPI 2.1.1 does not know`);
      return { status: 200, body: envelope(connector) };
    },

    cpoGetTariffs: async ({ query, context }) => {
      const result = await v221.cpoGetTariffs({ path: {}, query, body: undefined, context });
      return { status: 200, body: envelope(dataOf<V221['Tariff'][]>(result).map(tariff211)), headers: result.headers };
    },

    cpoGetSessions: async ({ query, context }) => {
      const result = await v221.cpoGetSessions({ path: {}, query: query ?? {}, body: undefined, context });
      const locationOf = locationReader(ctx);
      const sessions = await Promise.all(
        dataOf<V221['Session'][]>(result).map(async (session) => {
          const location = await locationOf(session.location_id);
          if (!location) throw new OcpiError(500, StatusCode.serverError, `session ${session.id} names a location Anode no longer has`);
          return session211(session, location);
        }),
      );
      return { status: 200, body: envelope(sessions), headers: result.headers };
    },
    cpoGetCdrs: async ({ query, context }) => {
      const result = await v221.cpoGetCdrs({ path: {}, query, body: undefined, context });
      const locationOf = locationReader(ctx);
      const cdrs = await Promise.all(
        dataOf<V221['CDR'][]>(result).map(async (cdr) => cdr211(cdr, (await locationOf(cdr.cdr_location.id)) ?? cdrLocationAsLocation(cdr))),
      );
      return { status: 200, body: envelope(cdrs), headers: result.headers };
    },

    cpoGetToken: async ({ path, context }) => {
      const type = await storedType(path.country_code, path.party_id, path.token_uid);
      const result = await v221.cpoGetToken({ path, query: { type }, body: undefined, context });
      return { status: 200, body: envelope(token211(dataOf<V221['Token']>(result))), headers: result.headers };
    },
    cpoPutToken: async ({ path, body, context }) => {
      const token = token221(body, { countryCode: path.country_code, partyId: path.party_id });
      const result = await v221.cpoPutToken({ path, query: { type: token.type }, body: token, context });
      return { status: result.status as 200 | 201, body: result.body as Envelope<never>, headers: result.headers };
    },
    cpoPatchToken: async ({ path, body, context }) => {
      const type = await storedType(path.country_code, path.party_id, path.token_uid);
      const result = await v221.cpoPatchToken({ path, query: { type }, body: tokenPatch221(body), context });
      return { status: 200, body: result.body as Envelope<never>, headers: result.headers };
    },

    cpoPostStartSession: async ({ body, context }) => {
      const partner = partnerOf(context);
      const start: V221['StartSession'] = {
        response_url: body.response_url,
        token: token221(body.token, partyOf(partner)),
        location_id: body.location_id,
        ...(body.evse_uid !== undefined && { evse_uid: body.evse_uid }),
      };
      return answer(await commands.startSession(callerOf(context), start));
    },
    cpoPostStopSession: async ({ body, context }) => answer(await commands.stopSession(callerOf(context), body)),
    cpoPostUnlockConnector: async ({ body, context }) => answer(await commands.unlockConnector(callerOf(context), body)),
    cpoPostReserveNow: async ({ body, context }) => {
      const partner = partnerOf(context);
      const expiresAt = ocpiDate(body.expiry_date);
      if (Number.isNaN(expiresAt.getTime())) throw ocpiRefusal(StatusCode.invalidParameters, `expiry_date ${body.expiry_date} is not a date`);
      const reserve: V221['ReserveNow'] = {
        response_url: body.response_url,
        token: token221(body.token, partyOf(partner)),
        expiry_date: body.expiry_date,
        reservation_id: String(body.reservation_id),
        location_id: body.location_id,
        ...(body.evse_uid !== undefined && { evse_uid: body.evse_uid }),
      };
      return answer(await commands.reserveNow(callerOf(context), reserve, expiresAt));
    },
  };
}
