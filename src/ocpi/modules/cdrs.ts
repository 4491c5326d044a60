/** CDRs sender: the CDRs Anode recorded when sessions ended (see ocpiCdr), for the parties that issued their tokens. */
import type { components } from '../../../generated/ocpi-2.2.1-cpo.js';
import type { StoredCdr } from '../../domain/charging-records.js';
import { paginationHeaders } from '../../http/pagination.js';
import type { OcpiContext } from '../context.js';
import { withOcpiNumbers } from '../numbers.js';
import { envelope, ocpiDate } from '../transport.js';
import { callerOf, pageOf, type ModuleHandlers } from './shared.js';

/**
 * A recorded CDR: its body was built by ocpiCdr as an OCPI CDR, so it is taken as one, dated by its record. Its
 * numbers are rounded again, for CDRs recorded before ocpiCdr rounded them.
 */
export const ocpiStoredCdr = (cdr: StoredCdr) =>
  withOcpiNumbers({ ...cdr.body, last_updated: cdr.lastUpdated.toISOString() }) as components['schemas']['CDR'];

export function cdrsHandlers(ctx: OcpiContext): ModuleHandlers<'cpoGetCdrs'> {
  return {
    cpoGetCdrs: async ({ query, context }) => {
      const page = await ctx.domain.chargingRecords.cdrs(callerOf(context).actingFor, pageOf(ctx, query), {
        from: ocpiDate(query?.date_from),
        before: ocpiDate(query?.date_to),
      });
      return { status: 200, body: envelope(page.items.map(ocpiStoredCdr)), headers: paginationHeaders(context, page, ctx.publicBaseUrl) };
    },
  };
}
