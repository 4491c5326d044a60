/** OCPI real-time authorization: asking the eMSP that issued a token, through the generated eMSP client. */
import type { AuthorizationStatus, RealtimeAuthorization } from '../../domain/authorization.js';
import type { Token } from '../../domain/tokens.js';
import type { OcpiContext } from '../context.js';
import { partnerClient } from '../partner-client.js';
import { requestIds } from './credentials.js';

const VERDICTS: Record<string, AuthorizationStatus> = {
  ALLOWED: 'Accepted',
  BLOCKED: 'Blocked',
  EXPIRED: 'Expired',
  NO_CREDIT: 'NoCredit',
  NOT_ALLOWED: 'NotAllowed',
};

export function realtimeAuthorization(ctx: OcpiContext, timeoutMs: number): RealtimeAuthorization {
  return {
    ask: async (token: Token, { stationId }) => {
      if (token.ownerPartyId === null) return undefined;
      try {
        const partner = await ctx.domain.parties.get(token.ownerPartyId);
        if (partner.status !== 'REGISTERED' || !partner.outgoingToken) return undefined;
        const where = stationId ? await ctx.domain.locations.whereIs(stationId) : undefined;
        const client = partnerClient(
          { token: partner.outgoingToken, rawTokens: partner.rawTokens, endpoints: partner.endpoints, to: { countryCode: token.countryCode, partyId: token.partyId } },
          { ...ctx.cpo, timeoutMs },
        );
        const { data } = await client.POST('/tokens/{token_uid}/authorize', {
          params: { header: requestIds(), path: { token_uid: token.uid }, query: { type: token.type } },
          ...(where && { body: { location_id: where.locationId, evse_uids: where.evseUids } }),
        });
        const verdict = data?.data?.allowed;
        if (!verdict || !VERDICTS[verdict]) return undefined;
        const reference = data?.data?.authorization_reference;
        return { status: VERDICTS[verdict], ...(reference && { reference }) };
      } catch (error) {
        ctx.logger.warn({ tokenUid: token.uid, error: (error as Error).message }, 'real-time authorization failed; falling back to the whitelist');
        return undefined;
      }
    },
  };
}
