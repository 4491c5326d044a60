/**
 * The device model: reading it, and the operations that fill it — GetVariables / SetVariables and reports on OCPP
 * 2.0.1, GetConfiguration / ChangeConfiguration on OCPP 1.6 (keys as variables of the component `Configuration`).
 */
import type { AttributeOutcome, DeviceVariableRow, VariableAddress } from '../../domain/device-model.js';
import type { Domain } from '../../domain/index.js';
import type { StationLink } from '../../domain/station-calls.js';
import type { StationJobKind } from '../../domain/station-jobs.js';
import { defaultOutcome, startJob } from './station-job-start.js';
import { answerStatus, connectedVersion, operateStation, type OperationForm, type StationAnswer } from './station-operation.js';
import { pageAnswer, pageOf, type AdminHandlers, type Schemas } from './shared.js';

export const CONFIGURATION_COMPONENT = 'Configuration';

type Selector = Schemas['VariableSelector'];
type Setting = Schemas['VariableSetting'];
interface ReportForms {
  'ocpp2.0.1': (requestId: number) => OperationForm;
  'ocpp1.6': () => OperationForm;
}
type Deps = Pick<Domain, 'stations' | 'deviceModel' | 'stationJobs'> & { stationLink: StationLink; publicBaseUrl: string };

function variableView(row: DeviceVariableRow): Schemas['DeviceVariable'] {
  return {
    component: row.component,
    componentInstance: row.componentInstance || null,
    evseId: row.evseId || null,
    connectorId: row.connectorId || null,
    variable: row.variable,
    variableInstance: row.variableInstance || null,
    attributeType: row.attributeType as Schemas['DeviceVariable']['attributeType'],
    value: row.value,
    mutability: row.mutability as Schemas['DeviceVariable']['mutability'],
    persistent: row.persistent,
    constant: row.constant,
    characteristics: row.characteristics,
    attributeStatus: row.attributeStatus,
    source: row.source as Schemas['DeviceVariable']['source'],
    updatedAt: row.updatedAt.toISOString(),
  };
}

/** OCPP 2.0.1 ComponentType and VariableType of a selector. */
function componentVariable(selector: Omit<Selector, 'variable'> & { variable?: string }) {
  return {
    component: {
      name: selector.component,
      ...(selector.componentInstance && { instance: selector.componentInstance }),
      ...(selector.evseId !== undefined && { evse: { id: selector.evseId, ...(selector.connectorId !== undefined && { connectorId: selector.connectorId }) } }),
    },
    ...(selector.variable !== undefined && {
      variable: { name: selector.variable, ...(selector.variableInstance && { instance: selector.variableInstance }) },
    }),
  };
}

interface WireComponent {
  name: string;
  instance?: string;
  evse?: { id: number; connectorId?: number };
}
interface WireVariable {
  name: string;
  instance?: string;
}

const addressOf = (component: WireComponent, variable: WireVariable, attributeType?: string): VariableAddress => ({
  component: component.name,
  componentInstance: component.instance,
  evseId: component.evse?.id,
  connectorId: component.evse?.connectorId,
  variable: variable.name,
  variableInstance: variable.instance,
  attributeType: attributeType ?? 'Actual',
});

const addressKey = (address: VariableAddress) =>
  JSON.stringify([address.component, address.componentInstance ?? '', address.evseId ?? 0, address.connectorId ?? 0, address.variable, address.variableInstance ?? '', address.attributeType ?? 'Actual']);

const selectorAddress = (selector: Selector): VariableAddress => ({ ...selector, attributeType: selector.attributeType ?? 'Actual' });

