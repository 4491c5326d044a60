/**
 * The pricing engine against the OCPI 2.2.1 tariffs module: the spec's example tariffs (read from the shared
 * reference folder beside the repository) and concrete sessions whose totals are worked out by hand next to each
 * expectation. Prices are € excl. VAT unless said otherwise; "incl" is incl. VAT.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { priceSession, type PricedSession, type PricingInput } from '../../src/domain/pricing/pricing.js';
import type { PricingSample } from '../../src/domain/pricing/timeline.js';
import type { Price, Tariff, TariffElement } from '../../src/domain/pricing/types.js';

// The shared reference folder beside the repository, or OCPI_REFERENCE_DIR as in the contract tests.
const examplesDir = process.env.OCPI_REFERENCE_DIR
  ? pathToFileURL(`${resolve(process.env.OCPI_REFERENCE_DIR, 'examples')}/`)
  : new URL('../../../shared/ocpi-2.2.1/examples/', import.meta.url);

function example(file: string): Tariff {
  return JSON.parse(readFileSync(new URL(file, examplesDir), 'utf8')) as Tariff;
}

function tariff(elements: TariffElement[], extra: Partial<Tariff> = {}): Tariff {
  return { country_code: 'NL', party_id: 'ANO', id: 'T1', currency: 'EUR', elements, last_updated: '2024-01-01T00:00:00Z', ...extra };
}

/** One stretch of a session: charging (delivering `kwh`) or parked, for `minutes`. */
interface Phase {
  minutes: number;
  kwh?: number;
  park?: boolean;
  powerW?: number;
  currentA?: number;
}

/** A reading at the start of every phase (reporting its state) and one at the end of the session. */
function session(startIso: string, phases: Phase[]): Pick<PricingInput, 'start' | 'end' | 'samples'> {
  const start = new Date(startIso);
  const samples: PricingSample[] = [];
  let t = start.getTime();
  let wh = 0;
  for (const p of phases) {
    samples.push({ at: new Date(t), energyWh: wh, charging: !p.park, powerW: p.powerW, currentA: p.currentA });
    t += p.minutes * 60_000;
    wh += (p.kwh ?? 0) * 1000;
  }
  samples.push({ at: new Date(t), energyWh: wh, charging: !phases.at(-1)?.park });
  return { start, end: new Date(t), samples };
}

function price(t: Tariff, timeZone: string, startIso: string, phases: Phase[], extra: Partial<PricingInput> = {}): PricedSession {
  return priceSession({ tariff: t, timeZone, ...session(startIso, phases), ...extra });
}

const sum = (a: Price, b: Price): Price => ({
  excl_vat: Math.round((a.excl_vat + b.excl_vat) * 100) / 100,
  incl_vat: Math.round(((a.incl_vat ?? NaN) + (b.incl_vat ?? NaN)) * 100) / 100,
});

describe('TIME: charging time is billed per hour', () => {
  it('tariff 1 (€2.00/h, 10% VAT): 2.5 h of charging costs €5.00 / €5.50 incl.', () => {
    const r = price(example('tariff_1_simple_2hour.json'), 'Europe/Berlin', '2024-05-06T08:00:00Z', [{ minutes: 150, kwh: 20 }]);
    // 2.5 h × 2.00 = 5.00; × 1.10 = 5.50
    expect(r.totalCost).toEqual({ excl_vat: 5, incl_vat: 5.5 });
    expect(r.totalTimeCost).toEqual({ excl_vat: 5, incl_vat: 5.5 });
    expect(r.totalEnergyCost).toBeUndefined();
    expect(r.totalTimeHours).toBe(2.5);
    expect(r.totalEnergyKwh).toBe(20);
  });

  it('reproduces the spec CDR example: 1:58:23 at €2.00/h with step_size 300 s is billed as 2 h, €4.00 / €4.40', () => {
    const cdr = JSON.parse(readFileSync(new URL('cdr_example.json', examplesDir), 'utf8')) as {
      tariffs: Tariff[];
      start_date_time: string;
      end_date_time: string;
      total_cost: Price;
      total_time: number;
    };
    const r = priceSession({
      tariff: cdr.tariffs[0],
      timeZone: 'Europe/Brussels',
      start: new Date(cdr.start_date_time),
      end: new Date(cdr.end_date_time),
      samples: [
        { at: new Date(cdr.start_date_time), energyWh: 0, charging: true },
        { at: new Date(cdr.end_date_time), energyWh: 15342, charging: true },
      ],
    });
    // 21:39:09 → 23:37:32 = 7103 s = 1.973 h; rounded up to 300 s steps: 7200 s = 2 h × 2.00 = 4.00; × 1.10 = 4.40
    expect(r.totalCost).toEqual(cdr.total_cost);
    expect(r.totalTimeHours).toBeCloseTo(cdr.total_time, 3);
    expect(r.chargingPeriods).toEqual([
      {
        start_date_time: '2015-06-29T21:39:09Z',
        dimensions: [
          { type: 'ENERGY', volume: 15.342 },
          { type: 'TIME', volume: 1.973056 },
        ],
        tariff_id: '12',
      },
    ]);
  });

  it('time after charging is not TIME: tariff 1 with 2 h charging and 1 h parked costs €4.00', () => {
    const r = price(example('tariff_1_simple_2hour.json'), 'Europe/Berlin', '2024-05-06T08:00:00Z', [
      { minutes: 120, kwh: 10 },
      { minutes: 60, park: true },
    ]);
    // 2 h × 2.00 = 4.00 (incl 4.40); the hour parked has no PARKING_TIME component: free
    expect(r.totalCost).toEqual({ excl_vat: 4, incl_vat: 4.4 });
    expect(r.totalParkingCost).toBeUndefined();
    expect(r.totalTimeHours).toBe(3);
    expect(r.totalParkingTimeHours).toBe(1);
  });

  it('without any meter reading the whole session counts as charging time', () => {
    const r = priceSession({
      tariff: example('tariff_1_simple_2hour.json'),
      timeZone: 'UTC',
      start: new Date('2024-05-06T08:00:00Z'),
      end: new Date('2024-05-06T09:30:00Z'),
      samples: [],
    });
    // 1.5 h × 2.00 = 3.00; incl 3.30
    expect(r.totalCost).toEqual({ excl_vat: 3, incl_vat: 3.3 });
  });
});

describe('ENERGY per kWh and FLAT once per session', () => {
  it('tariff 8 (€0.25/kWh, 10% VAT): 20 kWh costs €5.00 / €5.50 incl.', () => {
    const r = price(example('tariff_8_simple_025kwh.json'), 'Europe/Berlin', '2024-05-06T08:00:00Z', [{ minutes: 120, kwh: 20 }]);
    // 20 × 0.25 = 5.00; × 1.10 = 5.50
    expect(r.totalCost).toEqual({ excl_vat: 5, incl_vat: 5.5 });
  });

  it('tariff 9 (€0.25/kWh + €0.50 start fee): 20 kWh costs €5.50 / €6.10 incl.', () => {
    const r = price(example('tariff_9_025kwh_start.json'), 'Europe/Berlin', '2024-05-06T08:00:00Z', [{ minutes: 120, kwh: 20 }]);
    // fixed 0.50 (× 1.20 = 0.60) + energy 20 × 0.25 = 5.00 (× 1.10 = 5.50) = 5.50 / 6.10
    expect(r.totalFixedCost).toEqual({ excl_vat: 0.5, incl_vat: 0.6 });
    expect(r.totalEnergyCost).toEqual({ excl_vat: 5, incl_vat: 5.5 });
    expect(r.totalCost).toEqual({ excl_vat: 5.5, incl_vat: 6.1 });
  });

  it('FLAT is charged once, from the first element with a FLAT component active at session start', () => {
    const t = tariff([
      { price_components: [{ type: 'FLAT', price: 1, vat: 0, step_size: 1 }], restrictions: { start_time: '00:00', end_time: '12:00' } },
      { price_components: [{ type: 'FLAT', price: 2, vat: 0, step_size: 1 }] },
    ]);
    // starts 11:30 local (under the morning element), runs past noon: only the 1.00 fee
    expect(price(t, 'UTC', '2024-05-06T11:30:00Z', [{ minutes: 120, kwh: 5 }]).totalCost).toEqual({ excl_vat: 1, incl_vat: 1 });
    // starts 12:30: the morning element no longer holds, the fallback 2.00 fee
    expect(price(t, 'UTC', '2024-05-06T12:30:00Z', [{ minutes: 120, kwh: 5 }]).totalCost).toEqual({ excl_vat: 2, incl_vat: 2 });
  });
});

