/**
 * OCPI 2.1.1 at the edge: the 2.2.1 objects the modules make, turned into 2.1.1 objects for a 2.1.1 partner, and the
 * 2.1.1 objects such a partner sends, turned into 2.2.1 ones the modules take. Pure functions; nothing here knows
 * the domain.
 */
import type { components as Cpo211 } from '../../../generated/ocpi-2.1.1-cpo.js';
import type { components as Emsp211 } from '../../../generated/ocpi-2.1.1-emsp.js';
import type { components as Cpo221 } from '../../../generated/ocpi-2.2.1-cpo.js';
import type { components as Emsp221 } from '../../../generated/ocpi-2.2.1-emsp.js';

type V221 = Cpo221['schemas'];
type V211 = Emsp211['schemas'];
type In211 = Cpo211['schemas'];

export type Location211 = V211['Location'];
export type Evse211 = V211['EVSE'];
export type Connector211 = V211['Connector'];
export type Tariff211 = V211['Tariff'];
export type Session211 = V211['Session'];
export type SessionPatch211 = V211['SessionPatch'];
export type Cdr211 = V211['CDR'];
export type ChargingPeriod211 = V211['ChargingPeriod'];
export type Token211 = In211['Token'];
export type CommandResponse211 = In211['CommandResponse'];

const CONNECTOR_TYPES_211 = new Set<string>([
  'CHADEMO', 'DOMESTIC_A', 'DOMESTIC_B', 'DOMESTIC_C', 'DOMESTIC_D', 'DOMESTIC_E', 'DOMESTIC_F', 'DOMESTIC_G', 'DOMESTIC_H',
  'DOMESTIC_I', 'DOMESTIC_J', 'DOMESTIC_K', 'DOMESTIC_L', 'IEC_60309_2_single_16', 'IEC_60309_2_three_16',
  'IEC_60309_2_three_32', 'IEC_60309_2_three_64', 'IEC_62196_T1', 'IEC_62196_T1_COMBO', 'IEC_62196_T2',
  'IEC_62196_T2_COMBO', 'IEC_62196_T3A', 'IEC_62196_T3C', 'TESLA_R', 'TESLA_S',
]);
const CAPABILITIES_211 = new Set<string>(['CHARGING_PROFILE_CAPABLE', 'CREDIT_CARD_PAYABLE', 'REMOTE_START_STOP_CAPABLE', 'RESERVABLE', 'RFID_READER', 'UNLOCK_CAPABLE']);
const FACILITIES_211 = new Set<string>([
  'HOTEL', 'RESTAURANT', 'CAFE', 'MALL', 'SUPERMARKET', 'SPORT', 'RECREATION_AREA', 'NATURE', 'MUSEUM', 'BUS_STOP',
  'TAXI_STAND', 'TRAIN_STATION', 'AIRPORT', 'CARPOOL_PARKING', 'FUEL_STATION', 'WIFI',
]);
const DIMENSIONS_211 = new Set<string>(['ENERGY', 'FLAT', 'MAX_CURRENT', 'MIN_CURRENT', 'PARKING_TIME', 'TIME']);
/** 2.2.1's parking type, as 2.1.1's location type (which has no motorway or driveway). */
const LOCATION_TYPES: Record<string, Location211['type']> = {
  ON_STREET: 'ON_STREET',
  PARKING_GARAGE: 'PARKING_GARAGE',
  UNDERGROUND_GARAGE: 'UNDERGROUND_GARAGE',
  PARKING_LOT: 'PARKING_LOT',
  ALONG_MOTORWAY: 'OTHER',
  ON_DRIVEWAY: 'OTHER',
};

const defined = <T extends object>(value: T): T =>
  Object.fromEntries(Object.entries(value).filter(([, field]) => field !== undefined)) as T;

/** 2.1.1 writes coordinates with exactly six decimals. */
const sixDecimals = (value: string) => Number(value).toFixed(6);
const point = (place: { latitude: string; longitude: string }) => ({ latitude: sixDecimals(place.latitude), longitude: sixDecimals(place.longitude) });

