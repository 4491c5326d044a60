import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startIsolatedAnode, type TestAnode } from '../support/anode.js';
import { bootedStation, registerStation, type SimulatedStation } from '../support/stations.js';

let anode: TestAnode;
let station: SimulatedStation;
let station16: SimulatedStation;
const CS = 'DM-201';
const CS16 = 'DM-16';
const now = () => new Date().toISOString();

/** What the simulated stations answer to the CSMS's calls; a test may change an entry. */
const answers201: Record<string, (params: Record<string, unknown>) => Record<string, unknown>> = {
  GetBaseReport: () => ({ status: 'Accepted' }),
  GetReport: () => ({ status: 'Accepted' }),
  GetChargingProfiles: () => ({ status: 'Accepted' }),
  GetVariables: (params) => ({
    getVariableResult: (params.getVariableData as Array<{ component: { name: string }; variable: { name: string } }>).map((data) =>
      data.component.name === 'Nope'
        ? { attributeStatus: 'UnknownComponent', component: data.component, variable: data.variable }
        : { attributeStatus: 'Accepted', attributeValue: '42', component: data.component, variable: data.variable },
    ),
  }),
  SetVariables: (params) => ({
    setVariableResult: (params.setVariableData as Array<{ component: { name: string }; variable: { name: string }; attributeValue: string }>).map((data) => ({
      attributeStatus: data.attributeValue === 'bad' ? 'Rejected' : 'Accepted',
      component: data.component,
      variable: data.variable,
    })),
  }),
};

const configuration16: Record<string, string> = { HeartbeatInterval: '300', MeterValueSampleInterval: '60' };

beforeAll(async () => {
  anode = await startIsolatedAnode();
  station = await bootedStation(anode, CS, {
    version: 'ocpp2.0.1',
    handlers: Object.fromEntries(Object.keys(answers201).map((action) => [action, (params: Record<string, unknown>) => answers201[action](params)])),
  });
  station16 = await bootedStation(anode, CS16, {
    handlers: {
      GetConfiguration: (params) => {
        const keys = (params as { key?: string[] }).key ?? Object.keys(configuration16);
        return {
          configurationKey: keys.filter((key) => key in configuration16).map((key) => ({ key, readonly: key === 'MeterValueSampleInterval', value: configuration16[key] })),
          unknownKey: keys.filter((key) => !(key in configuration16)),
        };
      },
      ChangeConfiguration: (params) => {
        const { key, value } = params as { key: string; value: string };
        if (!(key in configuration16)) return { status: 'NotSupported' };
        configuration16[key] = value;
        return { status: 'Accepted' };
      },
    },
  });
});
afterAll(async () => {
  await station?.close();
  await station16?.close();
  await anode?.stop();
});

const variables = async (csId: string, query: Record<string, unknown> = {}) =>
  (await anode.admin.GET('/cs/{csId}/variables', { params: { path: { csId }, query: { limit: 100, ...query } } })).data!;
const job = async (csId: string, jobId: number) => (await anode.admin.GET('/cs/{csId}/jobs/{jobId}', { params: { path: { csId, jobId } } })).data!;

const reportDatum = (component: Record<string, unknown>, variable: string, value: string, extra: Record<string, unknown> = {}) => ({
  component,
  variable: { name: variable },
  variableAttribute: [{ type: 'Actual', value, mutability: 'ReadWrite', persistent: true, constant: false }, ...((extra.target as object[]) ?? [])],
  variableCharacteristics: { dataType: 'integer', unit: 's', minLimit: 0, maxLimit: 3600, supportsMonitoring: true },
});

