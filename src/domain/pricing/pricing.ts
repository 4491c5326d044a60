/**
 * Pricing engine for OCPI 2.2.1 tariffs: turns a tariff and the meter readings of one session into the
 * costs and charging periods a CDR (or a live Session) carries.
 *
 * Pure and protocol-neutral: no I/O, no imports from other project folders. The types below mirror the OCPI 2.2.1
 * Tariff and CDR objects so the OCPI layer can pass its objects straight in; the result uses camelCase names,
 * which the OCPI layer maps to the snake_case CDR fields.
 *
 * How a session is priced:
 * 1. The session is cut into segments at every instant where the active Tariff Element could change: meter
 *    samples (power, current and charging/parking state change there), local start_time/end_time and midnight
 *    boundaries (computed in the location's time zone, DST included), min/max_duration instants and the moments
 *    the energy charged in the session crosses a min_kwh/max_kwh threshold (interpolated between samples).
 * 2. In each segment, per dimension, the first Tariff Element (in list order) whose restrictions all hold and that
 *    has a Price Component of that dimension prices it. ENERGY is billed per kWh; TIME while charging;
 *    PARKING_TIME while connected but not charging; FLAT once, from the first element active at session start.
 *    A dimension with no matching element is free.
 * 3. step_size is applied once per session: once for ENERGY, once for TIME and PARKING_TIME together. The total
 *    billed amount of the dimension is rounded up with the step_size of the last segment that billed it, and the
 *    extra is billed in that last segment at its price. For the time-based pair only the dimension of the last
 *    billed time-based segment is rounded (time charging followed by parking is not rounded).
 * 4. Money is exact (rational numbers over BigInt) until the very end; min_price/max_price bound the exact total;
 *    every figure returned is then rounded to cents, half up. See `toCents`.
 */

// ---------------------------------------------------------------------------------------------------------------
// OCPI 2.2.1 mirror types (tariffs module and the CDR pieces the engine produces)
// ---------------------------------------------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------------------------------------------
// Engine input and output
// ---------------------------------------------------------------------------------------------------------------

/**
 * One meter reading. The state it reports (charging, power, current) holds from `at` until the next reading
 * (sample-and-hold); energy between two readings is spread linearly over the time between them.
 */
export interface PricingSample {
  at: Date;
  /** cumulative energy register, Wh */
  energyWh: number;
  /** instantaneous power, W; when absent the average power between this reading and the next is used */
  powerW?: number;
  /** sum of the current over all phases, A; when absent, current restrictions do not hold */
  currentA?: number;
  /** false: the EV is connected but not charging (parking) */
  charging: boolean;
}

export interface PricingInput {
  tariff: Tariff;
  /** IANA zone of the location; restrictions' times, dates and weekdays are local to it */
  timeZone: string;
  start: Date;
  /** session end; may be later than the end of charging (parking) */
  end: Date;
  /** readings in time order (sorted here if not) */
  samples: PricingSample[];
  /** for a session still under way: price it as if it ended now (when now is before end) */
  now?: Date;
  /**
   * Price [start, end) as a reservation instead of a charging session: only elements with that reservation
   * restriction apply (for RESERVATION_EXPIRES: those elements first, then the RESERVATION ones), all the time
   * is reservation time (TIME dimension), energy and parking are not billed. Without it, reservation elements
   * are ignored. A reservation followed by a session is priced with two calls, one for each part.
   */
  reservation?: ReservationRestrictionType;
}

export interface PricedSession {
  /** after min_price/max_price */
  totalCost: Price;
  totalFixedCost?: Price;
  totalEnergyKwh: number;
  totalEnergyCost?: Price;
  /** whole session duration, charging and not charging (CDR total_time) */
  totalTimeHours: number;
  /** cost of TIME while charging */
  totalTimeCost?: Price;
  totalParkingTimeHours: number;
  totalParkingCost?: Price;
  /** only when priced as a reservation: FLAT and TIME of the reservation elements */
  totalReservationCost?: Price;
  chargingPeriods: ChargingPeriod[];
}

// ---------------------------------------------------------------------------------------------------------------
// Exact arithmetic
// ---------------------------------------------------------------------------------------------------------------

interface Ratio {
  readonly n: bigint;
  /** always > 0 */
  readonly d: bigint;
}