const energyMix = (mix: V221['EnergyMix'] | undefined): V211['EnergyMix'] | undefined =>
  mix &&
  defined({
    is_green_energy: mix.is_green_energy,
    energy_sources: mix.energy_sources,
    environ_impact: mix.environ_impact?.map((impact) => ({ source: impact.category, amount: impact.amount })),
    supplier_name: mix.supplier_name,
    energy_product_name: mix.energy_product_name,
  });

/** A connector 2.1.1 can describe (its standard exists there), else undefined. Only the first tariff can be named. */
export function connector211(connector: V221['Connector']): Connector211 | undefined {
  if (!CONNECTOR_TYPES_211.has(connector.standard)) return undefined;
  return defined({
    id: connector.id,
    standard: connector.standard as Connector211['standard'],
    format: connector.format,
    power_type: (connector.power_type === 'AC_3_PHASE' || connector.power_type === 'DC' ? connector.power_type : 'AC_1_PHASE') as Connector211['power_type'],
    voltage: connector.max_voltage,
    amperage: connector.max_amperage,
    tariff_id: connector.tariff_ids?.[0],
    terms_and_conditions: connector.terms_and_conditions,
    last_updated: connector.last_updated,
  });
}

/** An EVSE with the connectors 2.1.1 can describe; undefined when none is left (2.1.1 needs at least one). */
export function evse211(evse: V221['EVSE']): Evse211 | undefined {
  const connectors = evse.connectors.map(connector211).filter((connector) => connector !== undefined);
  if (connectors.length === 0) return undefined;
  return defined({
    uid: evse.uid,
    evse_id: evse.evse_id,
    status: evse.status,
    status_schedule: evse.status_schedule,
    capabilities: evse.capabilities?.filter((capability) => CAPABILITIES_211.has(capability)) as Evse211['capabilities'],
    connectors,
    floor_level: evse.floor_level,
    coordinates: evse.coordinates && point(evse.coordinates),
    physical_reference: evse.physical_reference,
    directions: evse.directions,
    parking_restrictions: evse.parking_restrictions,
    images: evse.images,
    last_updated: evse.last_updated,
  });
}

/** A Location as 2.1.1 writes it: a `type`, no owner identity or `publish`, a postal code always present. */
/** A 2.2.1 Location, or what a CDR recorded of one (which has no time zone). */
type Location221 = Omit<V221['Location'], 'time_zone'> & { time_zone?: string };

export function location211(location: Location221): Location211 {
  // 2.1.1 has no `publish`: a location withdrawn from partners is told there as every EVSE of it REMOVED.
  if (location.publish === false) location = { ...location, publish: true, evses: location.evses?.map((evse) => ({ ...evse, status: 'REMOVED' as const })) };
  return defined({
    id: location.id,
    type: (location.parking_type && LOCATION_TYPES[location.parking_type]) ?? 'UNKNOWN',
    name: location.name,
    address: location.address,
    city: location.city,
    postal_code: location.postal_code ?? '',
    country: location.country,
    coordinates: point(location.coordinates),
    related_locations: location.related_locations?.map((related) => defined({ ...point(related), name: related.name })),
    evses: location.evses?.map(evse211).filter((evse) => evse !== undefined),
    directions: location.directions,
    operator: location.operator,
    suboperator: location.suboperator,
    owner: location.owner,
    facilities: location.facilities?.filter((facility) => FACILITIES_211.has(facility)) as Location211['facilities'],
    time_zone: location.time_zone,
    opening_times: location.opening_times,
    charging_when_closed: location.charging_when_closed,
    images: location.images,
    energy_mix: energyMix(location.energy_mix),
    last_updated: location.last_updated,
  });
}

/** The location of a session or CDR: only the EVSE and connector it used. */
export function usedLocation211(location: Location221, evseUid: string, connectorId: string): Location211 {
  const evse = location.evses?.find((candidate) => candidate.uid === evseUid);
  const only = evse && { ...evse, connectors: evse.connectors.filter((connector) => connector.id === connectorId) };
  return location211({ ...location, evses: only ? [only] : [] });
}

