import { and, count, desc, eq, inArray, isNull, sql } from 'drizzle-orm';
import type { Database } from '../db/client.js';
import { stationJobs, type StationJobStatusEntry } from '../db/schema.js';
import { NotFoundError } from './errors.js';
import type { Page, PageRequest } from './pagination.js';

export type StationJob = typeof stationJobs.$inferSelect;

/**
 * What a job is about. Each kind has its own requestId space at the station, so a notification is matched to its
 * job by station, kind and requestId.
 */
export const stationJobKinds = [
  'BaseReport',
  'Report',
  'MonitoringReport',
  'Firmware',
  'PublishFirmware',
  'Log',
  'Diagnostics',
  'CustomerInformation',
  'DisplayMessages',
  'ChargingProfiles',
] as const;
export type StationJobKind = (typeof stationJobKinds)[number];

/** A kind, or the kinds a notification may answer (NotifyReport answers a base report and a custom one alike). */
type Kinds = StationJobKind | readonly [StationJobKind, ...StationJobKind[]];
const kindsOf = (kinds: Kinds): readonly StationJobKind[] => (typeof kinds === 'string' ? [kinds] : kinds);

/** Work started on a station whose outcome arrives later, in the station's notifications. */
export class StationJobs {
  constructor(private readonly db: Database) {}

  /** A new job; its id is the requestId the station is to be given. */
  async open(stationId: string, kind: StationJobKind): Promise<StationJob> {
    const now = new Date();
    return this.db.transaction(async (tx) => {
      const [row] = await tx
        .insert(stationJobs)
        .values({ stationId, kind, status: 'Requested', history: [entry('Requested', now)], createdAt: now, updatedAt: now })
        .returning({ id: stationJobs.id });
      const [job] = await tx.update(stationJobs).set({ requestId: row.id }).where(eq(stationJobs.id, row.id)).returning();
      return job;
    });
  }

  /**
   * What the station was sent and how it answered (Accepted, Rejected, …); `finished` when nothing more will come.
   * A station may send its first notification before Anode has recorded its answer: then the notification's status
   * stays the job's status and the answer only joins the history.
   */
  async answered(
    jobId: number,
    request: object,
    status: string,
    options: { info?: string; finished?: boolean; result?: Record<string, unknown> } = {},
  ): Promise<StationJob> {
    const now = new Date();
    const [job] = await this.db
      .update(stationJobs)
      .set({
        request: request as Record<string, unknown>,
        status: sql`case when ${stationJobs.status} = 'Requested' then ${status} else ${stationJobs.status} end`,
        history: appended(status, now, options.info),
        updatedAt: now,
        ...(options.result && { result: sql`coalesce(${stationJobs.result}, '{}'::jsonb) || ${JSON.stringify(options.result)}::jsonb` }),
        ...(options.finished && { finishedAt: now }),
      })
      .where(eq(stationJobs.id, jobId))
      .returning();
    return job;
  }

  /**
   * A status the station reported for a job: by requestId, or without one (OCPP 1.6 firmware and diagnostics) the
   * station's latest unfinished job of that kind. A report for a request Anode did not make opens a job for it.
   */
  async progress(
    stationId: string,
    kind: Kinds,
    requestId: number | undefined,
    status: string,
    options: { info?: string; finished?: boolean } = {},
  ): Promise<StationJob> {
    const now = new Date();
    const job = await this.find(stationId, kind, requestId);
    const finish = options.finished ? { finishedAt: now } : {};
    if (!job) {
      const [created] = await this.db
        .insert(stationJobs)
        .values({
          stationId,
          kind: kindsOf(kind)[0],
          requestId: requestId ?? null,
          status,
          history: [entry(status, now, options.info)],
          createdAt: now,
          updatedAt: now,
          ...finish,
        })
        .onConflictDoNothing()
        .returning();
      if (created) return created;
      return this.progress(stationId, kind, requestId, status, options);
    }
    const [updated] = await this.db
      .update(stationJobs)
      .set({ status, history: appended(status, now, options.info), updatedAt: now, ...finish })
      .where(eq(stationJobs.id, job.id))
      .returning();
    return updated;
  }

  /**
   * One part of a multi-part answer (NotifyReport, NotifyMonitoringReport, NotifyCustomerInformation, …): counts it,
   * keeps its seqNo, lets `merge` fold it into the job's result, and completes the job with the last part.
   */
  async part(
    stationId: string,
    kind: Kinds,
    requestId: number,
    part: { seqNo?: number; tbc: boolean },
    merge: (result: Record<string, unknown> | null) => Record<string, unknown> | null = (result) => result,
  ): Promise<StationJob> {
    const job = (await this.find(stationId, kind, requestId)) ?? (await this.progress(stationId, kind, requestId, 'Receiving'));
    const now = new Date();
    const status = part.tbc ? 'Receiving' : 'Complete';
    const statusChanged = job.status !== status;
    const [updated] = await this.db
      .update(stationJobs)
      .set({
        status,
        ...(statusChanged && { history: appended(status, now) }),
        result: merge(job.result),
        partsReceived: sql`${stationJobs.partsReceived} + 1`,
        ...(part.seqNo !== undefined && { lastSeqNo: part.seqNo }),
        updatedAt: now,
        ...(!part.tbc && { finishedAt: now }),
      })
      .where(eq(stationJobs.id, job.id))
      .returning();
    return updated;
  }

  /** Whether the station ever had a job of this kind. */
  async any(stationId: string, kind: StationJobKind): Promise<boolean> {
    const [job] = await this.db
      .select({ id: stationJobs.id })
      .from(stationJobs)
      .where(and(eq(stationJobs.stationId, stationId), eq(stationJobs.kind, kind)))
      .limit(1);
    return job !== undefined;
  }

  async get(stationId: string, jobId: number): Promise<StationJob> {
    const [job] = await this.db
      .select()
      .from(stationJobs)
      .where(and(eq(stationJobs.stationId, stationId), eq(stationJobs.id, jobId)));
    if (!job) throw new NotFoundError(`job ${jobId} of charge station ${stationId} not found`);
    return job;
  }

  async list(stationId: string, page: PageRequest, kind?: StationJobKind): Promise<Page<StationJob>> {
    const where = kind ? and(eq(stationJobs.stationId, stationId), eq(stationJobs.kind, kind)) : eq(stationJobs.stationId, stationId);
    const items = await this.db.select().from(stationJobs).where(where).orderBy(desc(stationJobs.id)).offset(page.offset).limit(page.limit);
    const [{ total }] = await this.db.select({ total: count() }).from(stationJobs).where(where);
    return { items, total, ...page };
  }

  private async find(stationId: string, kind: Kinds, requestId: number | undefined): Promise<StationJob | undefined> {
    const ofKind = inArray(stationJobs.kind, [...kindsOf(kind)]);
    const where =
      requestId !== undefined
        ? and(eq(stationJobs.stationId, stationId), ofKind, eq(stationJobs.requestId, requestId))
        : and(eq(stationJobs.stationId, stationId), ofKind, isNull(stationJobs.finishedAt));
    const [job] = await this.db.select().from(stationJobs).where(where).orderBy(desc(stationJobs.id)).limit(1);
    return job;
  }
}

function entry(status: string, at: Date, info?: string): StationJobStatusEntry {
  return { status, at: at.toISOString(), ...(info !== undefined && { info }) };
}

/** The history with one more entry, appended in the statement so two notifications never lose one another's. */
function appended(status: string, at: Date, info?: string) {
  return sql`${stationJobs.history} || ${JSON.stringify([entry(status, at, info)])}::jsonb`;
}
