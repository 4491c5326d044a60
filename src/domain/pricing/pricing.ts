/**
 * Pricing engine for OCPI 2.2.1 tariffs: turns a tariff and the meter readings of one session into the
 * costs and charging periods a CDR (or a live Session) carries.
 *
 * Pure and protocol-neutral: no I/O, no imports from other project folders. The types in types.ts mirror the OCPI
 * 2.2.1 Tariff and CDR objects so the OCPI layer can pass its objects straight in; the result uses camelCase names,
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
 *    every figure returned is then rounded to cents, half up. See `toCents` in money.ts.
 */
import { candidates, type Component, type Context, pick, type PricedDimension } from './elements.js';
import { LocalClock } from './local-time.js';
import { Amount, ceilDiv, decimal, maxR, minR, ONE, type Ratio, ratio, toCents } from './money.js';
import { buildTimeline, type PricingSample, type Segment, segment, type Timeline, toMs } from './timeline.js';
import type { CdrDimension, ChargingPeriod, Price, ReservationRestrictionType, Tariff } from './types.js';

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

/** A segment with what prices it. */
interface PricedSegment extends Segment {
  timeDimension: PricedDimension;
  energy?: Component;
  time?: Component;
}

const HOUR_MS = 3_600_000;

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
  const segments: PricedSegment[] = segment(timeline, timeCuts, [...energyThresholds]).map((s) => {
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
function chargingPeriods(segments: PricedSegment[], tariffId: string, startMs: number, reservation: boolean): ChargingPeriod[] {
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
