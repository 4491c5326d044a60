/** Locations sender: the admin API's locations with the live EVSE status the stations report, in OCPI's shape. */
import type { components } from '../../../generated/ocpi-2.2.1-cpo.js';
import type { StoredConnector, StoredEvse, StoredLocation } from '../../domain/locations.js';

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

export function ocpiLocation(location: StoredLocation): Schemas['Location'] {
  return {
    country_code: location.countryCode,
    party_id: location.partyId,
    id: location.id,
    publish: location.publish,
    ...(location.name !== null && { name: location.name }),
    address: location.address,
    city: location.city,
    ...(location.postalCode !== null && { postal_code: location.postalCode }),
    ...(location.state !== null && { state: location.state }),
    country: location.country,
    coordinates: { latitude: location.latitude, longitude: location.longitude },
    ...(location.parkingType !== null && { parking_type: location.parkingType as Schemas['ParkingType'] }),
    evses: location.evses.map(ocpiEvse),
    time_zone: location.timeZone,
    last_updated: location.lastUpdated.toISOString(),
  };
}
