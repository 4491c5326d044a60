/** The OCPP payloads a simulated station sends, and its answers to the server's configuration calls. */
import type { Payload } from './ocpp-client.js';

export const POWER_W = 11_000;
const CURRENT_A = 16;

export function bootNotification(v16: boolean, stationId: string): Payload {
  return v16
    ? {
        chargePointVendor: 'AnodeBench',
        chargePointModel: 'SimStation',
        chargePointSerialNumber: stationId.slice(-25),
        firmwareVersion: '1.0.0',
      }
    : {
        reason: 'PowerUp',
        chargingStation: { model: 'SimStation', vendorName: 'AnodeBench', serialNumber: stationId.slice(-25), firmwareVersion: '1.0.0' },
      };
}

export function statusNotification(v16: boolean, charging: boolean): Payload {
  const timestamp = new Date().toISOString();
  return v16
    ? { connectorId: 1, errorCode: 'NoError', status: charging ? 'Charging' : 'Available', timestamp }
    : { timestamp, connectorStatus: charging ? 'Occupied' : 'Available', evseId: 1, connectorId: 1 };
}

/** 1.6 MeterValues of a transaction: energy register, power, current (3 sampled values). */
export function meterValues16(transactionId: number, meterWh: number): Payload {
  return {
    connectorId: 1,
    transactionId,
    meterValue: [
      {
        timestamp: new Date().toISOString(),
        sampledValue: [
          { value: meterWh.toFixed(1), measurand: 'Energy.Active.Import.Register', unit: 'Wh', context: 'Sample.Periodic' },
          { value: String(POWER_W), measurand: 'Power.Active.Import', unit: 'W' },
          { value: CURRENT_A.toFixed(1), measurand: 'Current.Import', unit: 'A', phase: 'L1' },
        ],
      },
    ],
  };
}

/** A 2.0.1 TransactionEvent with one sampled value (the energy register). */
export function transactionEvent(
  eventType: 'Started' | 'Updated' | 'Ended',
  transactionId: string | undefined,
  seqNo: number,
  meterWh: number,
  extra: Payload,
): Payload {
  return {
    eventType,
    timestamp: new Date().toISOString(),
    triggerReason: eventType === 'Started' ? 'Authorized' : eventType === 'Updated' ? 'MeterValuePeriodic' : 'StopAuthorized',
    seqNo,
    transactionInfo: {
      transactionId,
      chargingState: eventType === 'Ended' ? 'Idle' : 'Charging',
      ...(eventType === 'Ended' ? { stoppedReason: 'Local' } : {}),
    },
    meterValue: [
      {
        timestamp: new Date().toISOString(),
        sampledValue: [{ value: Math.round(meterWh * 10) / 10, measurand: 'Energy.Active.Import.Register' }],
      },
    ],
    ...extra,
  };
}

/** The answer to a configuration call from the server (Reset included), or undefined when it is not one. */
export function configurationAnswer(v16: boolean, action: string, params: Payload): Payload | undefined {
  if (action === 'Reset') return { status: 'Accepted' };
  if (v16) {
    if (action === 'ChangeConfiguration') return { status: 'Accepted' };
    if (action === 'GetConfiguration') return { configurationKey: [] };
    return undefined;
  }
  if (action === 'SetVariables') {
    return {
      setVariableResult: ((params.setVariableData ?? []) as Payload[]).map((d) => ({
        ...(d.attributeType ? { attributeType: d.attributeType } : {}),
        attributeStatus: 'Accepted',
        component: d.component,
        variable: d.variable,
      })),
    };
  }
  if (action === 'GetVariables') {
    return {
      getVariableResult: ((params.getVariableData ?? []) as Payload[]).map((d) => ({
        attributeStatus: 'UnknownVariable',
        component: d.component,
        variable: d.variable,
      })),
    };
  }
  return undefined;
}