/** A 1.6 GetConfiguration answer as outcomes: known keys Accepted with their value, unknown ones UnknownVariable. */
function configurationOutcomes(response: Record<string, unknown>): AttributeOutcome[] {
  const known = (response.configurationKey ?? []) as Array<{ key: string; readonly: boolean; value?: string }>;
  const unknown = (response.unknownKey ?? []) as string[];
  return [
    ...known.map((entry) => ({
      component: CONFIGURATION_COMPONENT,
      variable: entry.key,
      status: 'Accepted',
      value: entry.value,
      mutability: entry.readonly ? 'ReadOnly' : 'ReadWrite',
    })),
    ...unknown.map((key) => ({ component: CONFIGURATION_COMPONENT, variable: key, status: 'UnknownVariable' })),
  ];
}

function outcomeView(outcome: AttributeOutcome): Schemas['VariableOutcome'] {
  return {
    component: outcome.component,
    ...(outcome.componentInstance && { componentInstance: outcome.componentInstance }),
    ...(outcome.evseId && { evseId: outcome.evseId }),
    ...(outcome.connectorId && { connectorId: outcome.connectorId }),
    variable: outcome.variable,
    ...(outcome.variableInstance && { variableInstance: outcome.variableInstance }),
    attributeType: outcome.attributeType ?? 'Actual',
    status: outcome.status,
    ...(outcome.value !== undefined && { value: outcome.value }),
  };
}

type VariableOperations =
  | 'listChargeStationVariables'
  | 'getChargeStationVariables'
  | 'setChargeStationVariables'
  | 'requestChargeStationBaseReport'
  | 'requestChargeStationReport';

export function deviceModelHandlers(deps: Deps): AdminHandlers<VariableOperations> {
  const { stations, deviceModel, publicBaseUrl } = deps;
  return {
    listChargeStationVariables: async ({ path, query, context }) => {
      await stations.assertRegistered(path.csId);
      const filter = {
        component: query.component,
        variable: query.variable,
        evseId: query.evseId,
        changedSince: query.changedSince !== undefined ? new Date(query.changedSince) : undefined,
      };
      return pageAnswer(context, await deviceModel.list(path.csId, filter, pageOf(query)), variableView, publicBaseUrl);
    },

    getChargeStationVariables: async ({ path, body }) => {
      const answer = await operateStation(deps, path.csId, 'GetVariables', {
        'ocpp2.0.1': () => ({
          action: 'GetVariables',
          payload: { getVariableData: body.variables.map((selector) => ({ ...componentVariable(selector), ...(selector.attributeType && { attributeType: selector.attributeType }) })) },
        }),
        'ocpp1.6': () => ({ action: 'GetConfiguration', payload: { key: body.variables.map((selector) => selector.variable) } }),
      });
      if (answer.status !== 'Answered') return { status: 200, body: { results: [], answers: [answer] } };
      const outcomes =
        answer.ocppVersion === 'ocpp1.6'
          ? configurationOutcomes(answer.response!)
          : (answer.response!.getVariableResult as Array<{ attributeStatus: string; attributeType?: string; attributeValue?: string; component: WireComponent; variable: WireVariable }>).map(
              (result): AttributeOutcome => ({ ...addressOf(result.component, result.variable, result.attributeType), status: result.attributeStatus, value: result.attributeValue }),
            );
      await deviceModel.recordOutcomes(path.csId, outcomes, answer.ocppVersion === 'ocpp1.6' ? 'GetConfiguration' : 'GetVariables');
      return { status: 200, body: { results: outcomes.map(outcomeView), answers: [answer] } };
    },

    setChargeStationVariables: async ({ path, body }) => {
      const version = await connectedVersion(deps, path.csId);
      const { outcomes, answers } = version === 'ocpp1.6' ? await changeConfiguration(deps, path.csId, body.variables) : await setVariables(deps, path.csId, body.variables);
      await deviceModel.recordOutcomes(path.csId, outcomes, version === 'ocpp1.6' ? 'ChangeConfiguration' : 'SetVariables');
      return { status: 200, body: { results: outcomes.map(outcomeView), answers } };
    },

    requestChargeStationBaseReport: async ({ path, body }) =>
      startReport(deps, path.csId, 'BaseReport', {
        'ocpp2.0.1': (requestId) => ({ action: 'GetBaseReport', payload: { requestId, reportBase: body.reportBase } }),
        'ocpp1.6': () => ({ action: 'GetConfiguration', payload: {} }),
      }),

    requestChargeStationReport: async ({ path, body }) =>
      startReport(deps, path.csId, 'Report', {
        'ocpp2.0.1': (requestId) => ({
          action: 'GetReport',
          payload: {
            requestId,
            ...(body.componentCriteria && { componentCriteria: body.componentCriteria }),
            ...(body.variables && { componentVariable: body.variables.map(componentVariable) }),
          },
        }),
        'ocpp1.6': () => ({ action: 'GetConfiguration', payload: body.variables ? { key: body.variables.flatMap((selector) => selector.variable ?? []) } : {} }),
      }),
  };
}