describe('min_price: the session costs at least min_price', () => {
  const t = example('tariff_12_025kwh_min_price.json');

  it('tariff 12: 20 kWh costs €5.00 / €5.50, above the minimum', () => {
    // 20 × 0.25 = 5.00; × 1.10 = 5.50 ≥ 0.50 / 0.55
    expect(price(t, 'Europe/Berlin', '2024-05-06T08:00:00Z', [{ minutes: 120, kwh: 20 }]).totalCost).toEqual({ excl_vat: 5, incl_vat: 5.5 });
  });

  it('tariff 12: 1 kWh (under 2 kWh) is billed at the minimum €0.50 / €0.55', () => {
    const r = price(t, 'Europe/Berlin', '2024-05-06T08:00:00Z', [{ minutes: 10, kwh: 1 }]);
    // 1 × 0.25 = 0.25 (incl 0.275) < min → 0.50 / 0.55; the energy part itself stays 0.25 / 0.28
    expect(r.totalCost).toEqual({ excl_vat: 0.5, incl_vat: 0.55 });
    expect(r.totalEnergyCost).toEqual({ excl_vat: 0.25, incl_vat: 0.28 });
  });
});

describe('max_price: the session costs at most max_price', () => {
  const t = example('tariff_6_025kwh_start_max_price.json');

  it('tariff 6: 50 kWh is capped at €10.00 / €11.00', () => {
    // 0.50 + 50 × 0.25 = 13.00 > 10.00; incl 0.60 + 13.75 = 14.35 > 11.00
    expect(price(t, 'Europe/Berlin', '2019-05-06T08:00:00Z', [{ minutes: 240, kwh: 50 }]).totalCost).toEqual({ excl_vat: 10, incl_vat: 11 });
  });

  it('tariff 6: 30 kWh stays under the cap: €8.00 / €8.85', () => {
    // 0.50 + 30 × 0.25 = 8.00; incl 0.60 + 7.50 × 1.10 = 0.60 + 8.25 = 8.85
    expect(price(t, 'Europe/Berlin', '2019-05-06T08:00:00Z', [{ minutes: 180, kwh: 30 }]).totalCost).toEqual({ excl_vat: 8, incl_vat: 8.85 });
  });
});

describe('step_size: the total of a dimension is rounded up once, with the step_size of its last period', () => {
  // tariff 14: TIME €1.20/h step 1800 s before 17:00, €2.40/h step 900 s from 17:00; PARKING_TIME €1.00/h step 900 s
  // until 20:00, free after. No VAT in this tariff. Berlin in June is UTC+2.
  const t14 = example('tariff_14_step_size.json');

  it('spec example #1: plug in 16:55, charge 10 min, park 2 min: €0.55', () => {
    const r = price(t14, 'Europe/Berlin', '2024-06-12T14:55:00Z', [{ minutes: 10, kwh: 1 }, { minutes: 2, park: true }]);
    // TIME 16:55–17:00 5 min × 1.20/h = 0.10; 17:00–17:05 5 min × 2.40/h = 0.20 (charging is followed by parking: not rounded)
    // PARKING 2 min → rounded up to 15 min (step 900 s of the last parking period) × 1.00/h = 0.25; total 0.55
    expect(r.totalTimeCost).toEqual({ excl_vat: 0.3 });
    expect(r.totalParkingCost).toEqual({ excl_vat: 0.25 });
    expect(r.totalCost).toEqual({ excl_vat: 0.55 });
  });

  it('spec example #2: plug in 16:35, charge 35 min: rounded to 45 min with the 17:00 step, €1.30', () => {
    const r = price(t14, 'Europe/Berlin', '2024-06-12T14:35:00Z', [{ minutes: 35, kwh: 5 }]);
    // 35 min total → 45 min (step 900 s of the last period); 25 min before 17:00 × 1.20/h = 0.50,
    // the rest 45 − 25 = 20 min × 2.40/h = 0.80; total 1.30
    expect(r.totalCost).toEqual({ excl_vat: 1.3 });
  });

  it('spec example "switching to free of charge": plug in 19:40, charge 12 min, park 20 min: €0.73', () => {
    const r = price(t14, 'Europe/Berlin', '2024-06-12T17:40:00Z', [{ minutes: 12, kwh: 2 }, { minutes: 20, park: true }]);
    // TIME 19:40–19:52 under the 17:00–20:00 element: 12 min × 2.40/h = 0.48 (followed by parking: not rounded).
    // PARKING 19:52–20:00 billable 8 min (free after 20:00) → rounded up to 15 min × 1.00/h = 0.25. Total 0.73.
    // The spec's own breakdown of this example (0.20 + 0.60 = 0.80) contradicts its tariff (no €2.40/h parking,
    // and 12 min × €1.20/h is 0.24); the rule its text states (8 min rounded to 15 min of parking) gives 0.73.
    expect(r.totalTimeCost).toEqual({ excl_vat: 0.48 });
    expect(r.totalParkingCost).toEqual({ excl_vat: 0.25 });
    expect(r.totalCost).toEqual({ excl_vat: 0.73 });
  });

  it('tariff 3 (step 100 Wh): 20.45 kWh is billed as 20.5 kWh, €5.63 / €6.24 as in the spec breakdown', () => {
    const r = price(example('tariff_3_alt_url.json'), 'Europe/Berlin', '2024-05-06T08:00:00Z', [{ minutes: 120, kwh: 20.45 }]);
    // energy 20.5 × 0.25 = 5.125 → 5.13, incl × 1.10 = 5.6375 → 5.64; flat 0.50 / 0.60
    // total 5.625 → 5.63; incl 6.2375 → 6.24
    expect(r.totalEnergyCost).toEqual({ excl_vat: 5.13, incl_vat: 5.64 });
    expect(r.totalCost).toEqual({ excl_vat: 5.63, incl_vat: 6.24 });
    expect(r.totalEnergyKwh).toBe(20.45); // volumes stay as measured
  });

  it.each([
    [1, 2.9], // 115.2 Wh → 116 Wh × 25.00/kWh = 2.90
    [25, 3.13], // → 125 Wh × 25.00 = 3.125 → 3.13
    [500, 12.5], // → 500 Wh × 25.00 = 12.50
  ])('ENERGY step_size %i Wh rounds 115.2 Wh up to the next step (the spec note, price ×100 to show in cents)', (step, expected) => {
    const t = tariff([{ price_components: [{ type: 'ENERGY', price: 25, step_size: step }] }]);
    expect(price(t, 'UTC', '2024-05-06T08:00:00Z', [{ minutes: 10, kwh: 0.1152 }]).totalCost.excl_vat).toBe(expected);
  });

  it('ENERGY across two prices: 4.3 kWh before 17:00 + 1.1 kWh after, step 500 Wh → 5.5 kWh in total, not 1.5 kWh after', () => {
    const t = tariff([
      { price_components: [{ type: 'ENERGY', price: 0.2, step_size: 500 }], restrictions: { end_time: '17:00' } },
      { price_components: [{ type: 'ENERGY', price: 0.27, step_size: 500 }] },
    ]);
    const r = price(t, 'UTC', '2024-05-06T16:00:00Z', [{ minutes: 60, kwh: 4.3 }, { minutes: 60, kwh: 1.1 }]);
    // 5.4 kWh → 5.5 kWh; 4.3 × 0.20 = 0.86 before; 1.1 + 0.1 = 1.2 × 0.27 = 0.324 after; 1.184 → 1.18
    expect(r.totalCost.excl_vat).toBe(1.18);
  });

  it('TIME across two prices: 6 min before 17:00 + 22 min after, step 600 s → 30 min in total, 24 min after', () => {
    const t = tariff([
      { price_components: [{ type: 'TIME', price: 5, step_size: 600 }], restrictions: { end_time: '17:00' } },
      { price_components: [{ type: 'TIME', price: 7, step_size: 600 }] },
    ]);
    const r = price(t, 'UTC', '2024-05-06T16:54:00Z', [{ minutes: 28, kwh: 3 }]);
    // 6 min × 5.00/h = 0.50; 28 → 30 min, 30 − 6 = 24 min × 7.00/h = 2.80; total 3.30
    expect(r.totalCost.excl_vat).toBe(3.3);
  });

  it('TIME followed by PARKING_TIME: only the parking total is rounded (21 min charging + 16 parked, step 600 s)', () => {
    const t = tariff([
      {
        price_components: [
          { type: 'TIME', price: 1, step_size: 600 },
          { type: 'PARKING_TIME', price: 2, step_size: 600 },
        ],
      },
    ]);
    const r = price(t, 'UTC', '2024-05-06T10:00:00Z', [{ minutes: 21, kwh: 5 }, { minutes: 16, park: true }]);
    // charging 21 min × 1.00/h = 0.35 (not rounded); parking 16 → 20 min × 2.00/h = 0.666…; total 1.0166… → 1.02
    expect(r.totalTimeCost?.excl_vat).toBe(0.35);
    expect(r.totalParkingCost?.excl_vat).toBe(0.67);
    expect(r.totalCost.excl_vat).toBe(1.02);
  });

  it('TIME followed by PARKING_TIME, step 300 s: 21 min charging is billed as 21 (not 25), 7 min parked as 10', () => {
    const t = tariff([
      {
        price_components: [
          { type: 'TIME', price: 1, step_size: 300 },
          { type: 'PARKING_TIME', price: 2, step_size: 300 },
        ],
      },
    ]);
    const r = price(t, 'UTC', '2024-05-06T10:00:00Z', [{ minutes: 21, kwh: 5 }, { minutes: 7, park: true }]);
    // 21 min × 1.00/h = 0.35; 10 min × 2.00/h = 0.333…; total 0.6833… → 0.68
    expect(r.totalTimeCost?.excl_vat).toBe(0.35);
    expect(r.totalCost.excl_vat).toBe(0.68);
  });

  it('step_size 0 means no rounding (tariff 5, free of charge)', () => {
    const r = price(example('tariff_5_free_of_charge.json'), 'Europe/Berlin', '2024-05-06T08:00:00Z', [{ minutes: 61, kwh: 7 }]);
    expect(r.totalCost).toEqual({ excl_vat: 0, incl_vat: 0 });
  });
});

