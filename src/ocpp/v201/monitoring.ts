/** OCPP 2.0.1 N06: the monitors a station lists after GetMonitoringReport. */
import type { components } from '../../../generated/ocpp201.js';
import type { VariableMonitor } from '../../domain/variable-monitors.js';
import type { StationContext } from '../context.js';

type Schemas = components['schemas'];

function monitorsOf(datum: Schemas['MonitoringDataType']): VariableMonitor[] {
  const { component, variable } = datum;
  return datum.variableMonitoring.map((monitoring) => ({
    monitorId: monitoring.id,
    component: component.name,
    componentInstance: component.instance ?? '',
    evseId: component.evse?.id ?? 0,
    connectorId: component.evse?.connectorId ?? 0,
    variable: variable.name,
    variableInstance: variable.instance ?? '',
    type: monitoring.type,
    severity: monitoring.severity,
    value: monitoring.value,
    transaction: monitoring.transaction,
  }));
}

/**
 * One part of a monitoring report: its monitors are stored and counted on the job. When the last part of a report
 * asked for without criteria or components has come, the report listed every monitor the station has, so the stored
 * ones it did not list are gone from the station and are forgotten.
 */
export async function notifyMonitoringReport(
  ctx: StationContext,
  request: Schemas['NotifyMonitoringReportRequest'],
): Promise<Schemas['NotifyMonitoringReportResponse']> {
  const { stationId } = ctx.session;
  const monitors = (request.monitor ?? []).flatMap(monitorsOf);
  await ctx.domain.variableMonitors.store(stationId, monitors);
  const job = await ctx.domain.stationJobs.part(stationId, 'MonitoringReport', request.requestId, request, (result) => ({
    ...result,
    monitors: Number(result?.monitors ?? 0) + monitors.length,
  }));
  if (job.finishedAt && job.request && !job.request.monitoringCriteria && !job.request.componentVariable) {
    await ctx.domain.variableMonitors.removeOlderThan(stationId, job.createdAt);
  }
  return {};
}
