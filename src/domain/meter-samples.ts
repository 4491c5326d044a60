/** Sampled values (OCPP MeterValues) in the domain's terms, as they are stored and read back. */
import { asc, inArray } from 'drizzle-orm';
import type { Database } from '../db/client.js';
import { meterValues, type SampledValueRow } from '../db/schema.js';

/** One stored sampled value, with the moment and outlet of its MeterValue. */
export interface StoredMeterValue {
  stationId: string;
  transactionId: number | null;
  evseId: number;
  sampledAt: Date;
  measurand: string;
  phase: string | null;
  unit: string | null;
  context: string | null;
  location: string | null;
  value: number | null;
  rawValue: string | null;
  signedData: unknown;
}

export const ENERGY_REGISTER = 'Energy.Active.Import.Register';

/** One sampled value, protocol-neutral: the value is in `unit` with any multiplier already applied. */
export interface MeterSample {
  sampledAt: Date;
  measurand: string;
  phase?: string;
  unit?: string;
  context?: string;
  location?: string;
  /** null when the station sent something that is not a number (e.g. signed data) */
  value: number | null;
  rawValue?: string;
  signedData?: unknown;
}

/**
 * Wh from an energy register sample, or undefined when the sample is not one, or when its value is beyond what an
 * integer holds exactly (it is stored as sent, but no transaction's reading is taken from it).
 */
export function energyWh(sample: { measurand: string; value: number | null; phase?: string | null; unit?: string | null }): number | undefined {
  if (sample.measurand !== ENERGY_REGISTER || sample.value === null || sample.phase) return undefined;
  const unit = sample.unit ?? 'Wh';
  const wh = unit === 'Wh' ? Math.round(sample.value) : unit === 'kWh' ? Math.round(sample.value * 1000) : undefined;
  return wh !== undefined && Number.isSafeInteger(wh) ? wh : undefined;
}

/** The highest energy register reading among these samples and `known`, in Wh (null when there is none). */
export function highestEnergyWh(samples: Parameters<typeof energyWh>[0][], known: number | null = null): number | null {
  let highest = known;
  for (const sample of samples) {
    const wh = energyWh(sample);
    if (wh !== undefined && (highest === null || wh > highest)) highest = wh;
  }
  return highest;
}

/**
 * The sampled values stored for these transactions, by transaction, then in the order they were taken and sent.
 * `measurands` keeps only those (the CDR reads energy and power).
 */
export async function readSampledValues(db: Database, transactionIds: number[], measurands?: string[]): Promise<StoredMeterValue[]> {
  if (transactionIds.length === 0) return [];
  const rows = await db
    .select()
    .from(meterValues)
    .where(inArray(meterValues.transactionId, transactionIds))
    .orderBy(asc(meterValues.transactionId), asc(meterValues.sampledAt), asc(meterValues.id));
  const wanted = measurands && new Set(measurands);
  return rows.flatMap((row) =>
    row.sampledValues
      .filter(([measurand]) => !wanted || wanted.has(measurand))
      .map(([measurand, phase, unit, context, location, value, rawValue, signedData]) => ({
        stationId: row.stationId,
        transactionId: row.transactionId,
        evseId: row.evseId,
        sampledAt: row.sampledAt,
        measurand,
        phase,
        unit,
        context,
        location,
        value,
        rawValue,
        signedData: signedData ?? null,
      })),
  );
}

/** A message's samples, one group per moment they were taken (an OCPP MeterValue), in the order they came. */
export function meterValuesOf(samples: MeterSample[]): MeterSample[][] {
  const groups: MeterSample[][] = [];
  for (const sample of samples) {
    const last = groups.at(-1);
    if (last && last[0].sampledAt.getTime() === sample.sampledAt.getTime()) last.push(sample);
    else groups.push([sample]);
  }
  return groups;
}

export const sampledValueRow = (sample: MeterSample): SampledValueRow => [
  sample.measurand,
  sample.phase ?? null,
  sample.unit ?? null,
  sample.context ?? null,
  sample.location ?? null,
  sample.value,
  sample.rawValue ?? null,
  sample.signedData ?? null,
];