describe('B07 Get base report', () => {
  it('the parts of a report (seqNo, tbc) make one job; the device model holds every attribute with its characteristics', async () => {
    const { data: started, response } = await anode.admin.POST('/cs/{csId}/reports/base', { params: { path: { csId: CS } }, body: { reportBase: 'FullInventory' } });
    expect(response.status).toBe(200);
    expect(started!.answer).toMatchObject({ status: 'Answered', response: { status: 'Accepted' } });
    const requestId = started!.job.requestId!;
    expect(station.received.at(-1)).toEqual({ action: 'GetBaseReport', params: { requestId, reportBase: 'FullInventory' } });
    expect(started!.job).toMatchObject({ kind: 'BaseReport', status: 'Accepted', finishedAt: null });

    await station.call('NotifyReport', {
      requestId,
      generatedAt: now(),
      seqNo: 0,
      tbc: true,
      reportData: [
        reportDatum({ name: 'OCPPCommCtrlr' }, 'HeartbeatInterval', '300', { target: [{ type: 'Target', value: '600', persistent: true, constant: false }] }),
        reportDatum({ name: 'EVSE', evse: { id: 1 } }, 'AvailabilityState', 'Available'),
      ],
    });
    expect(await job(CS, started!.job.id)).toMatchObject({ status: 'Receiving', partsReceived: 1, finishedAt: null });
    await station.call('NotifyReport', {
      requestId,
      generatedAt: now(),
      seqNo: 1,
      tbc: false,
      reportData: [reportDatum({ name: 'Connector', instance: 'left', evse: { id: 1, connectorId: 2 } }, 'ConnectorType', 'cType2')],
    });
    const done = await job(CS, started!.job.id);
    expect(done).toMatchObject({ status: 'Complete', partsReceived: 2, lastSeqNo: 1, result: { attributes: 4, missingSeqNos: [] } });
    expect(done.finishedAt).not.toBeNull();
    expect(done.history.map((entry) => entry.status)).toEqual(['Requested', 'Accepted', 'Receiving', 'Complete']);

    const stored = await variables(CS);
    expect(stored.find((row) => row.variable === 'HeartbeatInterval' && row.attributeType === 'Target')).toMatchObject({ value: '600' });
    expect(stored.find((row) => row.variable === 'HeartbeatInterval' && row.attributeType === 'Actual')).toMatchObject({
      component: 'OCPPCommCtrlr',
      componentInstance: null,
      evseId: null,
      value: '300',
      mutability: 'ReadWrite',
      persistent: true,
      constant: false,
      characteristics: { dataType: 'integer', unit: 's', minLimit: 0, maxLimit: 3600, supportsMonitoring: true },
      source: 'NotifyReport',
    });
    expect(stored.find((row) => row.variable === 'ConnectorType')).toMatchObject({ component: 'Connector', componentInstance: 'left', evseId: 1, connectorId: 2, value: 'cType2' });
  });

  it('a part missing from a finished report is visible in the job', async () => {
    const { data: started } = await anode.admin.POST('/cs/{csId}/reports/base', { params: { path: { csId: CS } }, body: { reportBase: 'SummaryInventory' } });
    const requestId = started!.job.requestId!;
    await station.call('NotifyReport', { requestId, generatedAt: now(), seqNo: 0, tbc: true, reportData: [reportDatum({ name: 'A' }, 'X', '1')] });
    await station.call('NotifyReport', { requestId, generatedAt: now(), seqNo: 2, tbc: false, reportData: [reportDatum({ name: 'A' }, 'Y', '2')] });
    expect(await job(CS, started!.job.id)).toMatchObject({ status: 'Complete', partsReceived: 2, result: { missingSeqNos: [1] } });
  });

  it('a report for a request Anode did not make is still stored, under a job of its own', async () => {
    await station.call('NotifyReport', { requestId: 987654, generatedAt: now(), seqNo: 0, tbc: false, reportData: [reportDatum({ name: 'Unasked' }, 'Z', '9')] });
    const { data: jobs } = await anode.admin.GET('/cs/{csId}/jobs', { params: { path: { csId: CS } } });
    expect(jobs!.find((listed) => listed.requestId === 987654)).toMatchObject({ kind: 'BaseReport', request: null, status: 'Complete' });
    expect(await variables(CS, { component: 'Unasked' })).toMatchObject([{ variable: 'Z', value: '9' }]);
  });

  it('a report the station refuses finishes its job with the refusal', async () => {
    answers201.GetBaseReport = () => ({ status: 'NotSupported' });
    try {
      const { data: started } = await anode.admin.POST('/cs/{csId}/reports/base', { params: { path: { csId: CS } }, body: { reportBase: 'ConfigurationInventory' } });
      expect(started!.job).toMatchObject({ status: 'NotSupported' });
      expect(started!.job.finishedAt).not.toBeNull();
    } finally {
      answers201.GetBaseReport = () => ({ status: 'Accepted' });
    }
  });
});

