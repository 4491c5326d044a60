/** Tariff elements, parsed once, and which of them applies at a moment of the session. */
import type { LocalTime } from './local-time.js';
import { add, decimal, mul, ONE, ratio, type UnitPrice } from './money.js';
import type {
  PriceComponent,
  ReservationRestrictionType,
  Tariff,
  TariffDimensionType,
  TariffElement,
  TariffRestrictions,
} from './types.js';

export type PricedDimension = Exclude<TariffDimensionType, 'FLAT'>;

export interface Component extends UnitPrice {
  /** index of the element in tariff.elements */
  element: number;
  source: PriceComponent;
}

export interface ParsedElement {
  index: number;
  components: Partial<Record<TariffDimensionType, Component>>;
  restrictions?: TariffRestrictions;
  /** start_time/end_time in seconds of day, when either is set */
  window?: { start: number; end: number };
  minMWh?: number;
  maxMWh?: number;
}

const HHMM = /^([01]\d|2[0-3]):([0-5]\d)$/;
const YMD = /^\d{4}-\d{2}-\d{2}$/;

function secondsOfDay(value: string | undefined, what: string): number | undefined {
  if (value === undefined) return undefined;
  const m = HHMM.exec(value);
  if (!m) throw new RangeError(`${what} is not HH:MM: ${value}`);
  return Number(m[1]) * 3600 + Number(m[2]) * 60;
}

const toMWh = (kwh: number): number => Math.round(kwh * 1_000_000);

/** JSON may carry null for an absent optional field: treat it as absent. */
function withoutNulls<T extends object>(o: T | null | undefined): T | undefined {
  if (o === null || o === undefined) return undefined;
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== null)) as T;
}

function parseElement(element: TariffElement, index: number): ParsedElement {
  const components: ParsedElement['components'] = {};
  for (const pc of element.price_components ?? []) {
    // Only one component per dimension can be active: the first one of its type in the element.
    if (components[pc.type]) continue;
    const what = `elements[${index}] ${pc.type}`;
    components[pc.type] = {
      element: index,
      source: pc,
      price: decimal(pc.price, `${what} price`),
      vatFactor: pc.vat === undefined || pc.vat === null ? undefined : add(ONE, mul(decimal(pc.vat, `${what} vat`), ratio(1n, 100n))),
    };
  }
  const r = withoutNulls(element.restrictions);
  const parsed: ParsedElement = { index, components, restrictions: r };
  if (!r) return parsed;
  const start = secondsOfDay(r.start_time, `elements[${index}].restrictions.start_time`);
  const end = secondsOfDay(r.end_time, `elements[${index}].restrictions.end_time`);
  if (start !== undefined || end !== undefined) parsed.window = { start: start ?? 0, end: end ?? 0 };
  for (const key of ['start_date', 'end_date'] as const) {
    const v = r[key];
    if (v !== undefined && !YMD.test(v)) throw new RangeError(`elements[${index}].restrictions.${key} is not YYYY-MM-DD: ${v}`);
  }
  if (r.min_kwh !== undefined) parsed.minMWh = toMWh(r.min_kwh);
  if (r.max_kwh !== undefined) parsed.maxMWh = toMWh(r.max_kwh);
  return parsed;
}

/** The elements that may apply, in the order they are tried. */
export function candidates(tariff: Tariff, reservation: ReservationRestrictionType | undefined): ParsedElement[] {
  const all = (tariff.elements ?? []).map(parseElement);
  const kind = (e: ParsedElement) => e.restrictions?.reservation;
  if (reservation === undefined) return all.filter((e) => kind(e) === undefined);
  if (reservation === 'RESERVATION') return all.filter((e) => kind(e) === 'RESERVATION');
  // An expired reservation: RESERVATION_EXPIRES elements win over RESERVATION ones for the same dimension.
  return [...all.filter((e) => kind(e) === 'RESERVATION_EXPIRES'), ...all.filter((e) => kind(e) === 'RESERVATION')];
}

/** What the restrictions are evaluated against, at the start of a segment. */
export interface Context {
  local: LocalTime;
  elapsedMs: number;
  /** energy charged in the session so far */
  energyMWh: number;
  powerW?: number;
  currentA?: number;
}

function inWindow(window: { start: number; end: number }, second: number): boolean {
  const { start, end } = window;
  if (start === end) return true; // 00:00-00:00 (or only end_time 00:00): the whole day
  if (start < end) return second >= start && second < end;
  return second >= start || second < end; // wraps past midnight; end 00:00 means until the end of the day
}

function holds(e: ParsedElement, ctx: Context): boolean {
  const r = e.restrictions;
  if (!r) return true;
  if (e.window && !inWindow(e.window, ctx.local.secondOfDay)) return false;
  if (r.start_date !== undefined && ctx.local.date < r.start_date) return false;
  if (r.end_date !== undefined && ctx.local.date >= r.end_date) return false;
  if (e.minMWh !== undefined && ctx.energyMWh < e.minMWh) return false;
  if (e.maxMWh !== undefined && ctx.energyMWh >= e.maxMWh) return false;
  // An unknown current or power cannot be shown to satisfy a restriction on it.
  if (r.min_current !== undefined && !(ctx.currentA !== undefined && ctx.currentA >= r.min_current)) return false;
  if (r.max_current !== undefined && !(ctx.currentA !== undefined && ctx.currentA < r.max_current)) return false;
  if (r.min_power !== undefined && !(ctx.powerW !== undefined && ctx.powerW >= r.min_power * 1000)) return false;
  if (r.max_power !== undefined && !(ctx.powerW !== undefined && ctx.powerW < r.max_power * 1000)) return false;
  if (r.min_duration !== undefined && ctx.elapsedMs < r.min_duration * 1000) return false;
  if (r.max_duration !== undefined && ctx.elapsedMs >= r.max_duration * 1000) return false;
  if (r.day_of_week && r.day_of_week.length > 0 && !r.day_of_week.includes(ctx.local.weekday)) return false;
  return true;
}

/** The first element, in order, that has a component of the dimension and whose restrictions all hold. */
export function pick(elements: ParsedElement[], dimension: TariffDimensionType, ctx: Context): Component | undefined {
  for (const e of elements) {
    const c = e.components[dimension];
    if (c && holds(e, ctx)) return c;
  }
  return undefined;
}
