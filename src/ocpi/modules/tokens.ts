/** Tokens receiver: OCPI tokens in the token store's terms, and back. */
import type { components } from '../../../generated/ocpi-2.2.1-cpo.js';
import type { Partner } from '../../domain/parties.js';
import type { Token, TokenInput } from '../../domain/tokens.js';
import { ocpiDate } from '../transport.js';

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
