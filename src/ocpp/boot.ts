/** BootNotification, the same for every OCPP version: Pending while the operator's configuration is still to be applied. */
import { INSTALL_STATUSES } from '../domain/firmware-logs.js';
import type { BootReport } from '../domain/stations.js';
import type { StationContext } from './context.js';

export interface BootVerdict {
  status: 'Accepted' | 'Pending';
  interval: number;
  currentTime: string;
}

/** A 2.0.1 station never asked for a base report is asked at its boot, when the operator configured a report. */
async function wantsFirstReport(ctx: StationContext): Promise<boolean> {
  if (!ctx.settings.baseReportOnFirstBoot || ctx.session.version !== 'ocpp2.0.1') return false;
  return !(await ctx.domain.stationJobs.any(ctx.session.stationId, 'BaseReport'));
}

export async function bootStation(ctx: StationContext, report: BootReport): Promise<BootVerdict> {
  const { stations } = ctx.domain;
  const { stationId } = ctx.session;
  const { configurationWaiting, requestsWaiting, firmwareStatus } = await stations.recordBoot(stationId, report);
  // A station reboots into new firmware: its firmware job learns the version it now runs.
  if (report.firmwareVersion && firmwareStatus && INSTALL_STATUSES.includes(firmwareStatus)) {
    await ctx.domain.firmwareLogs.booted(stationId, report.firmwareVersion, new Date());
  }
  ctx.session.ready = true;
  const accepted = !configurationWaiting;
  if (accepted && (await wantsFirstReport(ctx))) {
    await stations.addRequest(stationId, 'report', { reportBase: ctx.settings.baseReportOnFirstBoot });
  }
  // Work the operator adds from now on is delivered when it is added (station.request.created).
  if (requestsWaiting) ctx.deliverOpenRequestsSoon();
  return {
    status: accepted ? 'Accepted' : 'Pending',
    interval: accepted ? ctx.settings.heartbeatIntervalSeconds : ctx.settings.pendingIntervalSeconds,
    currentTime: new Date().toISOString(),
  };
}
