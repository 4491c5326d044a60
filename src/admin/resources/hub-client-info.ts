/** Hub client info: what hubs reported over OCPI of the parties connected to them. */
import type { Domain } from '../../domain/index.js';
import type { ClientInfo } from '../../domain/hub-client-info.js';
import { pageAnswer, pageOf, type AdminHandlers, type Schemas } from './shared.js';

function hubClientInfoView(info: ClientInfo): Schemas['HubClientInfo'] {
  return {
    country_code: info.countryCode,
    party_id: info.partyId,
    role: info.role as Schemas['HubClientInfo']['role'],
    status: info.status as Schemas['HubClientInfo']['status'],
    last_updated: info.lastUpdated.toISOString(),
    reported_by: info.reportedBy,
  };
}

export function hubClientInfoHandlers({
  hubClientInfos,
  publicBaseUrl,
}: Pick<Domain, 'hubClientInfos'> & { publicBaseUrl: string }): AdminHandlers<'listHubClientInfo'> {
  return {
    listHubClientInfo: async ({ query, context }) =>
      pageAnswer(context, await hubClientInfos.list(pageOf(query)), hubClientInfoView, publicBaseUrl),
  };
}