describe('PARKING_TIME: billed while the EV is connected and not charging', () => {
  it('tariff 10: 20 kWh then 40 min parked costs €7.00 / €7.90 (parking billed as 45 min)', () => {
    const r = price(example('tariff_10_025kwh_parking_start.json'), 'Europe/Berlin', '2024-05-06T08:00:00Z', [
      { minutes: 120, kwh: 20 },
      { minutes: 40, park: true },
    ]);
    // flat 0.50 (0.60) + energy 20 × 0.25 = 5.00 (5.50) + parking 40 → 45 min × 2.00/h = 1.50 (× 1.20 = 1.80)
    // = 7.00 / 7.90
    expect(r.totalParkingCost).toEqual({ excl_vat: 1.5, incl_vat: 1.8 });
    expect(r.totalCost).toEqual({ excl_vat: 7, incl_vat: 7.9 });
    expect(r.totalParkingTimeHours).toBeCloseTo(40 / 60, 6);
    expect(r.totalTimeHours).toBeCloseTo(160 / 60, 6);
  });

  it('tariff 13: 2.5 h charging then 42 min parked costs €11.25 / €12.75 (parking billed as 45 min)', () => {
    const r = price(example('tariff_13_simple_3hour_5parking.json'), 'Europe/Berlin', '2024-05-06T08:00:00Z', [
      { minutes: 150, kwh: 30 },
      { minutes: 42, park: true },
    ]);
    // TIME 2.5 h × 3.00 = 7.50 (× 1.10 = 8.25); PARKING 45 min × 5.00/h = 3.75 (× 1.20 = 4.50); 11.25 / 12.75
    expect(r.totalTimeCost).toEqual({ excl_vat: 7.5, incl_vat: 8.25 });
    expect(r.totalParkingCost).toEqual({ excl_vat: 3.75, incl_vat: 4.5 });
    expect(r.totalCost).toEqual({ excl_vat: 11.25, incl_vat: 12.75 });
  });
});

describe('start_time/end_time: local time of day in the location time zone, wrapping past midnight', () => {
  const night = tariff([
    { price_components: [{ type: 'TIME', price: 1, vat: 21, step_size: 60 }], restrictions: { start_time: '22:00', end_time: '07:00' } },
    { price_components: [{ type: 'TIME', price: 3, vat: 21, step_size: 60 }] },
  ]);

  it('a 22:00–07:00 night rate over the autumn DST change in Europe/Amsterdam bills the 10-hour night', () => {
    // 2024-10-26 20:00 CEST (18:00Z) to 2024-10-27 09:00 CET (08:00Z): 14 h of real time.
    // 20:00–22:00 local = 2 h × 3.00 = 6.00; 22:00 CEST (20:00Z) – 07:00 CET (06:00Z) = 10 h × 1.00 = 10.00
    // (the clock goes back an hour at 03:00); 07:00–09:00 CET = 2 h × 3.00 = 6.00. Total 22.00; × 1.21 = 26.62
    const r = price(night, 'Europe/Amsterdam', '2024-10-26T18:00:00Z', [{ minutes: 840, kwh: 60 }]);
    expect(r.totalCost).toEqual({ excl_vat: 22, incl_vat: 26.62 });
    expect(r.chargingPeriods.map((p) => p.start_date_time)).toEqual(['2024-10-26T18:00:00Z', '2024-10-26T20:00:00Z', '2024-10-27T06:00:00Z']);
  });

  it('the same night rate in another zone applies at other instants (America/New_York)', () => {
    // 2024-10-26 18:00Z is 14:00 EDT; 14 h to 04:00 EDT: 14:00–22:00 8 h × 3.00 = 24.00, 22:00–04:00 6 h × 1.00 = 6.00
    const r = price(night, 'America/New_York', '2024-10-26T18:00:00Z', [{ minutes: 840, kwh: 60 }]);
    expect(r.totalCost.excl_vat).toBe(30);
  });

  it('a window starting in the hour skipped by spring DST opens when the clock jumps', () => {
    const t = tariff([
      { price_components: [{ type: 'TIME', price: 2, step_size: 1 }], restrictions: { start_time: '02:30', end_time: '05:00' } },
      { price_components: [{ type: 'TIME', price: 1, step_size: 1 }] },
    ]);
    // Amsterdam 2024-03-31: 02:00 CET jumps to 03:00 CEST at 01:00Z. Session 00:00 CET (23:00Z) – 06:00 CEST (04:00Z).
    // 00:00–02:00 CET 2 h × 1.00 = 2.00; 03:00–05:00 CEST (01:00Z–03:00Z) 2 h × 2.00 = 4.00; 05:00–06:00 1 h × 1.00
    // = 1.00; total 7.00
    const r = price(t, 'Europe/Amsterdam', '2024-03-30T23:00:00Z', [{ minutes: 300, kwh: 30 }]);
    expect(r.totalCost.excl_vat).toBe(7);
    expect(r.chargingPeriods.map((p) => p.start_date_time)).toEqual(['2024-03-30T23:00:00Z', '2024-03-31T01:00:00Z', '2024-03-31T03:00:00Z']);
  });

  it('end_time 00:00 means until the end of the day (tariff 14, 23:00–01:00 local)', () => {
    const r = price(example('tariff_14_step_size.json'), 'Europe/Berlin', '2024-06-12T21:00:00Z', [{ minutes: 120, kwh: 10 }]);
    // 23:00–00:00 under 20:00–00:00: 1 h × 2.40 = 2.40; 00:00–01:00 under 00:00–17:00: 1 h × 1.20 = 1.20
    // (120 min is a whole number of 1800 s steps); total 3.60
    expect(r.totalCost).toEqual({ excl_vat: 3.6 });
  });
});

