/** Variable monitoring (OCPP 2.0.1 N02–N06): monitors set, cleared, listed and reported; base and level. */
import type { Domain } from '../../domain/index.js';
import type { StationLink } from '../../domain/station-calls.js';
import type { StoredVariableMonitor, VariableMonitor } from '../../domain/variable-monitors.js';
import { pageAnswer, pageOf, type AdminHandlers, type Schemas } from './shared.js';
import type { StationAnswer } from './station-operation.js';
import { statusOf } from './station-job-start.js';
import { call201, startJob201 } from './v201-operation.js';

type Operations =
  | 'listChargeStationMonitors'
  | 'setChargeStationMonitors'
  | 'clearChargeStationMonitors'
  | 'setChargeStationMonitoringBase'
  | 'setChargeStationMonitoringLevel'
  | 'requestChargeStationMonitoringReport';

type Setting = Schemas['MonitorSetting'];
type Selector = Schemas['MonitoredVariableSelector'];
type WireComponent = { name: string; instance?: string; evse?: { id: number; connectorId?: number } };
type WireVariable = { name: string; instance?: string };

function monitorView(monitor: StoredVariableMonitor): Schemas['VariableMonitor'] {
  return {
    id: monitor.monitorId,
    component: monitor.component,
    componentInstance: monitor.componentInstance || null,
    evseId: monitor.evseId || null,
    connectorId: monitor.connectorId || null,
    variable: monitor.variable,
    variableInstance: monitor.variableInstance || null,
    type: monitor.type as Schemas['MonitorType'],
    value: monitor.value,
    severity: monitor.severity,
    transaction: monitor.transaction,
    updatedAt: monitor.updatedAt.toISOString(),
  };
}

function wireComponent(address: Selector): WireComponent {
  return {
    name: address.component,
    ...(address.componentInstance !== undefined && { instance: address.componentInstance }),
    ...(address.evseId !== undefined && {
      evse: { id: address.evseId, ...(address.connectorId !== undefined && { connectorId: address.connectorId }) },
    }),
  };
}

function wireVariable(name: string, instance: string | undefined): WireVariable {
  return { name, ...(instance !== undefined && { instance }) };
}

function monitoringData(setting: Setting): Record<string, unknown> {
  return {
    ...(setting.id !== undefined && { id: setting.id }),
    ...(setting.transaction !== undefined && { transaction: setting.transaction }),
    value: setting.value,
    type: setting.type,
    severity: setting.severity,
    component: wireComponent(setting),
    variable: wireVariable(setting.variable, setting.variableInstance),
  };
}

interface SetResult {
  id?: number;
  status: string;
  type: string;
  severity: number;
  component: WireComponent;
  variable: WireVariable;
}

const sameTarget = (setting: Setting, result: SetResult) =>
  setting.component === result.component.name &&
  (setting.componentInstance ?? '') === (result.component.instance ?? '') &&
  (setting.evseId ?? 0) === (result.component.evse?.id ?? 0) &&
  (setting.connectorId ?? 0) === (result.component.evse?.connectorId ?? 0) &&
  setting.variable === result.variable.name &&
  (setting.variableInstance ?? '') === (result.variable.instance ?? '') &&
  setting.type === result.type;

/**
 * The monitors the station took: each Accepted result with an id, with the value and transaction flag of the
 * setting it answers (the result does not repeat them). Results answer the settings in order; one that does not
 * match its place is matched to the first setting of the same component, variable and type not yet answered.
 */
function acceptedMonitors(settings: Setting[], answer: StationAnswer): VariableMonitor[] {
  if (answer.status !== 'Answered') return [];
  const results = (answer.response?.setMonitoringResult ?? []) as SetResult[];
  const unanswered = new Set(settings.keys());
  const monitors: VariableMonitor[] = [];
  results.forEach((result, index) => {
    const at = unanswered.has(index) && settings[index] && sameTarget(settings[index], result) ? index : [...unanswered].find((i) => sameTarget(settings[i], result));
    if (at === undefined) return;
    unanswered.delete(at);
    if (result.status !== 'Accepted' || result.id === undefined) return;
    const setting = settings[at];
    monitors.push({
      monitorId: result.id,
      component: result.component.name,
      componentInstance: result.component.instance ?? '',
      evseId: result.component.evse?.id ?? 0,
      connectorId: result.component.evse?.connectorId ?? 0,
      variable: result.variable.name,
      variableInstance: result.variable.instance ?? '',
      type: result.type,
      severity: result.severity,
      value: setting.value,
      transaction: setting.transaction ?? false,
    });
  });
  return monitors;
}

export function monitoringHandlers(
  deps: Pick<Domain, 'stations' | 'variableMonitors' | 'stationJobs'> & { stationLink: StationLink; publicBaseUrl: string },
): AdminHandlers<Operations> {
  const { stations, variableMonitors, publicBaseUrl } = deps;
  return {
    listChargeStationMonitors: async ({ path, query, context }) => {
      await stations.assertRegistered(path.csId);
      const page = await variableMonitors.list(path.csId, pageOf(query), { component: query.component, variable: query.variable });
      return pageAnswer(context, page, monitorView, publicBaseUrl);
    },

    setChargeStationMonitors: async ({ path, body }) => {
      const settings = body.setMonitoringData;
      const answer = await call201(deps, path.csId, 'SetVariableMonitoring', { setMonitoringData: settings.map(monitoringData) });
      const monitors = acceptedMonitors(settings, answer);
      await variableMonitors.store(path.csId, monitors);
      const now = new Date();
      return { status: 200, body: { stored: monitors.map((monitor) => monitorView({ ...monitor, updatedAt: now })), answer } };
    },

    clearChargeStationMonitors: async ({ path, body }) => {
      const answer = await call201(deps, path.csId, 'ClearVariableMonitoring', { id: body.ids });
      const results = answer.status === 'Answered' ? ((answer.response?.clearMonitoringResult ?? []) as Array<{ id: number; status: string }>) : [];
      const gone = results.filter(({ status }) => status === 'Accepted' || status === 'NotFound').map(({ id }) => id);
      return { status: 200, body: { removed: await variableMonitors.remove(path.csId, gone), answer } };
    },

    setChargeStationMonitoringBase: async ({ path, body }) => {
      const answer = await call201(deps, path.csId, 'SetMonitoringBase', { monitoringBase: body.monitoringBase });
      const stale = body.monitoringBase !== 'All' && statusOf(answer) === 'Accepted';
      return { status: 200, body: { storedMonitorsRemoved: stale ? await variableMonitors.removeAll(path.csId) : 0, answer } };
    },

    setChargeStationMonitoringLevel: async ({ path, body }) => ({
      status: 200,
      body: await call201(deps, path.csId, 'SetMonitoringLevel', { severity: body.severity }),
    }),

    requestChargeStationMonitoringReport: async ({ path, body }) =>
      startJob201(deps, path.csId, 'MonitoringReport', 'GetMonitoringReport', (requestId) => ({
        requestId,
        ...(body.monitoringCriteria && { monitoringCriteria: body.monitoringCriteria }),
        ...(body.componentVariable && {
          componentVariable: body.componentVariable.map((selector) => ({
            component: wireComponent(selector),
            ...(selector.variable !== undefined && { variable: wireVariable(selector.variable, selector.variableInstance) }),
          })),
        }),
      })),
  };
}
