/**
 * Pushing to a 2.1.1 partner: the outbox holds what the feed rendered in 2.2.1's shape, for every partner alike; an
 * entry for a 2.1.1 partner is translated when it is sent, and goes out with the generated 2.1.1 eMSP client.
 */
import type { components as Cpo221 } from '../../../generated/ocpi-2.2.1-cpo.js';
import type { Partner } from '../../domain/parties.js';
import type { OutboxEntry } from '../../domain/partner-outbox.js';
import type { OcpiContext } from '../context.js';
import { ocpiLocation } from '../modules/locations.js';
import { registeredClient211 } from './client.js';
import { cdr211, cdrLocationAsLocation, location211, session211, sessionPatch211, tariff211 } from './translate.js';

type V221 = Cpo221['schemas'];
type Answer = { response: Response; data?: unknown; error?: unknown };

const pathOf = <K extends string>(target: Record<string, string>, ...names: K[]) =>
  Object.fromEntries(names.map((name) => [name, target[name]])) as Record<K, string>;

async function currentLocation(ctx: OcpiContext, id: string): Promise<V221['Location'] | undefined> {
  return ctx.domain.locations.get(id).then(ocpiLocation, () => undefined);
}

/** Sends one outbox entry to a 2.1.1 partner, in 2.1.1's shape. */
export async function sendIn211(ctx: OcpiContext, partner: Partner, entry: OutboxEntry): Promise<Answer> {
  const client = registeredClient211(ctx, partner);
  const { target } = entry;
  switch (entry.kind) {
    case 'location.put':
      return client.PUT('/locations/{country_code}/{party_id}/{location_id}', {
        params: { path: pathOf(target, 'country_code', 'party_id', 'location_id') },
        body: location211(entry.body as V221['Location']),
      });
    case 'evse.patch':
      return client.PATCH('/locations/{country_code}/{party_id}/{location_id}/{evse_uid}', {
        params: { path: pathOf(target, 'country_code', 'party_id', 'location_id', 'evse_uid') },
        body: entry.body as { status: V221['EVSE']['status']; last_updated: string },
      });
    case 'tariff.put':
      return client.PUT('/tariffs/{country_code}/{party_id}/{tariff_id}', {
        params: { path: pathOf(target, 'country_code', 'party_id', 'tariff_id') },
        body: tariff211(entry.body as V221['Tariff']),
      });
    case 'tariff.delete':
      return client.DELETE('/tariffs/{country_code}/{party_id}/{tariff_id}', { params: { path: pathOf(target, 'country_code', 'party_id', 'tariff_id') } });
    case 'session.put': {
      const session = entry.body as V221['Session'];
      const location = await currentLocation(ctx, session.location_id);
      if (!location) throw new Error(`session ${session.id} names location ${session.location_id}, which Anode no longer has`);
      return client.PUT('/sessions/{country_code}/{party_id}/{session_id}', {
        params: { path: pathOf(target, 'country_code', 'party_id', 'session_id') },
        body: session211(session, location),
      });
    }
    case 'session.patch':
      return client.PATCH('/sessions/{country_code}/{party_id}/{session_id}', {
        params: { path: pathOf(target, 'country_code', 'party_id', 'session_id') },
        body: sessionPatch211(entry.body as Partial<V221['Session']>),
      });
    case 'cdr.post': {
      const cdr = entry.body as V221['CDR'];
      const location = (await currentLocation(ctx, cdr.cdr_location.id)) ?? cdrLocationAsLocation(cdr);
      return client.POST('/cdrs', { body: cdr211(cdr, location) });
    }
    default:
      throw new Error(`no way to send an outbox entry of kind ${entry.kind} in OCPI 2.1.1`);
  }
}