describe('B08 Get custom report', () => {
  it('sends the criteria and component variables, and its NotifyReport completes the job', async () => {
    const { data: started } = await anode.admin.POST('/cs/{csId}/reports', {
      params: { path: { csId: CS } },
      body: { componentCriteria: ['Problem'], variables: [{ component: 'EVSE', evseId: 1, variable: 'AvailabilityState' }, { component: 'Connector' }] },
    });
    expect(station.received.at(-1)).toEqual({
      action: 'GetReport',
      params: {
        requestId: started!.job.requestId,
        componentCriteria: ['Problem'],
        componentVariable: [{ component: { name: 'EVSE', evse: { id: 1 } }, variable: { name: 'AvailabilityState' } }, { component: { name: 'Connector' } }],
      },
    });
    await station.call('NotifyReport', { requestId: started!.job.requestId, generatedAt: now(), seqNo: 0, tbc: false, reportData: [reportDatum({ name: 'EVSE', evse: { id: 1 } }, 'AvailabilityState', 'Faulted')] });
    expect(await job(CS, started!.job.id)).toMatchObject({ kind: 'Report', status: 'Complete' });
    expect(await variables(CS, { component: 'EVSE', evseId: 1 })).toMatchObject([{ variable: 'AvailabilityState', value: 'Faulted' }]);
  });
});

describe('B06 Get variables', () => {
  it('stores each value read with its attribute status; an unknown component keeps only its status', async () => {
    const { data } = await anode.admin.POST('/cs/{csId}/variables/get', {
      params: { path: { csId: CS } },
      body: { variables: [{ component: 'SampledDataCtrlr', variable: 'TxUpdatedInterval' }, { component: 'Nope', variable: 'Nothing' }] },
    });
    expect(data!.results).toEqual([
      { component: 'SampledDataCtrlr', variable: 'TxUpdatedInterval', attributeType: 'Actual', status: 'Accepted', value: '42' },
      { component: 'Nope', variable: 'Nothing', attributeType: 'Actual', status: 'UnknownComponent' },
    ]);
    expect(await variables(CS, { component: 'SampledDataCtrlr' })).toMatchObject([{ value: '42', attributeStatus: 'Accepted', source: 'GetVariables' }]);
    expect(await variables(CS, { component: 'Nope' })).toMatchObject([{ value: null, attributeStatus: 'UnknownComponent' }]);
  });
});

describe('B05 Set variables', () => {
  it('an accepted value replaces the stored one; a rejected one leaves the value and records the status', async () => {
    const { data } = await anode.admin.POST('/cs/{csId}/variables/set', {
      params: { path: { csId: CS } },
      body: { variables: [{ component: 'OCPPCommCtrlr', variable: 'HeartbeatInterval', value: '120' }, { component: 'EVSE', evseId: 1, variable: 'AvailabilityState', value: 'bad' }] },
    });
    expect(data!.results.map((result) => [result.variable, result.status, result.value])).toEqual([
      ['HeartbeatInterval', 'Accepted', '120'],
      ['AvailabilityState', 'Rejected', 'bad'],
    ]);
    const stored = await variables(CS, { variable: 'HeartbeatInterval' });
    expect(stored.find((row) => row.attributeType === 'Actual')).toMatchObject({ value: '120', attributeStatus: 'Accepted', source: 'SetVariables', characteristics: { unit: 's' } });
    expect(await variables(CS, { variable: 'AvailabilityState' })).toMatchObject([{ value: 'Faulted', attributeStatus: 'Rejected' }]);
  });

  it('changedSince lists only what changed since then', async () => {
    const since = new Date().toISOString();
    await anode.admin.POST('/cs/{csId}/variables/set', { params: { path: { csId: CS } }, body: { variables: [{ component: 'AuthCtrlr', variable: 'Enabled', value: 'true' }] } });
    expect((await variables(CS, { changedSince: since })).map((row) => row.variable)).toEqual(['Enabled']);
  });

  it('a body that breaks the contract is a 400, and a station that is not connected a 409', async () => {
    const bad = await anode.admin.POST('/cs/{csId}/variables/set', { params: { path: { csId: CS } }, body: { variables: [{ component: 'A', variable: 'B' }] } as never });
    expect(bad.response.status).toBe(400);
    await registerStation(anode, 'DM-OFF');
    const offline = await anode.admin.POST('/cs/{csId}/reports/base', { params: { path: { csId: 'DM-OFF' } }, body: { reportBase: 'FullInventory' } });
    expect(offline.response.status).toBe(409);
    const { data: jobs } = await anode.admin.GET('/cs/{csId}/jobs', { params: { path: { csId: 'DM-OFF' } } });
    expect(jobs).toEqual([]);
  });
});

