/** Tariffs sender: the CPO's tariffs as the operator stored them. */
import type { components } from '../../../generated/ocpi-2.2.1-cpo.js';
import type { TariffDocument } from '../../domain/tariffs.js';
import { paginationHeaders } from '../../http/pagination.js';
import type { OcpiContext } from '../context.js';
import { withOcpiNumbers } from '../numbers.js';
import { envelope, ocpiDate } from '../transport.js';
import { pageOf, type ModuleHandlers } from './shared.js';

/**
 * A stored tariff is already in OCPI's shape: the admin API validated it against the OCPI Tariff schema before the
 * store kept it, so it is taken as one (the store's type only knows its identity fields). The schema does not limit
 * decimals, so its numbers are rounded to OCPI's four here.
 */
export const ocpiTariff = (tariff: TariffDocument) => withOcpiNumbers(tariff) as components['schemas']['Tariff'];

export function tariffsHandlers(ctx: OcpiContext): ModuleHandlers<'cpoGetTariffs'> {
  return {
    cpoGetTariffs: async ({ query, context }) => {
      const page = await ctx.domain.tariffs.list(pageOf(ctx, query), { from: ocpiDate(query?.date_from), before: ocpiDate(query?.date_to) });
      return { status: 200, body: envelope(page.items.map(ocpiTariff)), headers: paginationHeaders(context, page, ctx.publicBaseUrl) };
    },
  };
}
