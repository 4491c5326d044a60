/**
 * The OCPI 2.2.1 objects the pricing engine reads and writes: the tariffs module's Tariff and the CDR pieces it
 * produces. The OCPI layer passes its objects straight in.
 */

export type TariffDimensionType = 'ENERGY' | 'FLAT' | 'PARKING_TIME' | 'TIME';

export type DayOfWeek = 'MONDAY' | 'TUESDAY' | 'WEDNESDAY' | 'THURSDAY' | 'FRIDAY' | 'SATURDAY' | 'SUNDAY';

export type ReservationRestrictionType = 'RESERVATION' | 'RESERVATION_EXPIRES';

export type TariffType = 'AD_HOC_PAYMENT' | 'PROFILE_CHEAP' | 'PROFILE_FAST' | 'PROFILE_GREEN' | 'REGULAR';

export interface Price {
  excl_vat: number;
  incl_vat?: number;
}

export interface PriceComponent {
  type: TariffDimensionType;
  /** price per unit excluding VAT: per kWh (ENERGY), per hour (TIME, PARKING_TIME), per session (FLAT) */
  price: number;
  /** VAT percentage; absent means no VAT is known for this component (different from 0) */
  vat?: number;
  /** Wh for ENERGY, seconds for TIME and PARKING_TIME, ignored for FLAT; 0 means no rounding */
  step_size: number;
}

export interface TariffRestrictions {
  /** HH:MM local time, inclusive */
  start_time?: string;
  /** HH:MM local time, exclusive; before start_time wraps past midnight; 00:00 means end of day */
  end_time?: string;
  /** YYYY-MM-DD local date, inclusive */
  start_date?: string;
  /** YYYY-MM-DD local date, exclusive */
  end_date?: string;
  min_kwh?: number;
  max_kwh?: number;
  /** amperes, sum over phases */
  min_current?: number;
  max_current?: number;
  /** kW */
  min_power?: number;
  max_power?: number;
  /** seconds since session start */
  min_duration?: number;
  max_duration?: number;
  day_of_week?: DayOfWeek[];
  reservation?: ReservationRestrictionType;
}

export interface TariffElement {
  price_components: PriceComponent[];
  restrictions?: TariffRestrictions;
}

export interface DisplayText {
  language: string;
  text: string;
}

export interface Tariff {
  country_code: string;
  party_id: string;
  id: string;
  currency: string;
  type?: TariffType;
  tariff_alt_text?: DisplayText[];
  tariff_alt_url?: string;
  min_price?: Price;
  max_price?: Price;
  elements: TariffElement[];
  start_date_time?: string;
  end_date_time?: string;
  energy_mix?: unknown;
  last_updated: string;
}

export type CdrDimensionType =
  | 'CURRENT'
  | 'ENERGY'
  | 'ENERGY_EXPORT'
  | 'ENERGY_IMPORT'
  | 'MAX_CURRENT'
  | 'MIN_CURRENT'
  | 'MAX_POWER'
  | 'MIN_POWER'
  | 'PARKING_TIME'
  | 'POWER'
  | 'RESERVATION_TIME'
  | 'STATE_OF_CHARGE'
  | 'TIME';

export interface CdrDimension {
  type: CdrDimensionType;
  volume: number;
}

export interface ChargingPeriod {
  start_date_time: string;
  dimensions: CdrDimension[];
  tariff_id?: string;
}