function gcd(a: bigint, b: bigint): bigint {
  if (a < 0n) a = -a;
  while (b !== 0n) [a, b] = [b, a % b];
  return a;
}

function ratio(n: bigint, d: bigint = 1n): Ratio {
  if (d === 0n) throw new RangeError('division by zero');
  if (d < 0n) {
    n = -n;
    d = -d;
  }
  const g = gcd(n, d);
  return g > 1n ? { n: n / g, d: d / g } : { n, d };
}

const ZERO = ratio(0n);
const ONE = ratio(1n);

const add = (a: Ratio, b: Ratio): Ratio => ratio(a.n * b.d + b.n * a.d, a.d * b.d);
const mul = (a: Ratio, b: Ratio): Ratio => ratio(a.n * b.n, a.d * b.d);
const cmp = (a: Ratio, b: Ratio): number => {
  const diff = a.n * b.d - b.n * a.d;
  return diff < 0n ? -1 : diff > 0n ? 1 : 0;
};
const maxR = (a: Ratio, b: Ratio): Ratio => (cmp(a, b) >= 0 ? a : b);
const minR = (a: Ratio, b: Ratio): Ratio => (cmp(a, b) <= 0 ? a : b);

/** The decimal a JSON number was written as (0.1 is exactly 1/10, not the nearest double). */
function decimal(x: number, what: string): Ratio {
  if (!Number.isFinite(x)) throw new RangeError(`${what} is not a finite number`);
  const m = /^(-?)(\d+)(?:\.(\d+))?(?:e([+-]?\d+))?$/.exec(String(x));
  if (!m) throw new RangeError(`${what} is not a number: ${x}`);
  const frac = m[3] ?? '';
  const exp = Number(m[4] ?? '0') - frac.length;
  const digits = BigInt(`${m[1]}${m[2]}${frac}`);
  return exp >= 0 ? ratio(digits * 10n ** BigInt(exp)) : ratio(digits, 10n ** BigInt(-exp));
}

/**
 * The rounding rule: money stays exact until the end; each returned amount (every total, incl. and excl. VAT)
 * is rounded on its own to cents, half up (half away from zero for negatives): 5.125 → 5.13, 4.997 → 5.00.
 * totalCost is rounded from the exact sum, so it can differ by a cent from the sum of the rounded parts
 * (the spec's complex example: 2.875 + 3.30 + 4.125 = 10.30 incl. VAT).
 */
function toCents(r: Ratio): number {
  const negative = r.n < 0n;
  const n = negative ? -r.n : r.n;
  const cents = (n * 200n + r.d) / (2n * r.d);
  return negative && cents > 0n ? -Number(cents) / 100 : Number(cents) / 100;
}

const ceilDiv = (a: bigint, b: bigint): bigint => (a + b - 1n) / b;

// ---------------------------------------------------------------------------------------------------------------
// Local time
// ---------------------------------------------------------------------------------------------------------------

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

interface LocalTime {
  /** YYYY-MM-DD */
  date: string;
  year: number;
  month: number;
  day: number;
  /** seconds since local midnight, with the fraction of the second */
  secondOfDay: number;
  /** whole seconds since local midnight */
  wholeSecondOfDay: number;
  weekday: DayOfWeek;
}

const WEEKDAYS: Record<string, DayOfWeek> = {
  Mon: 'MONDAY',
  Tue: 'TUESDAY',
  Wed: 'WEDNESDAY',
  Thu: 'THURSDAY',
  Fri: 'FRIDAY',
  Sat: 'SATURDAY',
  Sun: 'SUNDAY',
};

const WEEKDAY_BY_INDEX: DayOfWeek[] = ['SUNDAY', 'MONDAY', 'TUESDAY', 'WEDNESDAY', 'THURSDAY', 'FRIDAY', 'SATURDAY'];

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let fmt = formatters.get(timeZone);
  if (!fmt) {
    try {
      fmt = new Intl.DateTimeFormat('en-US', {
        timeZone,
        hourCycle: 'h23',
        weekday: 'short',
        year: 'numeric',
        month: '2-digit',
        day: '2-digit',
        hour: '2-digit',
        minute: '2-digit',
        second: '2-digit',
      });
    } catch {
      throw new RangeError(`unknown time zone: ${timeZone}`);
    }
    formatters.set(timeZone, fmt);
  }
  return fmt;
}

