/**
 * Files stations upload to Anode itself (logs, diagnostics): each job that asks for one gets a one-time upload, named
 * by its id and a random secret of which only the SHA-256 is kept. The secret is the credential: whoever holds the
 * URL may upload once, and nobody else.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { and, eq, isNotNull, sql } from 'drizzle-orm';
import type { Database } from '../db/client.js';
import { stationJobs, stationUploads } from '../db/schema.js';
import { NotFoundError } from './errors.js';

/** What a station uploaded. */
export interface UploadedFile {
  data: Buffer;
  fileName: string | null;
  contentType: string | null;
}

export interface StoredFile extends UploadedFile {
  size: number;
  receivedAt: Date;
}

/** unknown: no such upload, or the secret is wrong; used: the one upload it allowed has been made. */
export type UploadState = 'open' | 'used' | 'unknown';

/** Where Anode serves uploads; an upload's URL is `<public base URL>/uploads/<uploadId>/<secret>`. */
export const UPLOADS_PATH = '/uploads';

const hashOf = (secret: string) => createHash('sha256').update(secret).digest();

export class StationUploads {
  constructor(private readonly db: Database) {}

  /** A one-time upload for the job, and its URL: the secret is handed out once, in it, and never stored. */
  async create(stationId: string, jobId: number, publicBaseUrl: string): Promise<{ uploadId: number; url: string }> {
    const secret = randomBytes(32).toString('base64url');
    const [row] = await this.db
      .insert(stationUploads)
      .values({ stationId, jobId, secretHash: hashOf(secret).toString('hex'), createdAt: new Date() })
      .returning({ id: stationUploads.id });
    return { uploadId: row.id, url: `${publicBaseUrl}${UPLOADS_PATH}/${row.id}/${secret}` };
  }

  /** Whether an upload may be made with this secret, checked before the body is read. */
  async state(uploadId: number, secret: string): Promise<UploadState> {
    const [row] = await this.db
      .select({ secretHash: stationUploads.secretHash, receivedAt: stationUploads.receivedAt })
      .from(stationUploads)
      .where(eq(stationUploads.id, uploadId));
    if (!row) return 'unknown';
    // The secret is forgotten once used: a used upload is gone for anyone who knows its id.
    if (row.secretHash === null) return row.receivedAt ? 'used' : 'unknown';
    const stored = Buffer.from(row.secretHash, 'hex');
    const given = hashOf(secret);
    return stored.length === given.length && timingSafeEqual(stored, given) ? 'open' : 'unknown';
  }

  /**
   * Stores the file if the upload is still open with this secret (one of two uploads racing wins), and notes it in
   * the job's result. Answers false when it was used meanwhile.
   */
  async store(uploadId: number, secret: string, file: UploadedFile): Promise<boolean> {
    const now = new Date();
    return this.db.transaction(async (tx) => {
      const [stored] = await tx
        .update(stationUploads)
        .set({ secretHash: null, data: file.data, size: file.data.length, fileName: file.fileName, contentType: file.contentType, receivedAt: now })
        .where(and(eq(stationUploads.id, uploadId), eq(stationUploads.secretHash, hashOf(secret).toString('hex'))))
        .returning({ jobId: stationUploads.jobId });
      if (!stored) return false;
      const upload = { size: file.data.length, fileName: file.fileName, contentType: file.contentType, at: now.toISOString() };
      await tx
        .update(stationJobs)
        .set({ result: sql`coalesce(${stationJobs.result}, '{}'::jsonb) || ${JSON.stringify({ upload })}::jsonb`, updatedAt: now })
        .where(eq(stationJobs.id, stored.jobId));
      return true;
    });
  }

  /** The file uploaded for a job of the station; NotFoundError until one was. */
  async file(stationId: string, jobId: number): Promise<StoredFile> {
    const [row] = await this.db
      .select({
        data: stationUploads.data,
        size: stationUploads.size,
        fileName: stationUploads.fileName,
        contentType: stationUploads.contentType,
        receivedAt: stationUploads.receivedAt,
      })
      .from(stationUploads)
      .where(and(eq(stationUploads.stationId, stationId), eq(stationUploads.jobId, jobId), isNotNull(stationUploads.receivedAt)));
    if (!row?.data || !row.receivedAt) throw new NotFoundError(`no file has been uploaded for job ${jobId} of charge station ${stationId}`);
    return { data: row.data, size: row.size ?? row.data.length, fileName: row.fileName, contentType: row.contentType, receivedAt: row.receivedAt };
  }
}
