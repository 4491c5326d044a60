/** Tokens: the eMSP tokens the operator sets by hand. */
import type { Domain } from '../../domain/index.js';
import type { Token } from '../../domain/tokens.js';
import { pageAnswer, pageOf, type AdminHandlers, type Schemas } from './shared.js';

function tokenView(token: Token): Schemas['Token'] {
  return {
    countryCode: token.countryCode,
    partyId: token.partyId,
    type: token.type,
    uid: token.uid,
    contractId: token.contractId,
    ...(token.visualNumber !== null && { visualNumber: token.visualNumber }),
    issuer: token.issuer,
    ...(token.groupId !== null && { groupId: token.groupId }),
    valid: token.valid,
    ...(token.languageCode !== null && { languageCode: token.languageCode }),
    cacheMode: token.cacheMode,
    ...(token.expiresAt !== null && { expiryDate: token.expiresAt.toISOString() }),
    lastUpdated: token.lastUpdated.toISOString(),
  };
}

export function tokensHandlers({
  tokens,
  publicBaseUrl,
}: Pick<Domain, 'tokens'> & { publicBaseUrl: string }): AdminHandlers<'listTokens' | 'setToken' | 'lookupToken' | 'deleteToken'> {
  return {
    listTokens: async ({ query, context }) => pageAnswer(context, await tokens.list(pageOf(query)), tokenView, publicBaseUrl),
    setToken: async ({ body }) => {
      await tokens.upsert({
        countryCode: body.countryCode,
        partyId: body.partyId,
        type: body.type,
        uid: body.uid,
        contractId: body.contractId,
        visualNumber: body.visualNumber ?? null,
        issuer: body.issuer,
        groupId: body.groupId ?? null,
        valid: body.valid,
        languageCode: body.languageCode ?? null,
        cacheMode: body.cacheMode,
        expiresAt: body.expiryDate ? new Date(body.expiryDate) : null,
      });
      return { status: 201 };
    },
    lookupToken: async ({ path, query }) => ({ status: 200, body: tokenView(await tokens.get(path.tokenUid, query?.type)) }),
    deleteToken: async ({ path, query }) => {
      await tokens.delete(path.tokenUid, query?.type);
      return { status: 204 };
    },
  };
}
