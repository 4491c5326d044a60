/** Versions module (seed 002): the versions Anode speaks and, per version, its modules with their roles. */
import type { Context } from 'hono';
import type { components } from '../../../generated/ocpi-2.2.1-cpo.js';
import { ocpiBase, type OcpiContext } from '../context.js';
import { envelope, OCPI_VERSION, requesterOf, type OcpiEnv } from '../transport.js';
import type { ModuleHandlers } from './shared.js';

type Endpoint = components['schemas']['Endpoint'];

/** Modules Anode offers as CPO: the interface it implements, and which partner roles have a use for it. */
const MODULES: Array<{ identifier: Endpoint['identifier']; role: Endpoint['role']; path: string; forRoles: string[] | 'all' }> = [
  { identifier: 'credentials', role: 'SENDER', path: 'credentials', forRoles: 'all' },
  { identifier: 'locations', role: 'SENDER', path: 'locations', forRoles: 'all' },
  { identifier: 'tariffs', role: 'SENDER', path: 'tariffs', forRoles: 'all' },
  { identifier: 'sessions', role: 'SENDER', path: 'sessions', forRoles: ['EMSP', 'HUB', 'SCSP'] },
  { identifier: 'cdrs', role: 'SENDER', path: 'cdrs', forRoles: ['EMSP', 'HUB'] },
  { identifier: 'tokens', role: 'RECEIVER', path: 'tokens', forRoles: ['EMSP', 'HUB'] },
  { identifier: 'commands', role: 'RECEIVER', path: 'commands', forRoles: ['EMSP', 'HUB'] },
  { identifier: 'chargingprofiles', role: 'RECEIVER', path: 'chargingprofiles', forRoles: ['EMSP', 'HUB', 'SCSP'] },
  { identifier: 'hubclientinfo', role: 'RECEIVER', path: 'hubclientinfo', forRoles: ['HUB'] },
];

const OPEN_DATA_MODULES = new Set(['locations', 'tariffs']);

/** Every version Anode serves (OCPI 2.1.1 is translated at the edge, src/ocpi/v211/), oldest first. */
const SERVED_VERSIONS = ['2.1.1', OCPI_VERSION] as const;

/**
 * The endpoints a requester sees depend on the roles bound to its token (WWCP): open-data requesters see locations
 * and tariffs; a party still registering sees everything it may register for.
 */
export function endpointsFor(ctx: OcpiContext, context: Context<OcpiEnv>): Endpoint[] {
  const requester = requesterOf(context);
  const roles = requester.kind === 'partner' ? requester.partner.roles.map((role) => role.role) : [];
  const base = `${ocpiBase(ctx)}/${OCPI_VERSION}`;
  return MODULES.filter((module) => {
    if (requester.kind === 'public') return OPEN_DATA_MODULES.has(module.identifier);
    if (module.forRoles === 'all' || roles.length === 0) return true;
    return roles.some((role) => module.forRoles.includes(role));
  }).map((module) => ({ identifier: module.identifier, role: module.role, url: `${base}/${module.path}` }));
}

export function versionsHandlers(ctx: OcpiContext): ModuleHandlers<'cpoGetVersions' | 'cpoGetVersionDetails'> {
  return {
    cpoGetVersions: async () => ({
      status: 200,
      body: envelope(SERVED_VERSIONS.map((version) => ({ version, url: `${ocpiBase(ctx)}/${version}` }))),
    }),
    cpoGetVersionDetails: async ({ context }) => ({
      status: 200,
      body: envelope({ version: OCPI_VERSION, endpoints: endpointsFor(ctx, context) }),
    }),
  };
}
