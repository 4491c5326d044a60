/** Tariffs: the CPO's tariffs in OCPI's shape, published over OCPI. */
import type { Domain } from '../../domain/index.js';
import type { TariffDocument } from '../../domain/tariffs.js';
import { pageAnswer, pageOf, type AdminHandlers, type Schemas } from './shared.js';

/** The store gives back the body the contract checked on put, with the identity and last_updated it keeps itself. */
const tariffView = (document: TariffDocument) => document as Schemas['Tariff'];

export function tariffsHandlers({
  tariffs,
  publicBaseUrl,
}: Pick<Domain, 'tariffs'> & { publicBaseUrl: string }): AdminHandlers<'listTariffs' | 'lookupTariff' | 'putTariff' | 'deleteTariff'> {
  return {
    listTariffs: async ({ query, context }) => pageAnswer(context, await tariffs.list(pageOf(query)), tariffView, publicBaseUrl),
    lookupTariff: async ({ path }) => ({ status: 200, body: tariffView(await tariffs.get(path.tariffId)) }),
    putTariff: async ({ path, body }) => {
      const { tariff, created } = await tariffs.put(path.tariffId, body);
      return { status: created ? 201 : 200, body: tariffView(tariff) };
    },
    deleteTariff: async ({ path }) => {
      await tariffs.delete(path.tariffId);
      return { status: 204 };
    },
  };
}
