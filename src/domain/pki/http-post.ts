/**
 * One POST to an external PKI party (an EST server, a contract-certificate pool, an OCSP responder) with node:http(s), so a CA to trust
 * can be given, bounded in time and in the size of the answer it reads.
 */
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';

export interface PostOptions {
  headers: Record<string, string>;
  body: string | Buffer;
  timeoutMs: number;
  /** PEM of the CA(s) an https server's certificate must chain to; the system's when unset */
  ca?: Buffer;
  /** answers longer than this are refused */
  maxBytes?: number;
}

export interface PostAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

const MAX_BYTES = 1024 * 1024;

/** Rejects with an Error naming the URL's origin and what went wrong: unreachable, timed out, too long an answer. */
export function post(url: string, options: PostOptions): Promise<PostAnswer> {
  const target = new URL(url);
  const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
  const maxBytes = options.maxBytes ?? MAX_BYTES;
  return new Promise<PostAnswer>((resolve, reject) => {
    const failed = (why: string) => reject(new Error(`${target.origin} ${why}`));
    const request = send(
      target,
      {
        method: 'POST',
        headers: { ...options.headers, 'Content-Length': String(Buffer.byteLength(options.body)) },
        timeout: options.timeoutMs,
        // one connection per call: these calls are rare, and no idle socket outlives them
        agent: false,
        ...(options.ca && { ca: options.ca }),
      },
      (response) => {
        const chunks: Buffer[] = [];
        let length = 0;
        response.on('data', (chunk: Buffer) => {
          length += chunk.length;
          if (length > maxBytes) {
            request.destroy();
            failed(`answered more than ${maxBytes} bytes`);
            return;
          }
          chunks.push(chunk);
        });
        response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks) }));
        response.on('error', (error) => failed(`broke off its answer: ${error.message}`));
      },
    );
    request.on('timeout', () => {
      request.destroy();
      failed(`did not answer within ${options.timeoutMs} ms`);
    });
    request.on('error', (error: NodeJS.ErrnoException) => failed(`could not be reached: ${error.code ?? error.message}`));
    request.end(options.body);
  });
}

/** The start of a server's answer, on one line, for an error message. */
export function excerpt(body: Buffer, max = 200): string {
  const text = body.toString('utf8').replace(/\s+/g, ' ').trim();
  return text.length > max ? `${text.slice(0, max)}…` : text;
}
