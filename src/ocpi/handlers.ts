/**
 * Anode's OCPI 2.2.1 CPO interface: every operation of openapi/ocpi/2.2.1/cpo.yaml, each module contributing the
 * handlers of its own operations. The return type makes a missing operation a compile error.
 */
import type { OcpiContext } from './context.js';
import { cdrsHandlers } from './modules/cdrs.js';
import { chargingProfilesHandlers } from './modules/charging-profiles.js';
import { commandsHandlers } from './modules/commands.js';
import { credentialsHandlers } from './modules/credentials.js';
import { hubClientInfoHandlers } from './modules/hub-client-info.js';
import { locationsHandlers } from './modules/locations.js';
import { sessionsHandlers } from './modules/sessions.js';
import type { CpoHandlers } from './modules/shared.js';
import { tariffsHandlers } from './modules/tariffs.js';
import { tokensHandlers } from './modules/tokens.js';
import { versionsHandlers } from './modules/versions.js';

export function cpoHandlers(ctx: OcpiContext): CpoHandlers {
  return {
    ...versionsHandlers(ctx),
    ...credentialsHandlers(ctx),
    ...locationsHandlers(ctx),
    ...tariffsHandlers(ctx),
    ...tokensHandlers(ctx),
    ...sessionsHandlers(ctx),
    ...cdrsHandlers(ctx),
    ...commandsHandlers(ctx),
    ...chargingProfilesHandlers(ctx),
    ...hubClientInfoHandlers(ctx),
  };
}