describe('day_of_week: the local weekday', () => {
  const t4 = example('tariff_4_complex.json');

  it('tariff 4, spec example: Monday 09:30, 165 min at 16 A, 42 min parked: €9.00 / €10.30', () => {
    // Berlin, 2024-03-04 is a Monday, UTC+1: 09:30 local = 08:30Z
    const r = price(t4, 'Europe/Berlin', '2024-03-04T08:30:00Z', [
      { minutes: 165, kwh: 10, currentA: 16 },
      { minutes: 42, park: true },
    ]);
    // flat 2.50 (× 1.15 = 2.875); TIME < 32 A: 2.75 h × 1.00 = 2.75 (× 1.20 = 3.30, not rounded: parking follows);
    // PARKING weekday 09–18: 42 → 45 min × 5.00/h = 3.75 (× 1.10 = 4.125); total 9.00 / 10.30
    expect(r.totalCost).toEqual({ excl_vat: 9, incl_vat: 10.3 });
    expect(r.totalTimeCost).toEqual({ excl_vat: 2.75, incl_vat: 3.3 });
    expect(r.totalParkingCost).toEqual({ excl_vat: 3.75, incl_vat: 4.13 });
  });

  it('tariff 4, spec example: Saturday 13:30, 114 min at 43 A, 71 min parked: €12.38 / €13.98', () => {
    // 2024-03-09 is a Saturday; 13:30 local = 12:30Z
    const r = price(t4, 'Europe/Berlin', '2024-03-09T12:30:00Z', [
      { minutes: 114, kwh: 40, currentA: 43 },
      { minutes: 71, park: true },
    ]);
    // flat 2.50 (2.875); TIME ≥ 32 A on the weekend: 114 min × 1.25/h = 2.375 (× 1.20 = 2.85);
    // PARKING Saturday 10–17: 71 → 75 min × 6.00/h = 7.50 (× 1.10 = 8.25). Total 12.375 → 12.38; incl 13.975 → 13.98.
    // (The spec's table prints 2.28 / 2.736 for the charging time, which is 114 min at €1.20/h, not €1.25/h.)
    expect(r.totalTimeCost).toEqual({ excl_vat: 2.38, incl_vat: 2.85 });
    expect(r.totalParkingCost).toEqual({ excl_vat: 7.5, incl_vat: 8.25 });
    expect(r.totalCost).toEqual({ excl_vat: 12.38, incl_vat: 13.98 });
  });

  it('a session from Friday evening into Saturday switches to the weekend price at local midnight', () => {
    const t = tariff([
      { price_components: [{ type: 'TIME', price: 1, step_size: 60 }], restrictions: { day_of_week: ['SATURDAY', 'SUNDAY'] } },
      { price_components: [{ type: 'TIME', price: 2, step_size: 60 }] },
    ]);
    // 2024-06-14 (Friday) 22:00 CEST = 20:00Z to Saturday 02:00 CEST: 2 h × 2.00 + 2 h × 1.00 = 6.00
    expect(price(t, 'Europe/Berlin', '2024-06-14T20:00:00Z', [{ minutes: 240, kwh: 20 }]).totalCost.excl_vat).toBe(6);
  });

  it('no element matches on Sunday for parking: parking is free and TIME takes the step_size', () => {
    // 2024-03-10 is a Sunday; 13:30 local. 60 min at 16 A then 30 min parked.
    const r = price(t4, 'Europe/Berlin', '2024-03-10T12:30:00Z', [
      { minutes: 60, kwh: 10, currentA: 16 },
      { minutes: 30, park: true },
    ]);
    // flat 2.50 (2.875) + TIME 1 h × 1.00 = 1.00 (1.20); parking: no weekday/Saturday element → free.
    // Total 3.50; incl 4.075 → 4.08 (half up, computed exactly)
    expect(r.totalParkingCost).toBeUndefined();
    expect(r.totalCost).toEqual({ excl_vat: 3.5, incl_vat: 4.08 });
  });
});

describe('start_date/end_date: local dates, end exclusive', () => {
  it('a Christmas energy price ends at local midnight in America/New_York, not at UTC midnight', () => {
    const t = tariff([
      { price_components: [{ type: 'ENERGY', price: 0.1, step_size: 1 }], restrictions: { start_date: '2024-12-24', end_date: '2024-12-26' } },
      { price_components: [{ type: 'ENERGY', price: 0.4, step_size: 1 }] },
    ]);
    // 2024-12-25 22:00 EST (2024-12-26 03:00Z) for 4 h at 5 kW: until 00:00 EST 10 kWh × 0.10 = 1.00,
    // after 10 kWh × 0.40 = 4.00; total 5.00 (in UTC the whole session would be on the 26th: 8.00)
    expect(price(t, 'America/New_York', '2024-12-26T03:00:00Z', [{ minutes: 240, kwh: 20 }]).totalCost.excl_vat).toBe(5);
  });
});

