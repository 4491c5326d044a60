/** BootNotification, the same for every OCPP version: Pending while the operator's configuration is still to be applied. */
import { INSTALL_STATUSES } from '../domain/firmware-logs.js';
import type { BootReport } from '../domain/stations.js';
import type { StationContext } from './context.js';

export interface BootVerdict {
  status: 'Accepted' | 'Pending';
  interval: number;
  currentTime: string;
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
  // Work the operator adds from now on is delivered when it is added (station.request.created).
  if (requestsWaiting) ctx.deliverOpenRequestsSoon();
  const accepted = !configurationWaiting;
  return {
    status: accepted ? 'Accepted' : 'Pending',
    interval: accepted ? ctx.settings.heartbeatIntervalSeconds : ctx.settings.pendingIntervalSeconds,
    currentTime: new Date().toISOString(),
  };
}
