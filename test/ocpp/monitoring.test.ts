import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startIsolatedAnode, type TestAnode } from '../support/anode.js';
import { bootedStation, type SimulatedStation } from '../support/stations.js';

let anode: TestAnode;
let station: SimulatedStation;
let v16: SimulatedStation;
const csId = 'MONITOR-201';
const V16 = 'MONITOR-16';

type Params = Record<string, unknown>;
type SetData = { id?: number; type: string; severity: number; component: { name: string }; variable: { name: string } };

/** What the station answers, per action; a test sets what it needs. */
const answers: Record<string, (params: Params) => unknown> = {};
let nextMonitorId = 1;
/** A station that accepts monitors on known components (giving new ones the next id) and answers in the given order. */
const setVariableMonitoring = (order: 'same' | 'reversed') => (params: Params) => {
  const results = (params.setMonitoringData as SetData[]).map(({ id, type, severity, component, variable }) =>
    component.name === 'Nowhere'
      ? { status: 'UnknownComponent', type, severity, component, variable }
      : { status: 'Accepted', id: id ?? nextMonitorId++, type, severity, component, variable },
  );
  return { setMonitoringResult: order === 'same' ? results : results.reverse() };
};

beforeAll(async () => {
  anode = await startIsolatedAnode();
  const actions = ['SetVariableMonitoring', 'ClearVariableMonitoring', 'SetMonitoringBase', 'SetMonitoringLevel', 'GetMonitoringReport'];
  const handlers = Object.fromEntries(actions.map((action) => [action, (params: Params) => answers[action](params)]));
  station = await bootedStation(anode, csId, { version: 'ocpp2.0.1', handlers });
  v16 = await bootedStation(anode, V16, { version: 'ocpp1.6', handlers });
});
afterAll(async () => {
  await station?.close();
  await v16?.close();
  await anode?.stop();
});

const lastCall = (action: string) => [...station.received].reverse().find((call) => call.action === action)?.params;
const getJob = async (jobId: number) => (await anode.admin.GET('/cs/{csId}/jobs/{jobId}', { params: { path: { csId, jobId } } })).data!;
const listMonitors = async (query: { component?: string; variable?: string } = {}, id = csId) => {
  const { data, response } = await anode.admin.GET('/cs/{csId}/monitors', { params: { path: { csId: id }, query } });
  expect(response.status).toBe(200);
  return data!;
};
const monitorIds = async () => (await listMonitors()).map(({ id }) => id);
const setMonitors = (setMonitoringData: Array<Record<string, unknown>>) =>
  anode.admin.POST('/cs/{csId}/monitors', { params: { path: { csId } }, body: { setMonitoringData: setMonitoringData as never } });

const power = { component: 'EVSE', evseId: 1, variable: 'Power', type: 'UpperThreshold', value: 22000.5, severity: 4, transaction: true };
const temperature = { component: 'ChargingStation', variable: 'Temperature', variableInstance: 'Internal', type: 'Delta', value: 5, severity: 6 };
const nowhere = { component: 'Nowhere', variable: 'Thing', type: 'Periodic', value: 60, severity: 8 };

