/** Locations: the CPO's locations, their EVSEs (each tied to a charge station) and connectors. */
import type { Domain } from '../../domain/index.js';
import type { EvseInput, LocationInput, StoredLocation } from '../../domain/locations.js';
import { pageAnswer, pageOf, type AdminHandlers, type Schemas } from './shared.js';

function locationInput(body: Schemas['Location']): LocationInput {
  return {
    countryCode: body.country_code,
    partyId: body.party_id,
    name: body.name ?? null,
    address: body.address,
    city: body.city,
    postalCode: body.postal_code ?? null,
    state: body.state ?? null,
    country: body.country,
    latitude: body.coordinates.latitude,
    longitude: body.coordinates.longitude,
    parkingType: body.parking_type ?? null,
    timeZone: body.time_zone,
    publish: body.publish,
    evses: (body.evses ?? []).map(
      (evse): EvseInput => ({
        uid: evse.uid,
        evseId: evse.evse_id ?? null,
        stationId: evse.station_id,
        ocppEvseId: evse.ocpp_evse_id,
        floorLevel: evse.floor_level,
        physicalReference: evse.physical_reference,
        connectors: evse.connectors.map((connector) => ({
          id: connector.id,
          standard: connector.standard,
          format: connector.format,
          powerType: connector.power_type,
          maxVoltage: connector.max_voltage,
          maxAmperage: connector.max_amperage,
          maxElectricPower: connector.max_electric_power,
          tariffIds: connector.tariff_ids,
        })),
      }),
    ),
  };
}

function locationView(location: StoredLocation): Schemas['StoredLocation'] {
  return {
    id: location.id,
    country_code: location.countryCode,
    party_id: location.partyId,
    name: location.name,
    address: location.address,
    city: location.city,
    postal_code: location.postalCode,
    state: location.state,
    country: location.country,
    coordinates: { latitude: location.latitude, longitude: location.longitude },
    parking_type: location.parkingType,
    time_zone: location.timeZone,
    publish: location.publish,
    last_updated: location.lastUpdated.toISOString(),
    evses: location.evses.map((evse) => ({
      uid: evse.uid,
      evse_id: evse.evseId,
      station_id: evse.stationId,
      ocpp_evse_id: evse.ocppEvseId,
      ...(evse.floorLevel !== undefined && { floor_level: evse.floorLevel }),
      ...(evse.physicalReference !== undefined && { physical_reference: evse.physicalReference }),
      status: evse.status,
      last_updated: evse.lastUpdated.toISOString(),
      connectors: evse.connectors.map((connector) => ({
        id: connector.id,
        standard: connector.standard as Schemas['Connector']['standard'],
        format: connector.format as Schemas['Connector']['format'],
        power_type: connector.powerType as Schemas['Connector']['power_type'],
        max_voltage: connector.maxVoltage,
        max_amperage: connector.maxAmperage,
        ...(connector.maxElectricPower !== undefined && { max_electric_power: connector.maxElectricPower }),
        ...(connector.tariffIds && connector.tariffIds.length > 0 && { tariff_ids: connector.tariffIds }),
      })),
    })),
  };
}

export function locationsHandlers({
  locations,
  publicBaseUrl,
}: Pick<Domain, 'locations'> & { publicBaseUrl: string }): AdminHandlers<'listLocations' | 'lookupLocation' | 'registerLocation'> {
  return {
    listLocations: async ({ query, context }) => pageAnswer(context, await locations.list(pageOf(query)), locationView, publicBaseUrl),
    lookupLocation: async ({ path }) => ({ status: 200, body: locationView(await locations.get(path.locationId)) }),
    registerLocation: async ({ path, body }) => {
      await locations.register(path.locationId, locationInput(body));
      return { status: 201 };
    },
  };
}