class LocalClock {
  private readonly fmt: Intl.DateTimeFormat;
  /** UTC offsets over a known span (set by `boundaries`): local time there is plain arithmetic */
  private known?: { from: number; to: number; changes: { at: number; offset: number }[] };

  constructor(timeZone: string) {
    this.fmt = formatter(timeZone);
  }

  at(ms: number): LocalTime {
    const known = this.known;
    if (!known || ms < known.from || ms > known.to) return this.formatted(ms);
    let offset = known.changes[0].offset;
    for (const c of known.changes) if (c.at <= ms) offset = c.offset;
    const d = new Date(ms + offset);
    const wholeSecondOfDay = d.getUTCHours() * 3600 + d.getUTCMinutes() * 60 + d.getUTCSeconds();
    const pad = (n: number, w = 2) => String(n).padStart(w, '0');
    return {
      date: `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`,
      year: d.getUTCFullYear(),
      month: d.getUTCMonth() + 1,
      day: d.getUTCDate(),
      secondOfDay: wholeSecondOfDay + d.getUTCMilliseconds() / 1000,
      wholeSecondOfDay,
      weekday: WEEKDAY_BY_INDEX[d.getUTCDay()],
    };
  }

  private formatted(ms: number): LocalTime {
    const p: Record<string, string> = {};
    for (const part of this.fmt.formatToParts(new Date(ms))) p[part.type] = part.value;
    const hour = Number(p.hour) % 24;
    const wholeSecondOfDay = hour * 3600 + Number(p.minute) * 60 + Number(p.second);
    const msOfSecond = ((ms % 1000) + 1000) % 1000;
    return {
      date: `${p.year.padStart(4, '0')}-${p.month}-${p.day}`,
      year: Number(p.year),
      month: Number(p.month),
      day: Number(p.day),
      secondOfDay: wholeSecondOfDay + msOfSecond / 1000,
      wholeSecondOfDay,
      weekday: WEEKDAYS[p.weekday],
    };
  }

  /** local minus UTC, ms */
  offset(ms: number): number {
    const t = Math.floor(ms / 1000) * 1000;
    const l = this.formatted(t);
    return Date.UTC(l.year, l.month - 1, l.day) + l.wholeSecondOfDay * 1000 - t;
  }

  /** the first whole second at which the offset differs from the one at `lo` (one change between lo and hi) */
  private transition(lo: number, hi: number): number {
    const before = this.offset(lo);
    let a = Math.floor(lo / 1000);
    let b = Math.ceil(hi / 1000);
    while (b - a > 1) {
      const mid = Math.floor((a + b) / 2);
      if (this.offset(mid * 1000) === before) a = mid;
      else b = mid;
    }
    return b * 1000;
  }