describe('N04 Set variable monitoring', () => {
  it('stores each monitor the station accepts under the id it gave, with the value and transaction flag asked for', async () => {
    answers.SetVariableMonitoring = setVariableMonitoring('same');
    const { data, response } = await setMonitors([power, temperature, nowhere]);
    expect(response.status).toBe(200);
    expect(lastCall('SetVariableMonitoring')).toEqual({
      setMonitoringData: [
        { transaction: true, value: 22000.5, type: 'UpperThreshold', severity: 4, component: { name: 'EVSE', evse: { id: 1 } }, variable: { name: 'Power' } },
        { value: 5, type: 'Delta', severity: 6, component: { name: 'ChargingStation' }, variable: { name: 'Temperature', instance: 'Internal' } },
        { value: 60, type: 'Periodic', severity: 8, component: { name: 'Nowhere' }, variable: { name: 'Thing' } },
      ],
    });
    expect(data?.stored.map(({ id, variable }) => [id, variable])).toEqual([
      [1, 'Power'],
      [2, 'Temperature'],
    ]);
    expect((data?.answer.response?.setMonitoringResult as Array<{ status: string }>).map(({ status }) => status)).toEqual(['Accepted', 'Accepted', 'UnknownComponent']);
    expect(await listMonitors()).toEqual([
      {
        id: 1,
        component: 'EVSE',
        componentInstance: null,
        evseId: 1,
        connectorId: null,
        variable: 'Power',
        variableInstance: null,
        type: 'UpperThreshold',
        value: 22000.5,
        severity: 4,
        transaction: true,
        updatedAt: expect.any(String),
      },
      {
        id: 2,
        component: 'ChargingStation',
        componentInstance: null,
        evseId: null,
        connectorId: null,
        variable: 'Temperature',
        variableInstance: 'Internal',
        type: 'Delta',
        value: 5,
        severity: 6,
        transaction: false,
        updatedAt: expect.any(String),
      },
    ]);
  });

  it('matches results the station gives in another order to the monitors they answer', async () => {
    answers.SetVariableMonitoring = setVariableMonitoring('reversed');
    const current = { component: 'EVSE', evseId: 2, variable: 'Current', type: 'LowerThreshold', value: 6, severity: 5 };
    const voltage = { component: 'EVSE', evseId: 2, variable: 'Voltage', type: 'LowerThreshold', value: 207, severity: 5, transaction: true };
    const { data } = await setMonitors([current, voltage]);
    expect(data?.stored.map(({ variable, value, transaction }) => [variable, value, transaction])).toEqual([
      ['Voltage', 207, true],
      ['Current', 6, false],
    ]);
    const stored = await listMonitors({ component: 'EVSE' });
    expect(stored.find(({ variable }) => variable === 'Current')).toMatchObject({ value: 6, evseId: 2 });
    expect(stored.find(({ variable }) => variable === 'Voltage')).toMatchObject({ value: 207, transaction: true });
  });

  it('a monitor set again under its id replaces the stored one; the list filters by component and variable', async () => {
    answers.SetVariableMonitoring = setVariableMonitoring('same');
    await setMonitors([{ ...power, id: 1, value: 11000, severity: 2 }]);
    expect(await listMonitors({ variable: 'Power' })).toEqual([expect.objectContaining({ id: 1, value: 11000, severity: 2 })]);
    expect((await listMonitors({ component: 'ChargingStation' })).map(({ id }) => id)).toEqual([2]);
    expect(await listMonitors({ component: 'ChargingStation', variable: 'Power' })).toEqual([]);
  });

  it('refuses a monitor the contract does not allow (severity 10, a connector without its EVSE) with 400, sending nothing', async () => {
    const before = station.received.length;
    const severe = await setMonitors([{ ...temperature, severity: 10 }]);
    expect(severe.response.status).toBe(400);
    const connectorOnly = await setMonitors([{ ...temperature, connectorId: 1 }]);
    expect(connectorOnly.response.status).toBe(400);
    const none = await setMonitors([]);
    expect(none.response.status).toBe(400);
    expect(station.received.length).toBe(before);
  });
});

describe('N06 Clear variable monitoring', () => {
  it('forgets the monitors the station removed (Accepted) or does not have (NotFound); Rejected ones stay', async () => {
    const before = await monitorIds();
    expect(before).toEqual(expect.arrayContaining([1, 2, 3, 4]));
    answers.ClearVariableMonitoring = ({ id }) => ({
      clearMonitoringResult: (id as number[]).map((monitorId) => ({ id: monitorId, status: monitorId === 1 ? 'Rejected' : monitorId === 4 ? 'NotFound' : 'Accepted' })),
    });
    const { data, response } = await anode.admin.POST('/cs/{csId}/monitors/clear', { params: { path: { csId } }, body: { ids: [1, 3, 4, 77] } });
    expect(response.status).toBe(200);
    expect(lastCall('ClearVariableMonitoring')).toEqual({ id: [1, 3, 4, 77] });
    expect(data?.removed).toEqual([3, 4]);
    expect(await monitorIds()).toEqual(before.filter((id) => id !== 3 && id !== 4));
  });
});