describe('min_kwh/max_kwh: energy charged so far in the session, crossing points interpolated', () => {
  const tiers = tariff([
    { price_components: [{ type: 'ENERGY', price: 0.1, vat: 20, step_size: 1 }], restrictions: { min_kwh: 20 } },
    { price_components: [{ type: 'ENERGY', price: 0.3, vat: 20, step_size: 1 }], restrictions: { max_kwh: 10 } },
    { price_components: [{ type: 'ENERGY', price: 0.2, vat: 20, step_size: 1 }] },
  ]);

  it('25 kWh at a steady 10 kW: 10 kWh × 0.30, 10 kWh × 0.20, 5 kWh × 0.10 = €5.50', () => {
    const r = price(tiers, 'UTC', '2024-05-06T10:00:00Z', [{ minutes: 150, kwh: 25 }]);
    // 3.00 + 2.00 + 0.50 = 5.50; × 1.20 = 6.60
    expect(r.totalCost).toEqual({ excl_vat: 5.5, incl_vat: 6.6 });
    // the 10 and 20 kWh marks fall inside the one sample interval, at 11:00 and 12:00
    expect(r.chargingPeriods).toEqual([
      { start_date_time: '2024-05-06T10:00:00Z', dimensions: [{ type: 'ENERGY', volume: 10 }, { type: 'TIME', volume: 1 }], tariff_id: 'T1' },
      { start_date_time: '2024-05-06T11:00:00Z', dimensions: [{ type: 'ENERGY', volume: 10 }, { type: 'TIME', volume: 1 }], tariff_id: 'T1' },
      { start_date_time: '2024-05-06T12:00:00Z', dimensions: [{ type: 'ENERGY', volume: 5 }, { type: 'TIME', volume: 0.5 }], tariff_id: 'T1' },
    ]);
  });

  it('the energy already on the meter before the session does not count', () => {
    const r = priceSession({
      tariff: tiers,
      timeZone: 'UTC',
      start: new Date('2024-05-06T10:00:00Z'),
      end: new Date('2024-05-06T11:00:00Z'),
      samples: [
        { at: new Date('2024-05-06T10:00:00Z'), energyWh: 1_000_000, charging: true },
        { at: new Date('2024-05-06T11:00:00Z'), energyWh: 1_008_000, charging: true },
      ],
    });
    // 8 kWh all under max_kwh 10: × 0.30 = 2.40
    expect(r.totalCost.excl_vat).toBe(2.4);
    expect(r.totalEnergyKwh).toBe(8);
  });
});

describe('min_power/max_power and min_current/max_current: the state between samples', () => {
  const t = example('tariffrestriction_example_max_power.json');
  const phases: Phase[] = [
    { minutes: 10, kwh: 1, powerW: 6000 },
    { minutes: 50, kwh: 40, powerW: 48000 },
    { minutes: 7.5, kwh: 0.5, powerW: 4000 },
  ];

  it('spec max_power example: 1 kWh at 6 kW, 40 kWh at 48 kW, 0.5 kWh at 4 kW cost €20.30', () => {
    const r = price(t, 'Europe/Berlin', '2024-05-06T10:00:00Z', phases);
    // 1 × 0.20 (< 16 kW) + 40 × 0.50 (≥ 32 kW: fallback) + 0.5 × 0.20 = 0.20 + 20.00 + 0.10 = 20.30; × 1.20 = 24.36
    expect(r.totalCost).toEqual({ excl_vat: 20.3, incl_vat: 24.36 });
    expect(r.chargingPeriods.map((p) => p.dimensions)).toEqual([
      [{ type: 'ENERGY', volume: 1 }, { type: 'TIME', volume: 0.166667 }, { type: 'MAX_POWER', volume: 6 }],
      [{ type: 'ENERGY', volume: 40 }, { type: 'TIME', volume: 0.833333 }, { type: 'MAX_POWER', volume: 48 }],
      [{ type: 'ENERGY', volume: 0.5 }, { type: 'TIME', volume: 0.125 }, { type: 'MAX_POWER', volume: 4 }],
    ]);
  });

  it('without reported power, the average power between samples is used (same €20.30)', () => {
    const r = price(t, 'Europe/Berlin', '2024-05-06T10:00:00Z', phases.map(({ powerW: _unused, ...p }) => p));
    // 1 kWh in 10 min = 6 kW; 40 kWh in 50 min = 48 kW; 0.5 kWh in 7.5 min = 4 kW
    expect(r.totalCost.excl_vat).toBe(20.3);
  });

  it('tariff 4 with an unknown current: no current-restricted TIME element holds, so charging time is free', () => {
    const r = price(example('tariff_4_complex.json'), 'Europe/Berlin', '2024-03-04T08:30:00Z', [
      { minutes: 165, kwh: 10 },
      { minutes: 42, park: true },
    ]);
    // flat 2.50 (2.875) + parking 3.75 (4.125) = 6.25 / 7.00
    expect(r.totalTimeCost).toBeUndefined();
    expect(r.totalCost).toEqual({ excl_vat: 6.25, incl_vat: 7 });
  });

  it('a current change mid-session switches element (tariff 4, Monday: 60 min at 16 A, then 60 min at 40 A)', () => {
    const r = price(example('tariff_4_complex.json'), 'Europe/Berlin', '2024-03-04T08:30:00Z', [
      { minutes: 60, kwh: 3, currentA: 16 },
      { minutes: 60, kwh: 9, currentA: 40 },
    ]);
    // flat 2.50 + 1 h × 1.00 (< 32 A) + 1 h × 2.00 (≥ 32 A, weekday; 60 min is whole 600 s steps) = 5.50
    // incl 2.875 + 1.20 + 2.40 = 6.475 → 6.48
    expect(r.totalCost).toEqual({ excl_vat: 5.5, incl_vat: 6.48 });
    expect(r.chargingPeriods.map((p) => p.dimensions.find((d) => d.type === 'MAX_CURRENT')?.volume)).toEqual([16, 40]);
  });
});

describe('min_duration/max_duration: seconds since session start', () => {
  it('spec max_duration example: 5 kWh in the first 30 min free, 1.2 kWh in the next 10 min at €0.25 = €0.30', () => {
    const r = price(example('tariffrestriction_example_max_duration.json'), 'Europe/Berlin', '2024-05-06T10:00:00Z', [
      { minutes: 30, kwh: 5 },
      { minutes: 10, kwh: 1.2 },
    ]);
    // 5 × 0.00 + 1.2 × 0.25 = 0.30; × 1.20 = 0.36
    expect(r.totalCost).toEqual({ excl_vat: 0.3, incl_vat: 0.36 });
  });

  it('a max_duration boundary inside a sample interval splits the energy by time (90 min at a steady power)', () => {
    const r = price(example('tariffrestriction_example_max_duration.json'), 'UTC', '2024-05-06T10:00:00Z', [{ minutes: 90, kwh: 9 }]);
    // 6 kW steady: 0–30 min 3 kWh × 0.00, 30–60 min 3 kWh × 0.25 = 0.75, 60–90 min 3 kWh × 0.40 = 1.20; total 1.95
    expect(r.totalCost.excl_vat).toBe(1.95);
    expect(r.chargingPeriods).toHaveLength(3);
  });

  it('an overstay price from min_duration 3600 s: 90 min costs 60 min × 1.00 + 30 min × 6.00 = €4.00', () => {
    const t = tariff([
      { price_components: [{ type: 'TIME', price: 6, step_size: 60 }], restrictions: { min_duration: 3600 } },
      { price_components: [{ type: 'TIME', price: 1, step_size: 60 }] },
    ]);
    expect(price(t, 'UTC', '2024-05-06T10:00:00Z', [{ minutes: 90, kwh: 9 }]).totalCost.excl_vat).toBe(4);
  });
});

describe('element choice: per dimension, the first element with that dimension whose restrictions all hold', () => {
  it('an earlier element without the dimension does not hide later ones (tariff 4: FLAT-only first element)', () => {
    const r = price(example('tariff_4_complex.json'), 'Europe/Berlin', '2024-03-04T08:30:00Z', [{ minutes: 60, kwh: 5, currentA: 16 }]);
    // flat 2.50 from element 0, TIME 1 h × 1.00 from element 1
    expect(r.totalFixedCost?.excl_vat).toBe(2.5);
    expect(r.totalTimeCost?.excl_vat).toBe(1);
  });

  it('restrictions are ANDed: an element whose time window holds but weekday does not is skipped', () => {
    // tariff 4 parking element 4 (weekday 09–18) on Saturday 09:30, before the Saturday 10:00–17:00 element opens
    const r = price(example('tariff_4_complex.json'), 'Europe/Berlin', '2024-03-09T08:00:00Z', [
      { minutes: 30, kwh: 5, currentA: 16 },
      { minutes: 60, park: true },
    ]);
    // 09:00 charging 30 min: 0.5 h × 1.00 = 0.50 (not rounded: parking follows); parking 09:30–10:00 free,
    // 10:00–10:30 under the Saturday element: 30 min × 6.00/h = 3.00; flat 2.50; total 6.00
    expect(r.totalParkingCost?.excl_vat).toBe(3);
    expect(r.totalCost.excl_vat).toBe(6);
  });
});

