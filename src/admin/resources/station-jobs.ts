/** Station jobs: work started on a station whose outcome it reports later, with their status history. */
import type { Domain } from '../../domain/index.js';
import type { StationJob, StationJobKind } from '../../domain/station-jobs.js';
import { iso, pageAnswer, pageOf, type AdminHandlers, type Schemas } from './shared.js';

export function stationJobView(job: StationJob): Schemas['StationJob'] {
  return {
    id: job.id,
    chargeStationId: job.stationId,
    kind: job.kind as StationJobKind,
    requestId: job.requestId,
    request: job.request,
    status: job.status,
    history: job.history,
    result: job.result,
    partsReceived: job.partsReceived,
    lastSeqNo: job.lastSeqNo,
    createdAt: job.createdAt.toISOString(),
    updatedAt: job.updatedAt.toISOString(),
    finishedAt: iso(job.finishedAt),
  };
}

export function stationJobsHandlers({
  stations,
  stationJobs,
  publicBaseUrl,
}: Pick<Domain, 'stations' | 'stationJobs'> & { publicBaseUrl: string }): AdminHandlers<'listChargeStationJobs' | 'lookupChargeStationJob'> {
  return {
    listChargeStationJobs: async ({ path, query, context }) => {
      await stations.assertRegistered(path.csId);
      return pageAnswer(context, await stationJobs.list(path.csId, pageOf(query), query.kind), stationJobView, publicBaseUrl);
    },
    lookupChargeStationJob: async ({ path }) => ({ status: 200, body: stationJobView(await stationJobs.get(path.csId, path.jobId)) }),
  };
}