describe('N02 Get monitoring report', () => {
  it('monitors listed in several NotifyMonitoringReport parts are stored and counted; a complete report forgets those it did not list', async () => {
    expect(await monitorIds()).toEqual([1, 2]);
    answers.GetMonitoringReport = () => ({ status: 'Accepted' });
    const { data, response } = await anode.admin.POST('/cs/{csId}/monitors/report', { params: { path: { csId } }, body: {} });
    expect(response.status).toBe(200);
    const job = data!.job;
    expect(job).toMatchObject({ kind: 'MonitoringReport', status: 'Accepted', finishedAt: null });
    expect(lastCall('GetMonitoringReport')).toEqual({ requestId: job.requestId });

    const generatedAt = new Date().toISOString();
    await station.call('NotifyMonitoringReport', {
      requestId: job.requestId,
      seqNo: 0,
      tbc: true,
      generatedAt,
      monitor: [
        {
          component: { name: 'EVSE', evse: { id: 1 } },
          variable: { name: 'Power' },
          variableMonitoring: [{ id: 1, transaction: false, value: 7400, type: 'UpperThreshold', severity: 3 }],
        },
      ],
    });
    expect(await getJob(job.id)).toMatchObject({ status: 'Receiving', partsReceived: 1, result: { monitors: 1 } });
    expect(await monitorIds()).toEqual([1, 2]);
    await station.call('NotifyMonitoringReport', {
      requestId: job.requestId,
      seqNo: 1,
      generatedAt,
      monitor: [
        {
          component: { name: 'Connector', instance: 'Type2', evse: { id: 1, connectorId: 1 } },
          variable: { name: 'Temperature' },
          variableMonitoring: [
            { id: 100, transaction: false, value: 80, type: 'UpperThreshold', severity: 1 },
            { id: 101, transaction: false, value: 900, type: 'Periodic', severity: 9 },
          ],
        },
      ],
    });

    const done = await getJob(job.id);
    expect(done).toMatchObject({ status: 'Complete', partsReceived: 2, lastSeqNo: 1, result: { monitors: 3 } });
    expect(done.finishedAt).not.toBeNull();
    const stored = await listMonitors();
    expect(stored.map(({ id }) => id)).toEqual([1, 100, 101]);
    expect(stored[0]).toMatchObject({ value: 7400, severity: 3, transaction: false });
    expect(stored[1]).toMatchObject({ component: 'Connector', componentInstance: 'Type2', evseId: 1, connectorId: 1, variable: 'Temperature', value: 80, severity: 1 });
  });

  it('a report asked for by criteria and components adds what it lists and forgets nothing', async () => {
    answers.GetMonitoringReport = () => ({ status: 'Accepted' });
    const { data } = await anode.admin.POST('/cs/{csId}/monitors/report', {
      params: { path: { csId } },
      body: {
        monitoringCriteria: ['DeltaMonitoring'],
        componentVariable: [{ component: 'ChargingStation', variable: 'Temperature', variableInstance: 'Internal' }, { component: 'EVSE', evseId: 1 }],
      },
    });
    const requestId = data!.job.requestId!;
    expect(lastCall('GetMonitoringReport')).toEqual({
      requestId,
      monitoringCriteria: ['DeltaMonitoring'],
      componentVariable: [
        { component: { name: 'ChargingStation' }, variable: { name: 'Temperature', instance: 'Internal' } },
        { component: { name: 'EVSE', evse: { id: 1 } } },
      ],
    });
    await station.call('NotifyMonitoringReport', {
      requestId,
      seqNo: 0,
      generatedAt: new Date().toISOString(),
      monitor: [
        {
          component: { name: 'ChargingStation' },
          variable: { name: 'Temperature', instance: 'Internal' },
          variableMonitoring: [{ id: 2, transaction: false, value: 3, type: 'Delta', severity: 6 }],
        },
      ],
    });
    expect(await getJob(data!.job.id)).toMatchObject({ status: 'Complete', result: { monitors: 1 } });
    expect(await monitorIds()).toEqual([1, 2, 100, 101]);
    expect((await listMonitors({ variable: 'Temperature', component: 'ChargingStation' }))[0]).toMatchObject({ value: 3 });
  });

  it('EmptyResultSet finishes the job; nothing is forgotten', async () => {
    answers.GetMonitoringReport = () => ({ status: 'EmptyResultSet' });
    const { data } = await anode.admin.POST('/cs/{csId}/monitors/report', { params: { path: { csId } }, body: { monitoringCriteria: ['PeriodicMonitoring'] } });
    expect(data!.job).toMatchObject({ status: 'EmptyResultSet' });
    expect(data!.job.finishedAt).not.toBeNull();
    expect(await monitorIds()).toEqual([1, 2, 100, 101]);
  });
});

