/** Locations sender: the admin API's locations with the live EVSE status the stations report, in OCPI's shape. */
import type { Context } from 'hono';
import type { components } from '../../../generated/ocpi-2.2.1-cpo.js';
import type { StoredConnector, StoredEvse, StoredLocation } from '../../domain/locations.js';
import type { Page } from '../../domain/pagination.js';
import { paginationHeaders } from '../../http/pagination.js';
import type { OcpiContext } from '../context.js';
import { envelope, ocpiDate, ocpiNotFound, requesterOf, StatusCode, type OcpiEnv } from '../transport.js';
import { pageOf, type ModuleHandlers } from './shared.js';

type Schemas = components['schemas'];

export function ocpiConnector(connector: StoredConnector): Schemas['Connector'] {
  return {
    id: connector.id,
    standard: connector.standard as Schemas['Connector']['standard'],
    format: connector.format as Schemas['Connector']['format'],
    power_type: connector.powerType as Schemas['Connector']['power_type'],
    max_voltage: connector.maxVoltage,
    max_amperage: connector.maxAmperage,
    ...(connector.maxElectricPower !== undefined && { max_electric_power: connector.maxElectricPower }),
    ...(connector.tariffIds && connector.tariffIds.length > 0 && { tariff_ids: connector.tariffIds }),
    last_updated: connector.lastUpdated.toISOString(),
  };
}

export function ocpiEvse(evse: StoredEvse): Schemas['EVSE'] {
  return {
    uid: evse.uid,
    ...(evse.evseId !== null && { evse_id: evse.evseId }),
    status: evse.status,
    ...(evse.floorLevel !== undefined && { floor_level: evse.floorLevel }),
    ...(evse.physicalReference !== undefined && { physical_reference: evse.physicalReference }),
    connectors: evse.connectors.map(ocpiConnector),
    last_updated: evse.lastUpdated.toISOString(),
  };
}

interface Place {
  name: string | null;
  address: string;
  city: string;
  postalCode: string | null;
  state: string | null;
  country: string;
  latitude: string;
  longitude: string;
}

/** Where a location is, as OCPI writes it in a Location and in a CDR's cdr_location. */
export function ocpiPlace(place: Place) {
  return {
    ...(place.name !== null && { name: place.name }),
    address: place.address,
    city: place.city,
    ...(place.postalCode !== null && { postal_code: place.postalCode }),
    ...(place.state !== null && { state: place.state }),
    country: place.country,
    coordinates: { latitude: place.latitude, longitude: place.longitude },
  };
}

export function ocpiLocation(location: StoredLocation): Schemas['Location'] {
  return {
    country_code: location.countryCode,
    party_id: location.partyId,
    id: location.id,
    publish: location.publish,
    ...ocpiPlace(location),
    ...(location.parkingType !== null && { parking_type: location.parkingType as Schemas['ParkingType'] }),
    evses: location.evses.map(ocpiEvse),
    time_zone: location.timeZone,
    last_updated: location.lastUpdated.toISOString(),
  };
}

/**
 * Pages of the locations list, kept while the locations data version (bumped by database triggers on any change,
 * from any node; see DataVersions) stays the same: a hit costs no database work at all.
 */
export class LocationPageCache {
  private readonly pages = new Map<string, { version: number; page: Page<Schemas['Location']> }>();

  constructor(private readonly maxEntries = 2000) {}

  async get(key: string, version: number | undefined, load: () => Promise<Page<Schemas['Location']>>): Promise<Page<Schemas['Location']>> {
    if (version === undefined) return load();
    const cached = this.pages.get(key);
    if (cached && cached.version === version) return cached.page;
    const page = await load();
    if (this.pages.size >= this.maxEntries) this.pages.delete(this.pages.keys().next().value!);
    this.pages.set(key, { version, page });
    return page;
  }
}

/** A location the requester may see: open-data requesters only see published ones. */
async function visibleLocation(ctx: OcpiContext, context: Context<OcpiEnv>, id: string): Promise<StoredLocation> {
  const location = await ctx.domain.locations.get(id).catch(() => undefined);
  if (!location || (requesterOf(context).kind === 'public' && !location.publish)) {
    throw ocpiNotFound(StatusCode.unknownLocation, `location ${id} is not known`);
  }
  return location;
}

type LocationsOperations = 'cpoGetLocations' | 'cpoGetLocation' | 'cpoGetEvse' | 'cpoGetConnector';

/** Locations sender. */
export function locationsHandlers(ctx: OcpiContext): ModuleHandlers<LocationsOperations> {
  const { locations } = ctx.domain;
  const locationPages = new LocationPageCache();
  return {
    cpoGetLocations: async ({ query, context }) => {
      const request = pageOf(ctx, query);
      const filter = {
        changedFrom: ocpiDate(query?.date_from),
        changedBefore: ocpiDate(query?.date_to),
        publishedOnly: requesterOf(context).kind === 'public',
      };
      const key = JSON.stringify([request, filter]);
      const page = await locationPages.get(key, locations.version(), async () => {
        const stored = await locations.list(request, filter);
        return { ...stored, items: stored.items.map(ocpiLocation) };
      });
      return { status: 200, body: envelope(page.items), headers: paginationHeaders(context, page, ctx.publicBaseUrl) };
    },
    cpoGetLocation: async ({ path, context }) => ({
      status: 200,
      body: envelope(ocpiLocation(await visibleLocation(ctx, context, path.location_id))),
    }),
    cpoGetEvse: async ({ path, context }) => {
      const location = await visibleLocation(ctx, context, path.location_id);
      const evse = location.evses.find((candidate) => candidate.uid === path.evse_uid);
      if (!evse) throw ocpiNotFound(StatusCode.unknownLocation, `location ${path.location_id} has no EVSE ${path.evse_uid}`);
      return { status: 200, body: envelope(ocpiEvse(evse)) };
    },
    cpoGetConnector: async ({ path, context }) => {
      const location = await visibleLocation(ctx, context, path.location_id);
      const connector = location.evses
        .find((candidate) => candidate.uid === path.evse_uid)
        ?.connectors.find((candidate) => candidate.id === path.connector_id);
      if (!connector) {
        throw ocpiNotFound(StatusCode.unknownLocation, `location ${path.location_id} has no connector ${path.evse_uid}/${path.connector_id}`);
      }
      return { status: 200, body: envelope(ocpiConnector(connector)) };
    },
  };
}
