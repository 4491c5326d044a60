/** OCPI real-time authorization: asking the eMSP that issued a token, through the generated eMSP client. */
import type { AuthorizationStatus, RealtimeAuthorization } from '../../domain/authorization.js';
import { isHub } from '../../domain/parties.js';
import type { Token } from '../../domain/tokens.js';
import type { OcpiContext } from '../context.js';
import { partnerAddress, partnerClient } from '../partner-client.js';
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
        // A hub that reports the token's party unreachable cannot get an answer from it: as if it did not answer.
        if (isHub(partner) && !(await ctx.domain.hubClientInfos.reachableVia(partner.id, token.countryCode, token.partyId))) return undefined;
        const where = stationId ? await ctx.domain.locations.whereIs(stationId) : undefined;
        // Addressed to the party that issued the token (behind a hub, the hub forwards it there). A 2.1.1 eMSP takes its
        // token as it is; its authorize endpoint has the same shape as 2.2.1's.
        const address = partnerAddress(partner, { to: { countryCode: token.countryCode, partyId: token.partyId } });
        const client = partnerClient({ ...address, rawTokens: address.rawTokens || partner.version === '2.1.1' }, { ...ctx.cpo, timeoutMs });
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