describe('OCPP 1.6 configuration keys in the same view', () => {
  it('a base report is GetConfiguration of every key, stored at once under the component Configuration', async () => {
    const { data: started } = await anode.admin.POST('/cs/{csId}/reports/base', { params: { path: { csId: CS16 } }, body: { reportBase: 'FullInventory' } });
    expect(station16.received.at(-1)).toEqual({ action: 'GetConfiguration', params: {} });
    expect(started!.job).toMatchObject({ kind: 'BaseReport', status: 'Complete', result: { attributes: 2, unknownKeys: 0 } });
    expect((await variables(CS16)).map((row) => [row.component, row.variable, row.value, row.mutability, row.source])).toEqual([
      ['Configuration', 'HeartbeatInterval', '300', 'ReadWrite', 'GetConfiguration'],
      ['Configuration', 'MeterValueSampleInterval', '60', 'ReadOnly', 'GetConfiguration'],
    ]);
  });

  it('set is ChangeConfiguration per key; get is GetConfiguration of the keys; an unknown key is UnknownVariable', async () => {
    const { data: set } = await anode.admin.POST('/cs/{csId}/variables/set', {
      params: { path: { csId: CS16 } },
      body: { variables: [{ component: 'ignored', variable: 'HeartbeatInterval', value: '900' }, { component: 'ignored', variable: 'NoSuchKey', value: '1' }] },
    });
    expect(set!.answers.map((answer) => answer.action)).toEqual(['ChangeConfiguration', 'ChangeConfiguration']);
    expect(set!.results.map((result) => [result.variable, result.status])).toEqual([
      ['HeartbeatInterval', 'Accepted'],
      ['NoSuchKey', 'NotSupported'],
    ]);
    const { data: got } = await anode.admin.POST('/cs/{csId}/variables/get', {
      params: { path: { csId: CS16 } },
      body: { variables: [{ component: 'Configuration', variable: 'HeartbeatInterval' }, { component: 'Configuration', variable: 'Missing' }] },
    });
    expect(got!.results.map((result) => [result.variable, result.status, result.value])).toEqual([
      ['HeartbeatInterval', 'Accepted', '900'],
      ['Missing', 'UnknownVariable', undefined],
    ]);
    expect(await variables(CS16, { variable: 'HeartbeatInterval' })).toMatchObject([{ value: '900', source: 'GetConfiguration' }]);
  });

  it('an operation OCPP 1.6 does not have is a 400', async () => {
    const { response } = await anode.admin.POST('/cs/{csId}/charging-profiles/report', { params: { path: { csId: CS16 } }, body: {} });
    expect(response.status).toBe(400);
  });
});

describe('N07 Alert and notification events (NotifyEvent)', () => {
  it('keeps every event; a Problem set to true or a Faulted availability is flagged', async () => {
    const event = (eventId: number, variable: string, actualValue: string, extra: Record<string, unknown> = {}) => ({
      eventId,
      timestamp: now(),
      trigger: 'Delta',
      actualValue,
      eventNotificationType: 'HardWiredNotification',
      component: { name: 'Connector', evse: { id: 1, connectorId: 1 } },
      variable: { name: variable },
      ...extra,
    });
    expect(
      await station.call('NotifyEvent', {
        generatedAt: now(),
        seqNo: 0,
        tbc: false,
        eventData: [
          event(1, 'Problem', 'true', { techCode: 'E42', techInfo: 'lock motor' }),
          event(2, 'AvailabilityState', 'Faulted', { cause: 1 }),
          event(3, 'Problem', 'false', { cleared: true }),
          event(4, 'Power', '11000', { trigger: 'Periodic', eventNotificationType: 'PreconfiguredMonitor', variableMonitoringId: 7 }),
        ],
      }),
    ).toEqual({});
    const { data: problems } = await anode.admin.GET('/cs/{csId}/device-events', { params: { path: { csId: CS }, query: { problem: true } } });
    expect(problems!.map((listed) => [listed.eventId, listed.variable, listed.actualValue])).toEqual([
      [2, 'AvailabilityState', 'Faulted'],
      [1, 'Problem', 'true'],
    ]);
    expect(problems![1]).toMatchObject({ techCode: 'E42', component: 'Connector', evseId: 1, connectorId: 1, trigger: 'Delta' });
    const { data: all } = await anode.admin.GET('/cs/{csId}/device-events', { params: { path: { csId: CS }, query: { variable: 'Power' } } });
    expect(all).toMatchObject([{ eventId: 4, problem: false, variableMonitoringId: 7, trigger: 'Periodic' }]);
  });
});