describe('VAT: per component, incl_vat = excl_vat × (1 + vat/100), omitted when unknown', () => {
  it('tariff 2 (€1.90/h, 5.2% VAT, step 300 s): 2.5 h costs €4.75 / €5.00 incl.', () => {
    const r = price(example('tariff_2_alt_text.json'), 'Europe/Berlin', '2024-05-06T08:00:00Z', [{ minutes: 150, kwh: 20 }]);
    // 2.5 × 1.90 = 4.75; × 1.052 = 4.997 → 5.00
    expect(r.totalCost).toEqual({ excl_vat: 4.75, incl_vat: 5 });
  });

  it('different VAT rates per component are applied each to its own part (tariff 9: 20% flat, 10% energy)', () => {
    const r = price(example('tariff_9_025kwh_start.json'), 'Europe/Berlin', '2024-05-06T08:00:00Z', [{ minutes: 60, kwh: 10 }]);
    // 0.50 × 1.20 = 0.60; 2.50 × 1.10 = 2.75; incl 3.35 (a single rate on 3.00 would give 3.30 or 3.60)
    expect(r.totalCost).toEqual({ excl_vat: 3, incl_vat: 3.35 });
  });

  it('a component without vat that costs something makes incl_vat unknown (tariff 14 has no VAT)', () => {
    const r = price(example('tariff_14_step_size.json'), 'Europe/Berlin', '2024-06-12T08:00:00Z', [{ minutes: 60, kwh: 5 }]);
    expect(r.totalCost).toEqual({ excl_vat: 1.2 });
    expect(r.totalTimeCost).toEqual({ excl_vat: 1.2 });
  });

  it('vat 0 is not the same as no vat: incl_vat equals excl_vat', () => {
    const t = tariff([{ price_components: [{ type: 'TIME', price: 2, vat: 0, step_size: 1 }] }]);
    expect(price(t, 'UTC', '2024-05-06T08:00:00Z', [{ minutes: 60, kwh: 5 }]).totalCost).toEqual({ excl_vat: 2, incl_vat: 2 });
  });

  it('a zero price needs no VAT: the free-of-charge tariff costs 0.00 incl. VAT too', () => {
    const r = price(example('tariff_5_free_of_charge.json'), 'Europe/Berlin', '2024-05-06T08:00:00Z', [{ minutes: 60, kwh: 5 }]);
    expect(r.totalCost).toEqual({ excl_vat: 0, incl_vat: 0 });
    expect(r.totalFixedCost).toEqual({ excl_vat: 0, incl_vat: 0 });
  });

  it('min_price without incl_vat bounds only excl_vat', () => {
    const t = tariff([{ price_components: [{ type: 'ENERGY', price: 0.25, vat: 10, step_size: 1 }] }], { min_price: { excl_vat: 1 } });
    // 1 kWh: 0.25 → 1.00 excl; incl 0.275 → 0.28, not bounded
    expect(price(t, 'UTC', '2024-05-06T08:00:00Z', [{ minutes: 10, kwh: 1 }]).totalCost).toEqual({ excl_vat: 1, incl_vat: 0.28 });
  });
});

describe('money: exact until the end, then half up on cents', () => {
  it('a FLAT of 1.005 bills 1.01 (floating point would make it 1.00)', () => {
    const t = tariff([{ price_components: [{ type: 'FLAT', price: 1.005, vat: 0, step_size: 1 }] }]);
    expect(price(t, 'UTC', '2024-05-06T08:00:00Z', [{ minutes: 1 }]).totalCost).toEqual({ excl_vat: 1.01, incl_vat: 1.01 });
  });

  it('totalCost is rounded from the exact sum, not summed from rounded parts (tariff 4 Monday: 10.30, not 10.31)', () => {
    const r = price(example('tariff_4_complex.json'), 'Europe/Berlin', '2024-03-04T08:30:00Z', [
      { minutes: 165, kwh: 10, currentA: 16 },
      { minutes: 42, park: true },
    ]);
    // parts incl: 2.875 → 2.88, 3.30, 4.125 → 4.13 (sum 10.31); exact total 10.30
    expect(r.totalFixedCost?.incl_vat).toBe(2.88);
    expect(r.totalParkingCost?.incl_vat).toBe(4.13);
    expect(r.totalCost.incl_vat).toBe(10.3);
  });

  it('many small readings add up without drift: 1000 readings of 10 Wh at €0.10/kWh cost exactly €1.00', () => {
    const t = tariff([{ price_components: [{ type: 'ENERGY', price: 0.1, vat: 21, step_size: 1 }] }]);
    const r = price(t, 'UTC', '2024-05-06T08:00:00Z', Array.from({ length: 1000 }, () => ({ minutes: 0.06, kwh: 0.01 })));
    // 10 kWh × 0.10 = 1.00; × 1.21 = 1.21
    expect(r.totalCost).toEqual({ excl_vat: 1, incl_vat: 1.21 });
    expect(r.totalEnergyKwh).toBe(10);
  });
});