async function setVariables(deps: Deps, stationId: string, settings: Setting[]) {
  const requested = new Map(settings.map((setting) => [addressKey(selectorAddress(setting)), setting.value]));
  const answer = await operateStation(deps, stationId, 'SetVariables', {
    'ocpp2.0.1': () => ({
      action: 'SetVariables',
      payload: {
        setVariableData: settings.map((setting) => ({
          ...componentVariable(setting),
          attributeValue: setting.value,
          ...(setting.attributeType && { attributeType: setting.attributeType }),
        })),
      },
    }),
  });
  if (answer.status !== 'Answered') return { outcomes: [], answers: [answer] };
  const results = answer.response!.setVariableResult as Array<{ attributeStatus: string; attributeType?: string; component: WireComponent; variable: WireVariable }>;
  const outcomes = results.map((result): AttributeOutcome => {
    const address = addressOf(result.component, result.variable, result.attributeType);
    return { ...address, status: result.attributeStatus, value: requested.get(addressKey(address)) };
  });
  return { outcomes, answers: [answer] };
}

/** OCPP 1.6 changes one key per call. */
async function changeConfiguration(deps: Deps, stationId: string, settings: Setting[]) {
  const outcomes: AttributeOutcome[] = [];
  const answers: StationAnswer[] = [];
  for (const setting of settings) {
    const answer = await operateStation(deps, stationId, 'SetVariables', {
      'ocpp1.6': () => ({ action: 'ChangeConfiguration', payload: { key: setting.variable, value: setting.value } }),
    });
    answers.push(answer);
    const status = answer.status === 'Answered' ? answerStatus(answer) : undefined;
    if (status) outcomes.push({ component: CONFIGURATION_COMPONENT, variable: setting.variable, status, value: setting.value });
  }
  return { outcomes, answers };
}

/**
 * Starts a report as a job. On 2.0.1 the station answers at once and reports in NotifyReport parts naming the job's
 * requestId; on 1.6 GetConfiguration's answer is the report, stored at once (the job is then Complete).
 */
function startReport(deps: Deps, stationId: string, kind: Extract<StationJobKind, 'BaseReport' | 'Report'>, forms: ReportForms) {
  return startJob(deps, stationId, {
    kind,
    operation: kind === 'BaseReport' ? 'GetBaseReport' : 'GetReport',
    forms: { 'ocpp2.0.1': (job) => forms['ocpp2.0.1'](job.requestId!), 'ocpp1.6': forms['ocpp1.6'] },
    outcome: async (answer) => {
      if (answer.status !== 'Answered' || answer.ocppVersion !== 'ocpp1.6') return { ...defaultOutcome(answer) };
      const outcomes = configurationOutcomes(answer.response!);
      await deps.deviceModel.recordOutcomes(stationId, outcomes, 'GetConfiguration');
      const attributes = outcomes.filter((outcome) => outcome.status === 'Accepted').length;
      return { status: 'Complete', finished: true, result: { attributes, unknownKeys: outcomes.length - attributes } };
    },
  });
}