describe('K: charging limits and EV charging needs (no smart charging yet)', () => {
  it('K15 an EV\'s charging needs during a transaction are kept with that transaction and answered Rejected', async () => {
    const transactionId = randomUUID();
    await station.call('TransactionEvent', {
      eventType: 'Started',
      timestamp: now(),
      triggerReason: 'CablePluggedIn',
      seqNo: 0,
      transactionInfo: { transactionId },
      evse: { id: 2, connectorId: 1 },
    });
    const answer = await station.call('NotifyEVChargingNeeds', { evseId: 2, chargingNeeds: { requestedEnergyTransfer: 'AC_three_phase', acChargingParameters: { energyAmount: 20000, evMinCurrent: 6, evMaxCurrent: 32, evMaxVoltage: 400 } } });
    expect(answer).toMatchObject({ status: 'Rejected' });
    expect(await station.call('NotifyEVChargingSchedule', { timeBase: now(), evseId: 2, chargingSchedule: { id: 1, chargingRateUnit: 'A', chargingSchedulePeriod: [{ startPeriod: 0, limit: 16 }] } })).toEqual({ status: 'Accepted' });
    const { data: transactions } = await anode.admin.GET('/cs/{csId}/transactions', { params: { path: { csId: CS } } });
    const running = transactions!.find((listed) => listed.evseId === 2)!;
    const { data: notices } = await anode.admin.GET('/cs/{csId}/charging-notices', { params: { path: { csId: CS }, query: { transactionId: running.id } } });
    expect(notices!.map((notice) => [notice.kind, notice.evseId])).toEqual([
      ['EVChargingSchedule', 2],
      ['EVChargingNeeds', 2],
    ]);
    expect(notices![1].payload).toMatchObject({ chargingNeeds: { acChargingParameters: { energyAmount: 20000 } } });
  });

  it('K12/K13 a limit set and cleared by an external system is kept with its source', async () => {
    expect(await station.call('NotifyChargingLimit', { evseId: 1, chargingLimit: { chargingLimitSource: 'EMS', isGridCritical: true } })).toEqual({});
    expect(await station.call('ClearedChargingLimit', { chargingLimitSource: 'EMS', evseId: 1 })).toEqual({});
    const { data: notices } = await anode.admin.GET('/cs/{csId}/charging-notices', { params: { path: { csId: CS }, query: { evseId: 1 } } });
    expect(notices!.map((notice) => [notice.kind, notice.source, notice.transactionId])).toEqual([
      ['ClearedChargingLimit', 'EMS', null],
      ['ChargingLimit', 'EMS', null],
    ]);
  });

  it('K09 ReportChargingProfiles parts complete the GetChargingProfiles job and are kept', async () => {
    const { data: started } = await anode.admin.POST('/cs/{csId}/charging-profiles/report', { params: { path: { csId: CS } }, body: { evseId: 1, chargingProfilePurpose: 'TxDefaultProfile' } });
    expect(station.received.at(-1)).toEqual({ action: 'GetChargingProfiles', params: { requestId: started!.job.requestId, evseId: 1, chargingProfile: { chargingProfilePurpose: 'TxDefaultProfile' } } });
    const profile = (id: number) => ({
      id,
      stackLevel: 0,
      chargingProfilePurpose: 'TxDefaultProfile',
      chargingProfileKind: 'Absolute',
      chargingSchedule: [{ id, chargingRateUnit: 'W', chargingSchedulePeriod: [{ startPeriod: 0, limit: 7000 }] }],
    });
    await station.call('ReportChargingProfiles', { requestId: started!.job.requestId, chargingLimitSource: 'CSO', evseId: 1, tbc: true, chargingProfile: [profile(1)] });
    expect(await job(CS, started!.job.id)).toMatchObject({ status: 'Receiving', partsReceived: 1 });
    await station.call('ReportChargingProfiles', { requestId: started!.job.requestId, chargingLimitSource: 'CSO', evseId: 1, tbc: false, chargingProfile: [profile(2), profile(3)] });
    expect(await job(CS, started!.job.id)).toMatchObject({ kind: 'ChargingProfiles', status: 'Complete', partsReceived: 2, result: { profiles: 3 } });
    const { data: notices } = await anode.admin.GET('/cs/{csId}/charging-notices', { params: { path: { csId: CS }, query: { kind: 'ChargingProfiles' } } });
    expect(notices).toHaveLength(2);
  });
});
