/** OCPP meter values → protocol-neutral samples. */
import type { components as V16 } from '../../generated/ocpp16.js';
import type { components as V201 } from '../../generated/ocpp201.js';
import { ENERGY_REGISTER, type MeterSample } from '../domain/meter-samples.js';

type MeterValue16 = V16['schemas']['MeterValuesRequest']['meterValue'][number];
type MeterValue201 = V201['schemas']['MeterValueType'];

export function samplesFrom16(meterValues: MeterValue16[]): MeterSample[] {
  return meterValues.flatMap((meterValue) =>
    meterValue.sampledValue.map((sampled) => {
      const numeric = Number(sampled.value);
      const isNumber = sampled.format !== 'SignedData' && sampled.value.trim() !== '' && Number.isFinite(numeric);
      return {
        sampledAt: new Date(meterValue.timestamp),
        measurand: sampled.measurand ?? ENERGY_REGISTER,
        phase: sampled.phase,
        unit: sampled.unit ?? 'Wh',
        context: sampled.context ?? 'Sample.Periodic',
        location: sampled.location ?? 'Outlet',
        value: isNumber ? numeric : null,
        ...(!isNumber && { rawValue: sampled.value }),
      };
    }),
  );
}

export function samplesFrom201(meterValues: MeterValue201[]): MeterSample[] {
  return meterValues.flatMap((meterValue) =>
    meterValue.sampledValue.map((sampled) => {
      const multiplier = sampled.unitOfMeasure?.multiplier ?? 0;
      return {
        sampledAt: new Date(meterValue.timestamp),
        measurand: sampled.measurand ?? ENERGY_REGISTER,
        phase: sampled.phase,
        unit: sampled.unitOfMeasure?.unit ?? 'Wh',
        context: sampled.context ?? 'Sample.Periodic',
        location: sampled.location ?? 'Outlet',
        value: sampled.value * 10 ** multiplier,
        ...(sampled.signedMeterValue && { signedData: sampled.signedMeterValue }),
      };
    }),
  );
}