  /**
   * Every instant in (from, to) at which local wall-clock time is one of `secondsOfDay`, plus every UTC offset
   * change (a wall time skipped by DST starts at the change). May return extra instants; they only add cuts.
   */
  boundaries(from: number, to: number, secondsOfDay: number[]): number[] {
    const out: number[] = [];
    const offsets = new Set<number>();
    const lo = from - DAY_MS;
    const hi = to + DAY_MS;
    let prevT = lo;
    let prevO = this.offset(lo);
    offsets.add(prevO);
    const changes = [{ at: lo, offset: prevO }];
    // Offsets change at most once in any 12 hours (DST, or a zone's rare change of standard time).
    while (prevT < hi) {
      const t = Math.min(prevT + DAY_MS / 2, hi);
      const o = this.offset(t);
      offsets.add(o);
      if (o !== prevO) {
        const at = this.transition(prevT, t);
        out.push(at);
        changes.push({ at, offset: o });
      }
      prevT = t;
      prevO = o;
    }
    this.known = { from: lo, to: hi, changes };
    const first = this.at(lo);
    const last = this.at(hi);
    const lastDay = Date.UTC(last.year, last.month - 1, last.day);
    for (let day = Date.UTC(first.year, first.month - 1, first.day); day <= lastDay; day += DAY_MS) {
      for (const s of secondsOfDay) for (const o of offsets) out.push(day + s * 1000 - o);
    }
    return out.filter((t) => t > from && t < to);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Tariff elements, parsed once
// ---------------------------------------------------------------------------------------------------------------

type PricedDimension = Exclude<TariffDimensionType, 'FLAT'>;

interface Component {
  /** index of the element in tariff.elements */
  element: number;
  source: PriceComponent;
  price: Ratio;
  /** 1 + vat/100, undefined when the component has no vat */
  vatFactor?: Ratio;
}

interface ParsedElement {
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
function candidates(tariff: Tariff, reservation: ReservationRestrictionType | undefined): ParsedElement[] {
  const all = (tariff.elements ?? []).map(parseElement);
  const kind = (e: ParsedElement) => e.restrictions?.reservation;
  if (reservation === undefined) return all.filter((e) => kind(e) === undefined);
  if (reservation === 'RESERVATION') return all.filter((e) => kind(e) === 'RESERVATION');
  // An expired reservation: RESERVATION_EXPIRES elements win over RESERVATION ones for the same dimension.
  return [...all.filter((e) => kind(e) === 'RESERVATION_EXPIRES'), ...all.filter((e) => kind(e) === 'RESERVATION')];
}

/** What the restrictions are evaluated against, at the start of a segment. */
interface Context {
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
function pick(elements: ParsedElement[], dimension: TariffDimensionType, ctx: Context): Component | undefined {
  for (const e of elements) {
    const c = e.components[dimension];
    if (c && holds(e, ctx)) return c;
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------------------------
// Timeline
// ---------------------------------------------------------------------------------------------------------------

/** The span between two consecutive readings (or session start/end), with the state reported at its start. */
interface Interval {
  a: number;
  b: number;
  /** energy register at a and b, mWh */
  ea: number;
  eb: number;
  charging: boolean;
  /** power used for restrictions: reported, else the average over the interval */
  powerW?: number;
  reportedPowerW?: number;
  currentA?: number;
}

interface Segment {
  a: number;
  b: number;
  ea: number;
  eb: number;
  iv: Interval;
  timeDimension: PricedDimension;
  energy?: Component;
  time?: Component;
}

interface Timeline {
  intervals: Interval[];
  /** register at session start, mWh */
  baseMWh: number;
  /** state at session start (also for a zero-length session) */
  startState: Pick<Interval, 'charging' | 'powerW' | 'reportedPowerW' | 'currentA'>;
}

function toMs(d: Date, what: string): number {
  const ms = d instanceof Date ? d.getTime() : NaN;
  if (!Number.isFinite(ms)) throw new RangeError(`${what} is not a valid date`);
  return ms;
}

function buildTimeline(startMs: number, endMs: number, samples: PricingSample[]): Timeline {
  const pts = samples
    .map((s, i) => {
      if (!Number.isFinite(s.energyWh)) throw new RangeError(`samples[${i}].energyWh is not a finite number`);
      return { t: toMs(s.at, `samples[${i}].at`), e: Math.round(s.energyWh * 1000), s };
    })
    .sort((x, y) => x.t - y.t);
  if (pts.length === 0) {
    // No readings at all: the whole session counts as charging, with no energy and unknown power and current.
    const state = { charging: true };
    return {
      intervals: endMs > startMs ? [{ a: startMs, b: endMs, ea: 0, eb: 0, ...state }] : [],
      baseMWh: 0,
      startState: state,
    };
  }
  /** index of the last reading at or before t (the first reading when t precedes all) */
  const opening = (t: number): number => {
    let lo = 0;
    let hi = pts.length - 1;
    while (lo < hi) {
      const mid = Math.ceil((lo + hi) / 2);
      if (pts[mid].t <= t) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  };
  const energyAt = (t: number): number => {
    if (t <= pts[0].t) return pts[0].e;
    const i = opening(t);
    if (i === pts.length - 1) return pts[i].e;
    const p = pts[i];
    const q = pts[i + 1];
    return Math.round(p.e + ((q.e - p.e) * (t - p.t)) / (q.t - p.t));
  };
  const stateAt = (a: number, b: number, ea: number, eb: number) => {
    const s = pts[opening(a)].s;
    const derived = b > a ? ((eb - ea) * 3600) / (b - a) : undefined;
    return { charging: s.charging, powerW: s.powerW ?? derived, reportedPowerW: s.powerW, currentA: s.currentA };
  };
  const cuts = [...new Set([startMs, ...pts.map((p) => p.t).filter((t) => t > startMs && t < endMs), endMs])];
  const intervals: Interval[] = [];
  for (let i = 0; i + 1 < cuts.length; i++) {
    const a = cuts[i];
    const b = cuts[i + 1];
    const ea = energyAt(a);
    const eb = energyAt(b);
    intervals.push({ a, b, ea, eb, ...stateAt(a, b, ea, eb) });
  }
  const baseMWh = energyAt(startMs);
  const startState = intervals[0] ?? stateAt(startMs, startMs, baseMWh, baseMWh);
  return { intervals, baseMWh, startState };
}

/** Cuts the intervals at every instant the active element could change. */
function segment(
  timeline: Timeline,
  timeCuts: number[],
  energyThresholdsMWh: number[],
): Omit<Segment, 'timeDimension' | 'energy' | 'time'>[] {
  const out: Omit<Segment, 'timeDimension' | 'energy' | 'time'>[] = [];
  for (const iv of timeline.intervals) {
    const cuts: { f: number; t: number; e: number }[] = [];
    const span = iv.b - iv.a;
    const rise = iv.eb - iv.ea;
    for (const t of timeCuts) {
      if (t <= iv.a || t >= iv.b) continue;
      const f = (t - iv.a) / span;
      cuts.push({ f, t, e: Math.round(iv.ea + f * rise) });
    }
    if (rise !== 0) {
      for (const threshold of energyThresholdsMWh) {
        const e = timeline.baseMWh + threshold;
        if ((e - iv.ea) * (e - iv.eb) >= 0) continue; // not strictly inside
        const f = (e - iv.ea) / rise;
        cuts.push({ f, t: Math.round(iv.a + f * span), e });
      }
    }
    cuts.sort((x, y) => x.f - y.f);
    let prev = { t: iv.a, e: iv.ea };
    for (const c of [...cuts, { t: iv.b, e: iv.eb }]) {
      if (c.t !== prev.t || c.e !== prev.e) out.push({ a: prev.t, b: c.t, ea: prev.e, eb: c.e, iv });
      prev = c;
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Money accumulation
// ---------------------------------------------------------------------------------------------------------------

class Amount {
  excl: Ratio = ZERO;
  incl: Ratio = ZERO;
  /** false once a component without vat contributed a non-zero cost */
  inclKnown = true;
  used = false;

  add(component: Component, quantity: Ratio): void {
    const cost = mul(component.price, quantity);
    this.used = true;
    this.excl = add(this.excl, cost);
    if (component.vatFactor) this.incl = add(this.incl, mul(cost, component.vatFactor));
    else if (cost.n !== 0n) this.inclKnown = false; // a zero cost needs no VAT (the spec's free-of-charge tariff)
  }

  plus(other: Amount): void {
    if (!other.used) return;
    this.used = true;
    this.excl = add(this.excl, other.excl);
    this.incl = add(this.incl, other.incl);
    this.inclKnown &&= other.inclKnown;
  }

  price(): Price | undefined {
    if (!this.used) return undefined;
    return this.inclKnown ? { excl_vat: toCents(this.excl), incl_vat: toCents(this.incl) } : { excl_vat: toCents(this.excl) };
  }
}

/**
 * Bills one dimension over its segments: the total is rounded up to the step_size of the last segment that bills
 * it and the extra goes to that last segment. Quantities are integers (mWh or ms); `unitsPerPriceUnit` converts
 * them to the price's unit (kWh or hour); `stepUnit` converts step_size (Wh or s) to quantity units.
 */
function bill(
  items: { component: Component; quantity: number }[],
  target: Amount,
  unitsPerPriceUnit: bigint,
  stepUnit: number,
  applyStep: boolean,
): void {
  if (items.length === 0) return;
  const quantities = items.map((i) => BigInt(i.quantity));
  if (applyStep) {
    const last = items[items.length - 1];
    const step = BigInt(Math.round(last.component.source.step_size * stepUnit));
    const total = quantities.reduce((s, q) => s + q, 0n);
    if (step > 0n && total > 0n) quantities[quantities.length - 1] += ceilDiv(total, step) * step - total;
  }
  // Cost is linear in quantity: add up per component first, then price each component once.
  const perComponent = new Map<Component, bigint>();
  items.forEach((item, i) => perComponent.set(item.component, (perComponent.get(item.component) ?? 0n) + quantities[i]));
  for (const [component, quantity] of perComponent) target.add(component, ratio(quantity, unitsPerPriceUnit));
}

// ---------------------------------------------------------------------------------------------------------------
// The engine
// ---------------------------------------------------------------------------------------------------------------

const round6 = (x: number): number => Math.round(x * 1e6) / 1e6;
const hours = (ms: number): number => Math.round(ms / 3.6) / 1e6;
const isoSeconds = (ms: number): string => new Date(ms).toISOString().replace('.000Z', 'Z');

export function priceSession(input: PricingInput): PricedSession {
  const { tariff, reservation } = input;
  const startMs = toMs(input.start, 'start');
  let endMs = toMs(input.end, 'end');
  if (endMs < startMs) throw new RangeError('end is before start');
  if (input.now !== undefined) endMs = Math.max(startMs, Math.min(endMs, toMs(input.now, 'now')));
  const clock = new LocalClock(input.timeZone);
  const elements = candidates(tariff, reservation);

  // 1. Cut the session wherever an element could become active or inactive.
  const secondsOfDayCuts = new Set<number>([0]);
  const durationCuts: number[] = [];
  const energyThresholds = new Set<number>();
  for (const e of elements) {
    if (e.window) {
      secondsOfDayCuts.add(e.window.start);
      secondsOfDayCuts.add(e.window.end);
    }
    const r = e.restrictions;
    for (const s of [r?.min_duration, r?.max_duration]) if (s !== undefined) durationCuts.push(startMs + Math.round(s * 1000));
    if (e.minMWh !== undefined) energyThresholds.add(e.minMWh);
    if (e.maxMWh !== undefined) energyThresholds.add(e.maxMWh);
  }
  const timeline = buildTimeline(startMs, endMs, input.samples ?? []);
  const timeCuts = [...clock.boundaries(startMs, endMs, [...secondsOfDayCuts]), ...durationCuts];
  const context = (at: number, energyMWh: number, iv: Timeline['startState']): Context => ({
    local: clock.at(at),
    elapsedMs: at - startMs,
    energyMWh: energyMWh - timeline.baseMWh,
    powerW: iv.powerW,
    currentA: iv.currentA,
  });

  // 2. Per segment and dimension, the first element whose restrictions hold.
  const segments: Segment[] = segment(timeline, timeCuts, [...energyThresholds]).map((s) => {
    const ctx = context(s.a, s.ea, s.iv);
    const timeDimension: PricedDimension = reservation || s.iv.charging ? 'TIME' : 'PARKING_TIME';
    return {
      ...s,
      timeDimension,
      energy: reservation ? undefined : pick(elements, 'ENERGY', ctx),
      time: pick(elements, timeDimension, ctx),
    };
  });
  const flat = pick(elements, 'FLAT', context(startMs, timeline.baseMWh, timeline.startState));

  // 3. Bill, with step_size once per session for ENERGY and once for TIME and PARKING_TIME together.
  const fixed = new Amount();
  const energy = new Amount();
  const time = new Amount();
  const parking = new Amount();
  const reserved = new Amount();
  if (flat) (reservation ? reserved : fixed).add(flat, ONE);

  const energyItems = segments
    .filter((s) => s.energy && s.eb !== s.ea)
    .map((s) => ({ component: s.energy!, quantity: s.eb - s.ea }));
  bill(energyItems, energy, 1_000_000n, 1000, true);

  const timed = segments.filter((s) => s.time && s.b > s.a);
  const roundedDimension = timed.at(-1)?.timeDimension;
  for (const dimension of ['TIME', 'PARKING_TIME'] as const) {
    const items = timed.filter((s) => s.timeDimension === dimension).map((s) => ({ component: s.time!, quantity: s.b - s.a }));
    const target = reservation ? reserved : dimension === 'TIME' ? time : parking;
    bill(items, target, BigInt(HOUR_MS), 1000, dimension === roundedDimension);
  }

  // 4. Totals, bounded by min_price and max_price (excl. and incl. VAT each on their own).
  const total = new Amount();
  for (const part of [fixed, energy, time, parking, reserved]) total.plus(part);
  let excl = total.excl;
  let incl: Ratio | undefined = total.inclKnown ? total.incl : undefined;
  if (!reservation) {
    const { min_price: min, max_price: max } = tariff;
    if (min) {
      excl = maxR(excl, decimal(min.excl_vat, 'min_price.excl_vat'));
      if (incl && min.incl_vat != null) incl = maxR(incl, decimal(min.incl_vat, 'min_price.incl_vat'));
    }
    if (max) {
      excl = minR(excl, decimal(max.excl_vat, 'max_price.excl_vat'));
      if (incl && max.incl_vat != null) incl = minR(incl, decimal(max.incl_vat, 'max_price.incl_vat'));
    }
  }
  const totalCost: Price = incl ? { excl_vat: toCents(excl), incl_vat: toCents(incl) } : { excl_vat: toCents(excl) };

  const parkingMs = reservation ? 0 : segments.filter((s) => !s.iv.charging).reduce((sum, s) => sum + (s.b - s.a), 0);
  return {
    totalCost,
    ...priced('totalFixedCost', fixed),
    totalEnergyKwh: round6(segments.reduce((sum, s) => sum + (s.eb - s.ea), 0) / 1_000_000),
    ...priced('totalEnergyCost', energy),
    totalTimeHours: hours(endMs - startMs),
    ...priced('totalTimeCost', time),
    totalParkingTimeHours: hours(parkingMs),
    ...priced('totalParkingCost', parking),
    ...priced('totalReservationCost', reserved),
    chargingPeriods: chargingPeriods(segments, tariff.id, startMs, reservation !== undefined),
  };
}

/** `{ [key]: price }` when the amount was used at all, else nothing. */
function priced<K extends keyof PricedSession>(key: K, amount: Amount): Partial<Record<K, Price>> {
  const price = amount.price();
  return price ? ({ [key]: price } as Partial<Record<K, Price>>) : {};
}

/** One ChargingPeriod per run of segments with the same state and the same active components. */
function chargingPeriods(segments: Segment[], tariffId: string, startMs: number, reservation: boolean): ChargingPeriod[] {
  interface Acc {
    start: number;
    key?: string;
    energyMWh: number;
    chargingMs: number;
    parkingMs: number;
    maxPowerW?: number;
    maxCurrentA?: number;
  }
  const accs: Acc[] = [];
  let cur: Acc | undefined;
  for (const s of segments) {
    const key = `${s.timeDimension}|${s.energy?.element ?? '-'}|${s.time?.element ?? '-'}`;
    const duration = s.b - s.a;
    // A zero-length segment (energy at one instant) belongs to the period around it.
    if (!cur || (duration > 0 && cur.key !== undefined && cur.key !== key)) {
      cur = { start: s.a, energyMWh: 0, chargingMs: 0, parkingMs: 0 };
      accs.push(cur);
    }
    if (duration > 0) cur.key ??= key;
    cur.energyMWh += s.eb - s.ea;
    if (s.timeDimension === 'TIME') cur.chargingMs += duration;
    else cur.parkingMs += duration;
    if (s.iv.reportedPowerW !== undefined && s.timeDimension === 'TIME') cur.maxPowerW = Math.max(cur.maxPowerW ?? -Infinity, s.iv.reportedPowerW);
    if (s.iv.currentA !== undefined && s.timeDimension === 'TIME') cur.maxCurrentA = Math.max(cur.maxCurrentA ?? -Infinity, s.iv.currentA);
  }
  if (accs.length === 0) accs.push({ start: startMs, energyMWh: 0, chargingMs: 0, parkingMs: 0 });
  return accs.map((p) => {
    const dimensions: CdrDimension[] = [];
    if (reservation) {
      dimensions.push({ type: 'RESERVATION_TIME', volume: hours(p.chargingMs) });
    } else {
      if (p.chargingMs > 0 || p.energyMWh !== 0 || p.parkingMs === 0) dimensions.push({ type: 'ENERGY', volume: round6(p.energyMWh / 1_000_000) });
      if (p.chargingMs > 0 || p.parkingMs === 0) dimensions.push({ type: 'TIME', volume: hours(p.chargingMs) });
      if (p.parkingMs > 0) dimensions.push({ type: 'PARKING_TIME', volume: hours(p.parkingMs) });
      if (p.maxPowerW !== undefined) dimensions.push({ type: 'MAX_POWER', volume: round6(p.maxPowerW / 1000) });
      if (p.maxCurrentA !== undefined) dimensions.push({ type: 'MAX_CURRENT', volume: round6(p.maxCurrentA) });
    }
    return { start_date_time: isoSeconds(p.start), dimensions, tariff_id: tariffId };
  });
}