describe('reservations: reservation elements only when a reservation is priced', () => {
  const at = '2024-05-06T10:00:00Z';
  const reservationPart = (t: Tariff, minutes: number, kind: 'RESERVATION' | 'RESERVATION_EXPIRES') =>
    priceSession({
      tariff: t,
      timeZone: 'Europe/Berlin',
      start: new Date(at),
      end: new Date(Date.parse(at) + minutes * 60_000),
      samples: [],
      reservation: kind,
    });
  const chargingPart = (t: Tariff) => price(t, 'Europe/Berlin', '2024-05-06T11:00:00Z', [{ minutes: 120, kwh: 20 }]);

  it('an ordinary session ignores reservation elements (tariff 15: 20 kWh → €5.50 / €6.10)', () => {
    // flat 0.50 (0.60) + 20 × 0.25 = 5.00 (5.50); the €5/h reservation TIME element is not used
    const r = chargingPart(example('tariff_15_reservation_5_euro_per_hour.json'));
    expect(r.totalCost).toEqual({ excl_vat: 5.5, incl_vat: 6.1 });
    expect(r.totalTimeCost).toBeUndefined();
  });

  it('tariff 15: 15 min reservation + 20 kWh session = €6.75 / €7.60', () => {
    const t = example('tariff_15_reservation_5_euro_per_hour.json');
    const reserved = reservationPart(t, 15, 'RESERVATION');
    // 15 min × 5.00/h = 1.25; × 1.20 = 1.50
    expect(reserved.totalReservationCost).toEqual({ excl_vat: 1.25, incl_vat: 1.5 });
    expect(reserved.chargingPeriods[0].dimensions).toEqual([{ type: 'RESERVATION_TIME', volume: 0.25 }]);
    expect(sum(reserved.totalCost, chargingPart(t).totalCost)).toEqual({ excl_vat: 6.75, incl_vat: 7.6 });
  });

  it('tariff 16: 13 min reservation (fee + time, step 300 s) + session = €8.75 / €10.00', () => {
    const t = example('tariff_16_reservation_2_euro_fee_5_euro_per_hour.json');
    // reservation: fee 2.00 + 13 → 15 min × 5.00/h = 1.25 = 3.25 (incl 3.90); session 5.50 / 6.10
    expect(reservationPart(t, 13, 'RESERVATION').totalCost).toEqual({ excl_vat: 3.25, incl_vat: 3.9 });
    expect(sum(reservationPart(t, 13, 'RESERVATION').totalCost, chargingPart(t).totalCost)).toEqual({ excl_vat: 8.75, incl_vat: 10 });
  });

  it('tariff 17: 22 min reservation + session = €6.50 / €7.30; expired after 1 h = €6.00 / €7.20', () => {
    const t = example('tariff_17_reservation_with_expire_fee.json');
    // used: 22 → 30 min × 2.00/h = 1.00 (1.20), no expiry fee; + session 5.50 / 6.10
    expect(sum(reservationPart(t, 22, 'RESERVATION').totalCost, chargingPart(t).totalCost)).toEqual({ excl_vat: 6.5, incl_vat: 7.3 });
    // expired: expiry fee 4.00 (4.80) + 60 min × 2.00/h = 2.00 (2.40)
    expect(reservationPart(t, 60, 'RESERVATION_EXPIRES').totalCost).toEqual({ excl_vat: 6, incl_vat: 7.2 });
  });

  it('tariff 18: 22 min reservation + session = €7.00 / €7.90; expired after 1.5 h at the expiry rate = €9.00 / €10.80', () => {
    const t = example('tariff_18_reservation_with_expire_time.json');
    // used: 30 min × 3.00/h = 1.50 (1.80) + 5.50 / 6.10
    expect(sum(reservationPart(t, 22, 'RESERVATION').totalCost, chargingPart(t).totalCost)).toEqual({ excl_vat: 7, incl_vat: 7.9 });
    // expired: 90 min × 6.00/h = 9.00; × 1.20 = 10.80
    expect(reservationPart(t, 90, 'RESERVATION_EXPIRES').totalCost).toEqual({ excl_vat: 9, incl_vat: 10.8 });
    // the RESERVATION_EXPIRES element wins for TIME even when listed after the RESERVATION one
    const swapped = { ...t, elements: [t.elements[1], t.elements[0], t.elements[2]] };
    expect(reservationPart(swapped, 90, 'RESERVATION_EXPIRES').totalCost.excl_vat).toBe(9);
  });
});

describe('charging periods: one per change of state or active elements, tariff_id set', () => {
  it('tariff 14 example #1: 16:55 and 17:00 charging periods and a 17:05 parking period', () => {
    const r = price(example('tariff_14_step_size.json'), 'Europe/Berlin', '2024-06-12T14:55:00Z', [
      { minutes: 10, kwh: 1, powerW: 6000, currentA: 26 },
      { minutes: 2, park: true },
    ]);
    expect(r.chargingPeriods).toEqual([
      {
        start_date_time: '2024-06-12T14:55:00Z',
        dimensions: [
          { type: 'ENERGY', volume: 0.5 },
          { type: 'TIME', volume: 0.083333 },
          { type: 'MAX_POWER', volume: 6 },
          { type: 'MAX_CURRENT', volume: 26 },
        ],
        tariff_id: '22',
      },
      {
        start_date_time: '2024-06-12T15:00:00Z',
        dimensions: [
          { type: 'ENERGY', volume: 0.5 },
          { type: 'TIME', volume: 0.083333 },
          { type: 'MAX_POWER', volume: 6 },
          { type: 'MAX_CURRENT', volume: 26 },
        ],
        tariff_id: '22',
      },
      { start_date_time: '2024-06-12T15:05:00Z', dimensions: [{ type: 'PARKING_TIME', volume: 0.033333 }], tariff_id: '22' },
    ]);
  });

  it('readings that change nothing relevant do not start a new period', () => {
    const r = price(example('tariff_1_simple_2hour.json'), 'UTC', '2024-05-06T08:00:00Z', [
      { minutes: 30, kwh: 5 },
      { minutes: 30, kwh: 6 },
      { minutes: 30, kwh: 4 },
    ]);
    expect(r.chargingPeriods).toEqual([
      { start_date_time: '2024-05-06T08:00:00Z', dimensions: [{ type: 'ENERGY', volume: 15 }, { type: 'TIME', volume: 1.5 }], tariff_id: '12' },
    ]);
  });
});

describe('input', () => {
  it('an ongoing session is priced up to now', () => {
    const r = price(example('tariff_1_simple_2hour.json'), 'UTC', '2024-05-06T08:00:00Z', [{ minutes: 150, kwh: 20 }], {
      now: new Date('2024-05-06T09:00:00Z'),
    });
    // 1 h × 2.00 = 2.00; incl 2.20
    expect(r.totalCost).toEqual({ excl_vat: 2, incl_vat: 2.2 });
    expect(r.totalTimeHours).toBe(1);
    expect(r.totalEnergyKwh).toBe(8); // 20 kWh over 150 min, 60 min in
  });

  it('readings out of order are put in order', () => {
    const s = session('2024-05-06T08:00:00Z', [{ minutes: 120, kwh: 20 }, { minutes: 40, park: true }]);
    const t = example('tariff_10_025kwh_parking_start.json');
    const r = priceSession({ tariff: t, timeZone: 'UTC', ...s, samples: [...s.samples].reverse() });
    expect(r.totalCost).toEqual({ excl_vat: 7, incl_vat: 7.9 });
  });

  it('rejects an end before the start, an unknown time zone and a malformed time restriction', () => {
    const t = example('tariff_1_simple_2hour.json');
    const s = session('2024-05-06T08:00:00Z', [{ minutes: 60 }]);
    expect(() => priceSession({ tariff: t, timeZone: 'UTC', ...s, start: s.end, end: s.start })).toThrow(RangeError);
    expect(() => priceSession({ tariff: t, timeZone: 'Mars/Olympus', ...s })).toThrow(RangeError);
    const bad = tariff([{ price_components: [{ type: 'TIME', price: 1, step_size: 1 }], restrictions: { start_time: '7:00' } }]);
    expect(() => priceSession({ tariff: bad, timeZone: 'UTC', ...s })).toThrow(RangeError);
  });

  it('null optional fields (as some JSON senders write them) count as absent', () => {
    const t = JSON.parse(
      '{"country_code":"NL","party_id":"ANO","id":"N","currency":"EUR","last_updated":"2024-01-01T00:00:00Z",' +
        '"min_price":{"excl_vat":0.5,"incl_vat":null},"elements":[{"price_components":[{"type":"TIME","price":2,"vat":null,"step_size":60}],' +
        '"restrictions":{"start_time":null,"end_time":null,"min_kwh":null,"max_kwh":null,"day_of_week":null}}]}',
    ) as Tariff;
    // 1 h × 2.00 = 2.00; no vat → incl_vat unknown
    expect(price(t, 'UTC', '2024-05-06T08:00:00Z', [{ minutes: 60, kwh: 5 }]).totalCost).toEqual({ excl_vat: 2 });
  });

  it('the engine imports nothing but node built-ins and its own folder', () => {
    const folder = new URL('../../src/domain/pricing/', import.meta.url);
    const files = readdirSync(folder).filter((f) => f.endsWith('.ts'));
    expect(files).toContain('pricing.ts');
    for (const file of files) {
      const source = readFileSync(new URL(file, folder), 'utf8');
      const imports = [...source.matchAll(/^\s*import\s[^;]*?from\s+'([^']+)'/gm)].map((m) => m[1]);
      expect(imports.filter((m) => !m.startsWith('node:') && !/^\.\/[\w-]+\.js$/.test(m)), file).toEqual([]);
    }
  });
});

