/** The OCPI 2.1.1 edge: what the wing needs of it (see docs/ocpi.md, "OCPI 2.1.1"). */
import type { Hono } from 'hono';
import type { operations } from '../../../generated/ocpi-2.1.1-cpo.js';
import type { Partner } from '../../domain/parties.js';
import { loadBundledDocument, mountOperations, type MountOptions } from '../../http/contract.js';
import type { OcpiContext } from '../context.js';
import type { OcpiEnv } from '../transport.js';
import { OCPI_211 } from './client.js';
import { cpo211Handlers } from './handlers.js';

export { OCPI_211 } from './client.js';
export { sayFarewell211, startRegistrationInBestVersion } from './credentials.js';
export { sendIn211 } from './delivery.js';

/** Serves the 2.1.1 CPO document's operations on the wing's app, beside 2.2.1's. */
export function mountOcpi211(app: Hono<OcpiEnv>, ctx: OcpiContext, options: MountOptions): void {
  mountOperations<operations, OcpiEnv>(app, loadBundledDocument('ocpi-2.1.1-cpo'), '', cpo211Handlers(ctx), options);
}

/** Whether Anode speaks 2.1.1 with this partner. */
export const speaks211 = (partner: Partner) => partner.version === OCPI_211;
