/**
 * Sends fuzz requests to one loopback server: well-formed ones with node:http over kept-alive connections, wire-level
 * damage over a fresh raw socket (Connection: close) byte for byte. Every send is bounded by a timeout.
 */
import { Agent, request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import type { FuzzRequest } from './http-requests.js';

export interface Answer {
  /** HTTP status, or undefined when no answer came (timeout, connection reset before a status line) */
  status?: number;
  /** the first bytes of the answer's body (Latin-1 for raw answers) */
  excerpt: string;
  /** why there is no status */
  error?: string;
}

const EXCERPT = 300;

/** Throws unless `baseUrl` is plain HTTP to a loopback address: the fuzz sends nothing anywhere else. */
export function loopbackTarget(baseUrl: string): { host: string; port: number } {
  const url = new URL(baseUrl);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const loopback = host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
  if (url.protocol !== 'http:' || !loopback) throw new Error(`the HTTP fuzz only sends to http:// on a loopback address, not ${baseUrl}`);
  return { host, port: Number(url.port || 80) };
}

export class Sender {
  private readonly agent: Agent;

  constructor(
    private readonly target: { host: string; port: number },
    concurrency: number,
    private readonly timeoutMs: number,
  ) {
    this.agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  }

  send(request: FuzzRequest): Promise<Answer> {
    // Damage that leaves the server waiting is not worth waiting long for.
    if (request.raw) return this.sendRaw(request.raw, request.expectsAnswer ? this.timeoutMs : Math.min(this.timeoutMs, 2000));
    return this.sendHttp(request, true);
  }

  close(): void {
    this.agent.destroy();
  }

  /**
   * A kept-alive connection the server closes (idle too long) just as a request goes out on it fails without an
   * answer; such a request is sent once more, as any HTTP client does (request.reusedSocket, in Node's words).
   */
  private sendHttp(request: FuzzRequest, retryOnStaleSocket: boolean): Promise<Answer> {
    return new Promise((resolve) => {
      let settled = false;
      let answered = false;
      const finish = (answer: Answer) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (retryOnStaleSocket && !answered && outgoing.reusedSocket && /ECONNRESET|socket hang up/.test(answer.error ?? '')) {
          resolve(this.sendHttp(request, false));
        } else resolve(answer);
      };
      let outgoing: ReturnType<typeof httpRequest>;
      try {
        outgoing = httpRequest({
          host: this.target.host,
          port: this.target.port,
          method: request.method,
          path: request.target,
          headers: { ...request.headers, ...(request.body && { 'Content-Length': String(request.body.length) }) },
          agent: this.agent,
        });
      } catch (error) {
        // The client refused to send it (an invalid header, say): not the server's doing.
        resolve({ excerpt: '', error: `not sent: ${(error as Error).message}` });
        return;
      }
      const timer = setTimeout(() => {
        outgoing.destroy(new Error(`no answer within ${this.timeoutMs} ms`));
      }, this.timeoutMs);
      outgoing.on('error', (error) => finish({ excerpt: '', error: error.message }));
      outgoing.on('response', (response) => {
        answered = true;
        const chunks: Buffer[] = [];
        let length = 0;
        response.on('data', (chunk: Buffer) => {
          if (length < EXCERPT) chunks.push(chunk);
          length += chunk.length;
        });
        response.on('end', () => finish({ status: response.statusCode, excerpt: Buffer.concat(chunks).toString('utf8').slice(0, EXCERPT) }));
        response.on('error', (error) => finish({ status: response.statusCode, excerpt: '', error: error.message }));
      });
      outgoing.end(request.body);
    });
  }

  private sendRaw(bytes: Buffer, timeoutMs: number): Promise<Answer> {
    return new Promise((resolve) => {
      const socket = connect(this.target.port, this.target.host);
      const chunks: Buffer[] = [];
      let settled = false;
      const finish = (error?: string) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        socket.destroy();
        const text = Buffer.concat(chunks).toString('latin1');
        const status = /^HTTP\/1\.[01] (\d{3})/.exec(text);
        const bodyStart = text.indexOf('\r\n\r\n');
        resolve({
          ...(status && { status: Number(status[1]) }),
          excerpt: bodyStart >= 0 ? text.slice(bodyStart + 4, bodyStart + 4 + EXCERPT) : '',
          ...(!status && { error: error ?? 'closed without a status line' }),
        });
      };
      const timer = setTimeout(() => finish(`no answer within ${timeoutMs} ms`), timeoutMs);
      // Written without ending our side: Node's server drops requests still in progress when the client half-closes.
      socket.on('connect', () => socket.write(bytes));
      socket.on('data', (chunk: Buffer) => {
        chunks.push(chunk);
        // One answer is all this connection is for (Connection: close); the status line and some body suffice.
        if (Buffer.concat(chunks).length > 64 * 1024) finish();
      });
      socket.on('end', () => finish());
      socket.on('close', () => finish());
      socket.on('error', (error) => finish(error.message));
    });
  }
}
