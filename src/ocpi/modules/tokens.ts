/** Tokens receiver: OCPI tokens in the token store's terms, and back. */
import type { components } from '../../../generated/ocpi-2.2.1-cpo.js';
import type { Partner } from '../../domain/parties.js';
import { tokenEtag, type Token, type TokenInput } from '../../domain/tokens.js';
import { paginationHeaders } from '../../http/pagination.js';
import type { OcpiContext } from '../context.js';
import { emptyEnvelope, envelope, ocpiDate, ocpiNotFound, ocpiRefusal, StatusCode } from '../transport.js';
import { assertOwnParty, pageOf, type ModuleHandlers } from './shared.js';

type Schemas = components['schemas'];

export function ocpiToken(token: Token): Schemas['Token'] {
  return {
    country_code: token.countryCode,
    party_id: token.partyId,
    uid: token.uid,
    type: token.type,
    contract_id: token.contractId,
    ...(token.visualNumber !== null && { visual_number: token.visualNumber }),
    issuer: token.issuer,
    ...(token.groupId !== null && { group_id: token.groupId }),
    valid: token.valid,
    whitelist: token.cacheMode,
    ...(token.languageCode !== null && { language: token.languageCode }),
    ...(token.defaultProfileType !== null && { default_profile_type: token.defaultProfileType as Schemas['Token']['default_profile_type'] }),
    ...(token.energyContract !== null && { energy_contract: token.energyContract as Schemas['Token']['energy_contract'] }),
    last_updated: token.lastUpdated.toISOString(),
  };
}

/** The fields of an OCPI token (or of a PATCH of one) in the store's terms. */
export function tokenInput(partner: Partner, body: Partial<Schemas['Token']>): Partial<TokenInput> {
  return {
    ...(body.country_code !== undefined && { countryCode: body.country_code.toUpperCase() }),
    ...(body.party_id !== undefined && { partyId: body.party_id.toUpperCase() }),
    ...(body.uid !== undefined && { uid: body.uid }),
    ...(body.type !== undefined && { type: body.type }),
    ...(body.contract_id !== undefined && { contractId: body.contract_id }),
    ...(body.visual_number !== undefined && { visualNumber: body.visual_number }),
    ...(body.issuer !== undefined && { issuer: body.issuer }),
    ...(body.group_id !== undefined && { groupId: body.group_id }),
    ...(body.valid !== undefined && { valid: body.valid }),
    ...(body.whitelist !== undefined && { cacheMode: body.whitelist }),
    ...(body.language !== undefined && { languageCode: body.language }),
    ...(body.default_profile_type !== undefined && { defaultProfileType: body.default_profile_type }),
    ...(body.energy_contract !== undefined && { energyContract: body.energy_contract as Record<string, unknown> }),
    ownerPartyId: partner.id,
  };
}

/** A whole OCPI token as the store keeps it, owned by the partner that sent it. */
export function storedToken(partner: Partner, token: Schemas['Token']): TokenInput & { lastUpdated: Date } {
  const input = tokenInput(partner, token) as TokenInput;
  return {
    ...input,
    visualNumber: input.visualNumber ?? null,
    groupId: input.groupId ?? null,
    languageCode: input.languageCode ?? null,
    expiresAt: null,
    lastUpdated: ocpiDate(token.last_updated),
  };
}

type TokensOperations = 'cpoGetToken' | 'cpoPutToken' | 'cpoPatchToken' | 'cpoGetPartyTokens' | 'cpoDeletePartyTokens';

/** Tokens receiver: a party keeps its own tokens here, and only its own. */
export function tokensHandlers(ctx: OcpiContext): ModuleHandlers<TokensOperations> {
  const { tokens } = ctx.domain;
  return {
    cpoGetToken: async ({ path, query, context }) => {
      assertOwnParty(context, path.country_code, path.party_id);
      const token = await tokens.ofParty(path.country_code, path.party_id, path.token_uid, query?.type ?? 'RFID');
      if (!token) throw ocpiNotFound(StatusCode.unknownToken, `token ${path.token_uid} is not known`);
      return { status: 200, body: envelope(ocpiToken(token)), headers: { ETag: tokenEtag(token) } };
    },
    cpoPutToken: async ({ path, query, body, context }) => {
      const partner = assertOwnParty(context, path.country_code, path.party_id);
      const mismatch =
        body.uid !== path.token_uid ||
        body.country_code.toUpperCase() !== path.country_code.toUpperCase() ||
        body.party_id.toUpperCase() !== path.party_id.toUpperCase() ||
        body.type !== (query?.type ?? body.type);
      if (mismatch) throw ocpiRefusal(StatusCode.invalidParameters, 'the token in the body is not the one the URL names');
      const existed = await tokens.ofParty(path.country_code, path.party_id, path.token_uid, body.type);
      const stored = await tokens.putFromPartner(storedToken(partner, body), context.req.header('if-match'));
      return { status: existed ? 200 : 201, body: emptyEnvelope(), headers: { ETag: tokenEtag(stored) } };
    },
    cpoPatchToken: async ({ path, query, body, context }) => {
      const partner = assertOwnParty(context, path.country_code, path.party_id);
      // A PATCH changes a token's details, never which token it is (the URL names it).
      const renames =
        (body.uid !== undefined && body.uid !== path.token_uid) ||
        (body.country_code !== undefined && body.country_code.toUpperCase() !== path.country_code.toUpperCase()) ||
        (body.party_id !== undefined && body.party_id.toUpperCase() !== path.party_id.toUpperCase()) ||
        (body.type !== undefined && body.type !== (query?.type ?? 'RFID'));
      if (renames) throw ocpiRefusal(StatusCode.invalidParameters, 'a PATCH cannot change the uid, type, country_code or party_id the URL names');
      const stored = await tokens.patchFromPartner(
        { countryCode: path.country_code, partyId: path.party_id, uid: path.token_uid, type: query?.type ?? 'RFID' },
        { ...tokenInput(partner, body), lastUpdated: ocpiDate(body.last_updated)! },
        context.req.header('if-match'),
      );
      return { status: 200, body: emptyEnvelope(), headers: { ETag: tokenEtag(stored) } };
    },
    cpoGetPartyTokens: async ({ path, query, context }) => {
      assertOwnParty(context, path.country_code, path.party_id);
      const page = await tokens.listOfParty(path.country_code, path.party_id, pageOf(ctx, query), {
        from: ocpiDate(query?.date_from),
        before: ocpiDate(query?.date_to),
      });
      return { status: 200, body: envelope(page.items.map(ocpiToken)), headers: paginationHeaders(context, page, ctx.publicBaseUrl) };
    },
    cpoDeletePartyTokens: async ({ path, context }) => {
      assertOwnParty(context, path.country_code, path.party_id);
      const deleted = await tokens.deleteOfParty(path.country_code, path.party_id);
      ctx.logger.info({ countryCode: path.country_code, partyId: path.party_id, deleted }, 'OCPI party deleted its tokens');
      return { status: 200, body: emptyEnvelope() };
    },
  };
}