describe('N05 Set monitoring level', () => {
  it("sends the severity and answers the station's answer, recorded among the calls", async () => {
    answers.SetMonitoringLevel = ({ severity }) => ({ status: (severity as number) <= 5 ? 'Accepted' : 'Rejected' });
    const { data, response } = await anode.admin.POST('/cs/{csId}/monitoring-level', { params: { path: { csId } }, body: { severity: 3 } });
    expect(response.status).toBe(200);
    expect(data).toMatchObject({ action: 'SetMonitoringLevel', status: 'Answered', response: { status: 'Accepted' } });
    expect(lastCall('SetMonitoringLevel')).toEqual({ severity: 3 });
    const refused = await anode.admin.POST('/cs/{csId}/monitoring-level', { params: { path: { csId } }, body: { severity: 8 } });
    expect(refused.data?.response).toEqual({ status: 'Rejected' });
    const { data: calls } = await anode.admin.GET('/cs/{csId}/calls', { params: { path: { csId } } });
    expect(calls?.[0]).toMatchObject({ action: 'SetMonitoringLevel', request: { severity: 8 }, response: { status: 'Rejected' } });
    const beyond = await anode.admin.POST('/cs/{csId}/monitoring-level', { params: { path: { csId } }, body: { severity: 10 } });
    expect(beyond.response.status).toBe(400);
  });
});

describe('N03 Set monitoring base', () => {
  it('All keeps the stored monitors; a Rejected base changes nothing', async () => {
    answers.SetMonitoringBase = () => ({ status: 'Accepted' });
    const all = await anode.admin.POST('/cs/{csId}/monitoring-base', { params: { path: { csId } }, body: { monitoringBase: 'All' } });
    expect(all.data).toMatchObject({ storedMonitorsRemoved: 0, answer: { response: { status: 'Accepted' } } });
    expect(lastCall('SetMonitoringBase')).toEqual({ monitoringBase: 'All' });
    answers.SetMonitoringBase = () => ({ status: 'Rejected' });
    const refused = await anode.admin.POST('/cs/{csId}/monitoring-base', { params: { path: { csId } }, body: { monitoringBase: 'HardWiredOnly' } });
    expect(refused.data).toMatchObject({ storedMonitorsRemoved: 0, answer: { response: { status: 'Rejected' } } });
    expect(await monitorIds()).toEqual([1, 2, 100, 101]);
  });

  it('after an Accepted FactoryDefault the stored monitors are stale and forgotten', async () => {
    answers.SetMonitoringBase = () => ({ status: 'Accepted' });
    const { data } = await anode.admin.POST('/cs/{csId}/monitoring-base', { params: { path: { csId } }, body: { monitoringBase: 'FactoryDefault' } });
    expect(data).toMatchObject({ storedMonitorsRemoved: 4, answer: { response: { status: 'Accepted' } } });
    expect(await listMonitors()).toEqual([]);
  });
});

describe('Monitoring needs OCPP 2.0.1', () => {
  it('a 1.6 station is refused with 400 for every monitoring operation: nothing is sent, stored or started', async () => {
    const path = { csId: V16 };
    const answersTo = [
      await anode.admin.POST('/cs/{csId}/monitors', { params: { path }, body: { setMonitoringData: [temperature as never] } }),
      await anode.admin.POST('/cs/{csId}/monitors/clear', { params: { path }, body: { ids: [1] } }),
      await anode.admin.POST('/cs/{csId}/monitors/report', { params: { path }, body: {} }),
      await anode.admin.POST('/cs/{csId}/monitoring-base', { params: { path }, body: { monitoringBase: 'All' } }),
      await anode.admin.POST('/cs/{csId}/monitoring-level', { params: { path }, body: { severity: 1 } }),
    ];
    expect(answersTo.map(({ response }) => response.status)).toEqual([400, 400, 400, 400, 400]);
    expect(answersTo[0].error).toMatchObject({ error: 'SetVariableMonitoring is not an operation of OCPP 1.6' });
    expect(v16.received).toEqual([]);
    expect(await listMonitors({}, V16)).toEqual([]);
    const { data: jobs } = await anode.admin.GET('/cs/{csId}/jobs', { params: { path } });
    expect(jobs).toEqual([]);
  });
});
