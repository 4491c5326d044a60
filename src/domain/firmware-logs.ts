/**
 * Firmware updates and publications, log and diagnostics uploads: jobs (station-jobs.ts) an operator starts and the
 * station reports on, and what of them the station's own row keeps (its firmware status and version, its last
 * diagnostics or log status).
 */
import { and, desc, eq, inArray, isNull, ne, sql } from 'drizzle-orm';
import type { Database } from '../db/client.js';
import { stationJobs, stations } from '../db/schema.js';
import type { StationJob, StationJobs } from './station-jobs.js';
import type { Stations } from './stations.js';

export type FileJobKind = 'Firmware' | 'PublishFirmware' | 'Log' | 'Diagnostics';

/** A status a station reported for a job of one of these kinds. */
export interface StatusReport {
  kind: FileJobKind;
  /** absent: the station's latest unfinished job of the kind (OCPP 1.6 firmware and diagnostics have none) */
  requestId?: number;
  status: string;
  /** nothing more will come of the job */
  final: boolean;
  /**
   * The station says it works on no job of the kind (Idle): a job it had begun on ends, one it was still to begin
   * (answered, not yet reported on) stays open, and none is opened for it.
   */
  idle?: boolean;
  /** merged into the job's result (e.g. the locations a firmware is published at) */
  result?: Record<string, unknown>;
}

/** What the station answered to the request that started the job. */
export interface JobAnswer {
  status: string;
  finished: boolean;
  info?: string;
  result?: Record<string, unknown>;
}

/** Statuses of a job the station has not yet reported any work on. */
const NOT_BEGUN = ['Requested', 'Accepted', 'AcceptedCanceled'];
/** Firmware statuses after which the station may reboot into the new firmware. */
export const INSTALL_STATUSES = ['Downloaded', 'SignatureVerified', 'InstallScheduled', 'Installing', 'InstallRebooting', 'Installed'];

const merged = (result: Record<string, unknown>) =>
  sql`coalesce(${stationJobs.result}, '{}'::jsonb) || ${JSON.stringify(result)}::jsonb`;
const appended = (status: string, at: Date, info: string) =>
  sql`${stationJobs.history} || ${JSON.stringify([{ status, at: at.toISOString(), info }])}::jsonb`;

export class FirmwareAndLogs {
  constructor(
    private readonly db: Database,
    private readonly jobs: StationJobs,
    private readonly stations: Stations,
  ) {}

  /**
   * A new job. `requestIdSent: false` when the station is not given the requestId (OCPP 1.6 UpdateFirmware,
   * GetDiagnostics): the job then has none. A firmware job notes the version the station runs before it.
   */
  async open(stationId: string, kind: FileJobKind, options: { requestIdSent: boolean }): Promise<StationJob> {
    const job = await this.jobs.open(stationId, kind);
    if (options.requestIdSent && kind !== 'Firmware') return job;
    const before = sql`(select jsonb_build_object('firmwareVersionBefore', ${stations.firmwareVersion}) from ${stations} where ${stations.id} = ${stationId})`;
    const [updated] = await this.db
      .update(stationJobs)
      .set({
        ...(!options.requestIdSent && { requestId: null }),
        ...(kind === 'Firmware' && { result: before }),
      })
      .where(eq(stationJobs.id, job.id))
      .returning();
    return updated;
  }

  /** Records what the station was sent and its answer; an AcceptedCanceled answer ends the job the station dropped. */
  async answered(job: StationJob, request: object, answer: JobAnswer): Promise<StationJob> {
    const answered = await this.jobs.answered(job.id, request, answer.status, { info: answer.info, finished: answer.finished });
    if (answer.status === 'AcceptedCanceled') {
      const now = new Date();
      await this.db
        .update(stationJobs)
        .set({ status: 'Canceled', history: appended('Canceled', now, `the station dropped it for job ${job.id}`), updatedAt: now, finishedAt: now })
        .where(
          and(eq(stationJobs.stationId, job.stationId), eq(stationJobs.kind, job.kind), isNull(stationJobs.finishedAt), ne(stationJobs.id, job.id)),
        );
    }
    return answer.result ? this.noted(job.id, answer.result) : answered;
  }

  /** A status the station reported; the job it went to (none for an Idle that concerned no open job). */
  async reported(stationId: string, report: StatusReport): Promise<StationJob | undefined> {
    if (report.kind === 'Firmware') await this.stations.recordFirmwareStatus(stationId, report.status);
    if (report.kind === 'Log' || report.kind === 'Diagnostics') await this.stations.recordDiagnosticsStatus(stationId, report.status);
    if (report.idle) {
      const job = await this.openJob(stationId, report.kind, report.requestId);
      if (!job) return undefined;
      const begun = !NOT_BEGUN.includes(job.status);
      const ended = begun ? { finished: true, info: 'the station went idle: it stopped working on this job' } : {};
      return this.jobs.progress(stationId, report.kind, job.requestId ?? undefined, report.status, ended);
    }
    const job = await this.jobs.progress(stationId, report.kind, report.requestId, report.status, { finished: report.final });
    return report.result ? this.noted(job.id, report.result) : job;
  }

  /**
   * A station whose firmware was being installed booted: the version it now reports goes into its latest firmware
   * job, when that job is still open, or it ended Installed and this is the first boot since.
   */
  async booted(stationId: string, firmwareVersion: string, at: Date): Promise<void> {
    const latest = this.db
      .select({ id: stationJobs.id })
      .from(stationJobs)
      .where(and(eq(stationJobs.stationId, stationId), eq(stationJobs.kind, 'Firmware')))
      .orderBy(desc(stationJobs.id))
      .limit(1);
    const bootedAt = sql`(${stationJobs.result} ->> 'bootedAt')::timestamptz`;
    await this.db
      .update(stationJobs)
      .set({ result: merged({ firmwareVersion, bootedAt: at.toISOString() }), updatedAt: at })
      .where(
        and(
          inArray(stationJobs.id, latest),
          sql`${stationJobs.createdAt} <= ${at.toISOString()}::timestamptz`,
          sql`(${stationJobs.finishedAt} is null or (${stationJobs.status} = 'Installed' and (${bootedAt} is null or ${bootedAt} < ${stationJobs.finishedAt})))`,
        ),
      );
  }

  /** Merges `result` into the job's result; the job as it is now. */
  private async noted(jobId: number, result: Record<string, unknown>): Promise<StationJob> {
    const [job] = await this.db.update(stationJobs).set({ result: merged(result) }).where(eq(stationJobs.id, jobId)).returning();
    return job;
  }

  private async openJob(stationId: string, kind: FileJobKind, requestId: number | undefined): Promise<StationJob | undefined> {
    const where =
      requestId !== undefined
        ? and(eq(stationJobs.stationId, stationId), eq(stationJobs.kind, kind), eq(stationJobs.requestId, requestId), isNull(stationJobs.finishedAt))
        : and(eq(stationJobs.stationId, stationId), eq(stationJobs.kind, kind), isNull(stationJobs.finishedAt));
    const [job] = await this.db.select().from(stationJobs).where(where).orderBy(desc(stationJobs.id)).limit(1);
    return job;
  }
}