/**
 * A Tariff as 2.1.1 writes it: no owner, type, bounds or validity dates; prices without VAT. Elements that only
 * price reservations are left out (2.1.1 has no reservation restriction), as are current restrictions.
 */
export function tariff211(tariff: V221['Tariff']): Tariff211 {
  const charging = tariff.elements.filter((element) => element.restrictions?.reservation === undefined);
  return defined({
    id: tariff.id,
    currency: tariff.currency,
    tariff_alt_text: tariff.tariff_alt_text,
    tariff_alt_url: tariff.tariff_alt_url,
    elements: (charging.length > 0 ? charging : tariff.elements).map((element) =>
      defined({
        price_components: element.price_components.map((component) => ({ type: component.type, price: component.price, step_size: component.step_size })),
        restrictions: element.restrictions && restrictions211(element.restrictions),
      }),
    ),
    energy_mix: energyMix(tariff.energy_mix),
    last_updated: tariff.last_updated,
  });
}

function restrictions211(restrictions: V221['TariffRestrictions']): V211['TariffRestrictions'] {
  const { min_current: _min, max_current: _max, reservation: _reservation, ...common } = restrictions;
  return defined(common);
}

/** Charging periods with the dimensions 2.1.1 knows; a period left without any is left out. */
export function chargingPeriods211(periods: V221['ChargingPeriod'][] | undefined): ChargingPeriod211[] | undefined {
  return periods
    ?.map((period) => ({ start_date_time: period.start_date_time, dimensions: period.dimensions.filter((dimension) => DIMENSIONS_211.has(dimension.type)) }))
    .filter((period) => period.dimensions.length > 0) as ChargingPeriod211[] | undefined;
}

/** 2.1.1 has no COMMAND: a session the eMSP started by command was authorized by the eMSP's request. */
const authMethod211 = (method: V221['AuthMethod']): Session211['auth_method'] => (method === 'WHITELIST' ? 'WHITELIST' : 'AUTH_REQUEST');
const sessionStatus211 = (status: V221['Session']['status']): Session211['status'] => (status === 'RESERVATION' ? 'PENDING' : status);

export function session211(session: V221['Session'], location: Location221): Session211 {
  return defined({
    id: session.id,
    start_datetime: session.start_date_time,
    end_datetime: session.end_date_time,
    kwh: session.kwh,
    auth_id: session.cdr_token.contract_id,
    auth_method: authMethod211(session.auth_method),
    location: usedLocation211(location, session.evse_uid, session.connector_id),
    meter_id: session.meter_id,
    currency: session.currency,
    charging_periods: chargingPeriods211(session.charging_periods),
    total_cost: session.total_cost?.excl_vat,
    status: sessionStatus211(session.status),
    last_updated: session.last_updated,
  });
}

/** What a 2.2.1 session PATCH says, in 2.1.1's words. */
export function sessionPatch211(patch: Partial<V221['Session']>): SessionPatch211 {
  return defined({
    end_datetime: patch.end_date_time,
    kwh: patch.kwh,
    charging_periods: chargingPeriods211(patch.charging_periods),
    total_cost: patch.total_cost?.excl_vat,
    status: patch.status && sessionStatus211(patch.status),
    last_updated: patch.last_updated,
  });
}

/**
 * The location a CDR names, when Anode no longer has it: what the CDR itself recorded (voltage and amperage are not
 * among that, so they are given as 0).
 */
export function cdrLocationAsLocation(cdr: V221['CDR']): Location221 {
  const place = cdr.cdr_location;
  return {
    country_code: cdr.country_code,
    party_id: cdr.party_id,
    id: place.id,
    publish: true,
    name: place.name,
    address: place.address,
    city: place.city,
    postal_code: place.postal_code,
    state: place.state,
    country: place.country,
    coordinates: place.coordinates,
    evses: [
      {
        uid: place.evse_uid,
        evse_id: place.evse_id,
        status: 'UNKNOWN',
        connectors: [
          {
            id: place.connector_id,
            standard: place.connector_standard,
            format: place.connector_format,
            power_type: place.connector_power_type,
            max_voltage: 0,
            max_amperage: 0,
            last_updated: cdr.last_updated,
          },
        ],
        last_updated: cdr.last_updated,
      },
    ],
    last_updated: cdr.last_updated,
  };
}

