/**
 * Where stations upload logs and diagnostics to Anode itself: at the one-time URL a job gave them, a PUT with the file
 * as its body, or a POST of multipart/form-data with one file (stations do both; a station that appends the file name
 * to the URL is served too). The secret in the URL is the credential: no admin token. An unknown upload or a wrong
 * secret is 404, a used one 410, a file over UPLOAD_MAX_BYTES 413 (refused by its declared length, or once that many
 * bytes have arrived). A failure of Anode's own (the database away) is answered by the root app's handler, as for
 * every API (http/failures.ts).
 */
import { Hono, type Context } from 'hono';
import type { StationUploads, UploadedFile } from '../domain/station-uploads.js';
import type { Logger } from '../log.js';

export interface UploadsAppOptions {
  uploads: Pick<StationUploads, 'state' | 'store'>;
  maxBytes: number;
  logger: Logger;
}

/** Room for a multipart body's boundaries and part headers around the file. */
const MULTIPART_OVERHEAD_BYTES = 64 * 1024;
const MAX_UPLOAD_ID = 2 ** 31 - 1;

const STATUS_TEXT = { 400: 'Bad Request', 404: 'Not Found', 410: 'Gone', 413: 'Payload Too Large' } as const;

/** An upload Anode refuses, and why. */
class Refusal extends Error {
  constructor(
    readonly status: keyof typeof STATUS_TEXT,
    message: string,
  ) {
    super(message);
  }
}

const tooLarge = (maxBytes: number) => new Refusal(413, `the file is larger than ${maxBytes} bytes`);
const notFound = () => new Refusal(404, 'no such upload');
const used = () => new Refusal(410, 'this upload has been made; it takes one file only');

/** The body, read as it arrives and refused as soon as it is larger than `limit`. */
async function readBody(request: Request, limit: number, refusal: Refusal): Promise<Buffer> {
  const declared = Number(request.headers.get('content-length') ?? 0);
  if (declared > limit) throw refusal;
  if (!request.body) return Buffer.alloc(0);
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > limit) {
        void reader.cancel().catch(() => {});
        throw refusal;
      }
      chunks.push(value);
    }
  } catch (error) {
    if (error instanceof Refusal) throw error;
    throw new Refusal(400, `the upload could not be read: ${(error as Error).message}`);
  }
  return Buffer.concat(chunks, size);
}

/** A file name as a station gave it, without any directory, control characters or excess length. */
function cleanName(name: string | undefined): string | null {
  const base = (name ?? '').split(/[\\/]/).pop()!.replace(/[\u0000-\u001f\u007f]/g, '').trim().slice(0, 255);
  return base === '' || base === '.' || base === '..' ? null : base;
}

async function uploadedFile(context: Context, maxBytes: number): Promise<UploadedFile> {
  const contentType = context.req.header('content-type') ?? null;
  const nameInPath = cleanName(context.req.param('fileName'));
  if (context.req.method === 'POST' && contentType && /^multipart\/form-data\b/i.test(contentType)) {
    const body = await readBody(context.req.raw, maxBytes + MULTIPART_OVERHEAD_BYTES, tooLarge(maxBytes));
    let form: FormData;
    try {
      form = await new Response(body, { headers: { 'content-type': contentType } }).formData();
    } catch (error) {
      throw new Refusal(400, `the multipart body could not be read: ${(error as Error).message}`);
    }
    const files = [...form.values()].filter((value): value is Exclude<ReturnType<FormData['get']>, string | null> => typeof value !== 'string');
    if (files.length !== 1) throw new Refusal(400, `a multipart upload carries exactly one file, this one ${files.length}`);
    const [file] = files;
    if (file.size > maxBytes) throw tooLarge(maxBytes);
    return { data: Buffer.from(await file.arrayBuffer()), fileName: cleanName(file.name) ?? nameInPath, contentType: file.type || null };
  }
  const data = await readBody(context.req.raw, maxBytes, tooLarge(maxBytes));
  return { data, fileName: nameInPath, contentType };
}

export function createUploadsApp({ uploads, maxBytes, logger }: UploadsAppOptions): Hono {
  const app = new Hono();
  const receive = async (context: Context) => {
    const rawId = context.req.param('uploadId') ?? '';
    const uploadId = Number(rawId);
    const secret = context.req.param('secret') ?? '';
    if (!/^[1-9]\d{0,9}$/.test(rawId) || uploadId > MAX_UPLOAD_ID || !/^[\w-]{1,128}$/.test(secret)) throw notFound();
    // The secret is checked before a byte of the body is read: nobody without it costs Anode more than a lookup.
    const state = await uploads.state(uploadId, secret);
    if (state === 'unknown') throw notFound();
    if (state === 'used') throw used();
    const file = await uploadedFile(context, maxBytes);
    if (!(await uploads.store(uploadId, secret, file))) throw used();
    logger.info({ uploadId, size: file.data.length, fileName: file.fileName }, 'a station uploaded a file');
    return context.json({ status: 'Created', size: file.data.length }, context.req.method === 'PUT' ? 201 : 200);
  };
  for (const path of ['/:uploadId/:secret', '/:uploadId/:secret/:fileName']) {
    app.on(['PUT', 'POST'], path, async (context) => {
      try {
        return await receive(context);
      } catch (error) {
        if (!(error instanceof Refusal)) throw error;
        return context.json({ status: STATUS_TEXT[error.status], error: error.message }, error.status);
      }
    });
    app.all(path, (context) => {
      context.header('Allow', 'PUT, POST');
      return context.json({ status: 'Method Not Allowed', error: 'upload the file with PUT or POST' }, 405);
    });
  }
  return app;
}
