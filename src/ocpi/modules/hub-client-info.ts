/** HubClientInfo receiver: a hub tells Anode which parties behind it are connected. */
import type { Context } from 'hono';
import type { components } from '../../../generated/ocpi-2.2.1-cpo.js';
import type { ClientInfo, ConnectionStatus } from '../../domain/hub-client-info.js';
import type { Partner } from '../../domain/parties.js';
import type { OcpiContext } from '../context.js';
import { emptyEnvelope, envelope, ocpiDate, ocpiNotFound, ocpiRefusal, partnerOf, StatusCode, type OcpiEnv } from '../transport.js';
import { sameCode, type ModuleHandlers } from './shared.js';

type Schemas = components['schemas'];

/** Only a hub may use the hubclientinfo module: it owns the client infos (spec: HubClientInfo module, data owner Hub). */
function assertHub(context: Context<OcpiEnv>): Partner {
  const partner = partnerOf(context);
  if (!partner.roles.some((role) => role.role === 'HUB')) {
    throw ocpiNotFound(StatusCode.clientError, 'only a party registered with the HUB role may use the hubclientinfo module');
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

export function hubClientInfoHandlers(ctx: OcpiContext): ModuleHandlers<'cpoGetClientInfo' | 'cpoPutClientInfo'> {
  const { hubClientInfos } = ctx.domain;
  return {
    cpoGetClientInfo: async ({ path, context }) => {
      assertHub(context);
      const info = await hubClientInfos.get(path.country_code, path.party_id);
      if (!info) throw ocpiNotFound(StatusCode.clientError, `no client info for ${path.country_code}/${path.party_id}`);
      return { status: 200, body: envelope(ocpiClientInfo(info)) };
    },
    cpoPutClientInfo: async ({ path, body, context }) => {
      const hub = assertHub(context);
      if (!sameCode(body.country_code, path.country_code) || !sameCode(body.party_id, path.party_id)) {
        throw ocpiRefusal(StatusCode.invalidParameters, 'the client info in the body is not the one the URL names');
      }
      const { created } = await hubClientInfos.put({
        countryCode: body.country_code,
        partyId: body.party_id,
        role: body.role,
        status: body.status,
        lastUpdated: ocpiDate(body.last_updated)!,
        reportedBy: hub.id,
      });
      return { status: created ? 201 : 200, body: emptyEnvelope() };
    },
  };
}