export function cdr211(cdr: V221['CDR'], location: Location221): Cdr211 {
  const periods = chargingPeriods211(cdr.charging_periods) ?? [];
  return defined({
    id: cdr.id,
    start_date_time: cdr.start_date_time,
    stop_date_time: cdr.end_date_time,
    auth_id: cdr.cdr_token.contract_id,
    auth_method: authMethod211(cdr.auth_method),
    location: usedLocation211(location, cdr.cdr_location.evse_uid, cdr.cdr_location.connector_id),
    meter_id: cdr.meter_id,
    currency: cdr.currency,
    tariffs: cdr.tariffs?.map(tariff211),
    // A 2.1.1 CDR needs at least one period: without one that 2.1.1 can say, the whole session is one energy period.
    charging_periods: periods.length > 0 ? periods : [{ start_date_time: cdr.start_date_time, dimensions: [{ type: 'ENERGY', volume: cdr.total_energy }] }],
    total_cost: cdr.total_cost.excl_vat,
    total_energy: cdr.total_energy,
    total_time: cdr.total_time,
    total_parking_time: cdr.total_parking_time,
    remark: cdr.remark,
    last_updated: cdr.last_updated,
  });
}

/** A token a 2.1.1 eMSP sends, owned by the party its URL (or its registration) names, as a 2.2.1 token. */
export function token221(token: Token211, owner: { countryCode: string; partyId: string }): V221['Token'] {
  return defined({
    country_code: owner.countryCode,
    party_id: owner.partyId,
    uid: token.uid,
    type: token.type,
    contract_id: token.auth_id,
    visual_number: token.visual_number,
    issuer: token.issuer,
    valid: token.valid,
    whitelist: token.whitelist,
    language: token.language,
    last_updated: token.last_updated,
  });
}

/** The fields of a 2.1.1 token PATCH as a 2.2.1 token PATCH. */
export function tokenPatch221(patch: In211['TokenPatch']): V221['TokenPatch'] {
  return defined({
    uid: patch.uid,
    type: patch.type,
    contract_id: patch.auth_id,
    visual_number: patch.visual_number,
    issuer: patch.issuer,
    valid: patch.valid,
    whitelist: patch.whitelist,
    language: patch.language,
    last_updated: patch.last_updated ?? new Date().toISOString(),
  });
}

/** A stored token as 2.1.1 shows it: app and ad-hoc tokens are OTHER there. */
export function token211(token: V221['Token']): Token211 {
  return defined({
    uid: token.uid,
    type: token.type === 'RFID' ? 'RFID' : 'OTHER',
    auth_id: token.contract_id,
    visual_number: token.visual_number,
    issuer: token.issuer,
    valid: token.valid,
    whitelist: token.whitelist,
    language: token.language,
    last_updated: token.last_updated,
  });
}

/** Anode's immediate answer to a command: 2.1.1's CommandResponse is its result alone. */
export const commandResponse211 = (response: V221['CommandResponse']): CommandResponse211 => ({ result: response.result });

/** What came of the command at the station, in the five words of 2.1.1. */
const RESULTS_211: Record<Emsp221['schemas']['CommandResultType'], CommandResponse211['result']> = {
  ACCEPTED: 'ACCEPTED',
  CANCELED_RESERVATION: 'ACCEPTED',
  EVSE_OCCUPIED: 'REJECTED',
  EVSE_INOPERATIVE: 'REJECTED',
  FAILED: 'REJECTED',
  NOT_SUPPORTED: 'NOT_SUPPORTED',
  REJECTED: 'REJECTED',
  TIMEOUT: 'TIMEOUT',
  UNKNOWN_RESERVATION: 'REJECTED',
};

export const commandResult211 = (result: Emsp221['schemas']['CommandResult']): CommandResponse211 => ({ result: RESULTS_211[result.result] });