describe('properties', () => {
  /** mulberry32: a small seeded generator, so failures reproduce */
  function rng(seed: number): () => number {
    return () => {
      seed = (seed + 0x6d2b79f5) | 0;
      let x = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
      return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
    };
  }
  const zones = ['Europe/Amsterdam', 'America/New_York', 'Asia/Kolkata', 'Australia/Lord_Howe', 'UTC'];
  function randomSession(next: () => number): { zone: string; startIso: string; phases: Phase[] } {
    const start = Date.UTC(2024, 0, 1) + Math.floor(next() * 366 * 24 * 60) * 60_000;
    const phases: Phase[] = Array.from({ length: 1 + Math.floor(next() * 5) }, () => {
      const park = next() < 0.3;
      return park
        ? { minutes: Math.floor(next() * 180), park }
        : {
            minutes: Math.floor(next() * 240),
            kwh: Math.round(next() * 30_000) / 1000,
            currentA: Math.floor(next() * 64),
            powerW: Math.floor(next() * 50_000),
          };
    });
    return { zone: zones[Math.floor(next() * zones.length)], startIso: new Date(start).toISOString(), phases };
  }
  const bounded = tariff(
    [
      { price_components: [{ type: 'FLAT', price: 1, vat: 20, step_size: 1 }] },
      { price_components: [{ type: 'ENERGY', price: 0.19, vat: 21, step_size: 100 }], restrictions: { start_time: '23:00', end_time: '06:00' } },
      {
        price_components: [
          { type: 'ENERGY', price: 0.39, vat: 21, step_size: 100 },
          { type: 'TIME', price: 0.6, vat: 21, step_size: 300 },
        ],
        restrictions: { max_power: 22 },
      },
      { price_components: [{ type: 'ENERGY', price: 0.59, vat: 21, step_size: 1 }, { type: 'PARKING_TIME', price: 4, vat: 9, step_size: 600 }] },
    ],
    { min_price: { excl_vat: 3, incl_vat: 3.6 }, max_price: { excl_vat: 12, incl_vat: 14.4 } },
  );

  it.each([
    ['tariff 6 (max price)', example('tariff_6_025kwh_start_max_price.json')],
    ['tariff 12 (min price)', example('tariff_12_025kwh_min_price.json')],
    ['a tariff with both bounds', bounded],
  ])('total cost is never below min_price nor above max_price: %s, 300 random sessions', (_name, t) => {
    const next = rng(0xa70de);
    for (let i = 0; i < 300; i++) {
      const s = randomSession(next);
      const r = price(t, s.zone, s.startIso, s.phases);
      const context = JSON.stringify(s);
      for (const key of ['excl_vat', 'incl_vat'] as const) {
        const value = r.totalCost[key];
        expect(value, context).toBeDefined();
        if (t.min_price?.[key] !== undefined) expect(value!, context).toBeGreaterThanOrEqual(t.min_price[key]!);
        if (t.max_price?.[key] !== undefined) expect(value!, context).toBeLessThanOrEqual(t.max_price[key]!);
      }
    }
  });

  it('the charging periods add up to the totals, and the parts to the total cost when no bound applies', () => {
    const next = rng(42);
    const t = { ...bounded, min_price: undefined, max_price: undefined };
    for (let i = 0; i < 300; i++) {
      const s = randomSession(next);
      const r = price(t, s.zone, s.startIso, s.phases);
      const context = JSON.stringify(s);
      const volume = (type: string) =>
        r.chargingPeriods
          .flatMap((p) => p.dimensions)
          .filter((d) => d.type === type)
          .reduce((a, d) => a + d.volume, 0);
      expect(volume('ENERGY'), context).toBeCloseTo(r.totalEnergyKwh, 5);
      expect(volume('TIME') + volume('PARKING_TIME'), context).toBeCloseTo(r.totalTimeHours, 4);
      expect(volume('PARKING_TIME'), context).toBeCloseTo(r.totalParkingTimeHours, 4);
      const parts = [r.totalFixedCost, r.totalEnergyCost, r.totalTimeCost, r.totalParkingCost].filter((p) => p !== undefined);
      // each part is rounded on its own: at most half a cent off each
      expect(Math.abs(parts.reduce((a, p) => a + p.excl_vat, 0) - r.totalCost.excl_vat), context).toBeLessThanOrEqual(0.005 * parts.length + 1e-9);
    }
  });

  // Hand-computed flat fee of each example tariff: the first unrestricted, non-reservation FLAT component
  // (0.50 × 1.20 = 0.60; 0.40 × 1.25 = 0.50; 2.50 × 1.15 = 2.875 → 2.88), or min_price when that is higher.
  const zeroLength: [string, Price][] = [
    ['tariff_1_simple_2hour.json', { excl_vat: 0, incl_vat: 0 }],
    ['tariff_2_alt_text.json', { excl_vat: 0, incl_vat: 0 }],
    ['tariff_3_alt_url.json', { excl_vat: 0.5, incl_vat: 0.6 }],
    ['tariff_4_complex.json', { excl_vat: 2.5, incl_vat: 2.88 }],
    ['tariff_5_free_of_charge.json', { excl_vat: 0, incl_vat: 0 }],
    ['tariff_6_025kwh_start_max_price.json', { excl_vat: 0.5, incl_vat: 0.6 }],
    ['tariff_8_simple_025kwh.json', { excl_vat: 0, incl_vat: 0 }],
    ['tariff_9_025kwh_start.json', { excl_vat: 0.5, incl_vat: 0.6 }],
    ['tariff_10_025kwh_parking_start.json', { excl_vat: 0.5, incl_vat: 0.6 }],
    ['tariff_11_not_possible_alt_text.json', { excl_vat: 0.4, incl_vat: 0.5 }],
    ['tariff_12_025kwh_min_price.json', { excl_vat: 0.5, incl_vat: 0.55 }], // no flat fee: min_price
    ['tariff_13_simple_3hour_5parking.json', { excl_vat: 0, incl_vat: 0 }],
    ['tariff_14_step_size.json', { excl_vat: 0, incl_vat: 0 }],
    ['tariff_15_reservation_5_euro_per_hour.json', { excl_vat: 0.5, incl_vat: 0.6 }],
    ['tariff_16_reservation_2_euro_fee_5_euro_per_hour.json', { excl_vat: 0.5, incl_vat: 0.6 }],
    ['tariff_17_reservation_with_expire_fee.json', { excl_vat: 0.5, incl_vat: 0.6 }],
    ['tariff_18_reservation_with_expire_time.json', { excl_vat: 0.5, incl_vat: 0.6 }],
    ['tariffrestriction_example_max_duration.json', { excl_vat: 0, incl_vat: 0 }],
    ['tariffrestriction_example_max_power.json', { excl_vat: 0, incl_vat: 0 }],
  ];

  it.each(zeroLength)('a zero-length session costs only the flat fee: %s', (file, expected) => {
    const at = new Date('2024-05-06T08:00:00Z');
    const base = { tariff: example(file), timeZone: 'Europe/Berlin', start: at, end: at };
    const withReading = priceSession({ ...base, samples: [{ at, energyWh: 5000, charging: true }] });
    const without = priceSession({ ...base, samples: [] });
    for (const r of [withReading, without]) {
      expect(r.totalCost).toEqual(expected);
      expect(r.totalEnergyCost).toBeUndefined();
      expect(r.totalTimeCost).toBeUndefined();
      expect(r.totalParkingCost).toBeUndefined();
      expect(r.totalEnergyKwh).toBe(0);
      expect(r.totalTimeHours).toBe(0);
      expect(r.chargingPeriods).toHaveLength(1);
    }
  });
});
