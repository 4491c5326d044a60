/**
 * A property-based HTTP fuzz of Anode's admin API, OCPI 2.2.1 interface and system endpoints. Requests are derived
 * from the bundled OpenAPI documents (generated/openapi/): per operation, conforming path parameters, queries,
 * headers, credentials and JSON bodies, most of them then broken in one or two places (see http-requests.ts). The
 * property: no request gets a 5xx (and, for the caller to check, the server neither dies nor logs an error).
 *
 *   const result = await runHttpFuzz({ baseUrl: target.url, numRuns: 5000, seed: 42, ...await seedFuzzData(…) });
 *
 * Bounded: at most `numRuns` requests and at most `durationMs`, whichever ends first; each request waits at most
 * `requestTimeoutMs`. It sends only to `baseUrl`, which must be http:// on a loopback address. Request i of a seed
 * is always the same request (see fuzzRequestsAt), so a failure's description names its seed and index.
 */
import fc from 'fast-check';
import { loadFuzzOperations, type FuzzOperation } from './http-operations.js';
import { fuzzRequests, type FuzzRequest, type RequestContext } from './http-requests.js';
import { loopbackTarget, Sender } from './http-send.js';

export type { FuzzRequest } from './http-requests.js';
export { seedFuzzData, type FuzzSeed } from './http-seed.js';

export interface HttpFuzzOptions {
  /** the server, e.g. `http://127.0.0.1:8080`; must be http:// on a loopback address */
  baseUrl: string;
  /** at most this many requests (default 1,000 when durationMs is not given either, else unbounded by count) */
  numRuns?: number;
  /** stop starting requests after this long (ms); those in flight are awaited */
  durationMs?: number;
  /** the seed; default a random one (it is in the result, to repeat a run) */
  seed?: number;
  /** ADMIN_API_TOKEN of the server, so that admin requests get past authentication */
  adminToken?: string;
  /** plain credentials tokens of OCPI parties the server knows; the first is never used to change its own credentials */
  ocpiTokens?: readonly string[];
  /** admin party ids never unregistered (the first OCPI token's party) */
  keepPartyIds?: readonly number[];
  /** ids of stored rows, by parameter or property name (`csId`, `location_id` …), so that requests hit them */
  known?: Readonly<Record<string, readonly string[]>>;
  /** where URL fields in bodies and queries point (Anode calls them back); default a closed loopback port */
  callbackUrl?: string;
  /** requests in flight at once (default 4) */
  concurrency?: number;
  /** how long one request may take before it counts as unanswered (default 15,000 ms) */
  requestTimeoutMs?: number;
  /** only operations whose id (`admin setToken`, `ocpi-2.2.1-cpo cpoPutToken` …) this accepts */
  operations?: (id: string) => boolean;
  /** called after every request with its outcome (progress reports, statistics); status undefined: no answer */
  onAnswer?: (outcome: { sent: number; index: number; request: FuzzRequest; status?: number }) => void;
}

/** A request that got a 5xx, or no answer although it was complete. */
export interface HttpFuzzFailure {
  index: number;
  operation: string;
  method: string;
  /** path and query as sent */
  target: string;
  /** undefined when no answer came */
  status?: number;
  /** the answer's first bytes, or why there was none */
  excerpt: string;
  /** the whole request, to reproduce it by hand: mutations, headers, body excerpt, seed and index */
  description: string;
}

export interface HttpFuzzResult {
  seed: number;
  /** requests sent (answered or not) */
  sent: number;
  /** answers by class: `2xx`, `4xx`, `5xx` …, plus `none` for requests without an answer */
  byClass: Record<string, number>;
  /** answers by exact status */
  byStatus: Record<string, number>;
  /** every 5xx */
  serverErrors: HttpFuzzFailure[];
  /** complete requests that got no answer at all (timeouts, resets) */
  unanswered: HttpFuzzFailure[];
  /** requests the client itself refused to send (counted in `sent`, not a server fault) */
  notSent: number;
  durationMs: number;
}

const CHUNK = 64;
const MAX_LISTED = 200;

function chunkSeed(seed: number, chunk: number): number {
  return (Math.imul(chunk + 1, 0x9e3779b1) ^ seed) | 0;
}

/** The requests `from` … `from + count - 1` of a run with this seed (as runHttpFuzz sends them). */
export function fuzzRequestsAt(context: RequestContext, seed: number, from: number, count: number): FuzzRequest[] {
  const arbitrary = fuzzRequests(context);
  const out: FuzzRequest[] = [];
  for (let chunk = Math.floor(from / CHUNK); out.length < count; chunk += 1) {
    const requests = fc.sample(arbitrary, { seed: chunkSeed(seed, chunk), numRuns: CHUNK });
    for (let offset = 0; offset < CHUNK; offset += 1) {
      const index = chunk * CHUNK + offset;
      if (index >= from && out.length < count) out.push(requests[offset]);
    }
  }
  return out;
}

function describe(request: FuzzRequest, seed: number, index: number): string {
  const body = request.body ? JSON.stringify(request.body.toString('utf8').slice(0, 400)) : 'none';
  const headers = JSON.stringify(request.headers, (_key, value: unknown) =>
    typeof value === 'string' && value.length > 200 ? `${value.slice(0, 50)}…(${value.length} chars)` : value,
  );
  return [
    `${request.method} ${request.target.length > 300 ? `${request.target.slice(0, 300)}…` : request.target} (${request.operation})`,
    `mutations: ${request.mutations.join('; ') || 'none'}`,
    `headers: ${headers}`,
    `body (${request.body?.length ?? 0} bytes): ${body}`,
    ...(request.raw ? [`raw bytes: ${JSON.stringify(request.raw.toString('latin1').slice(0, 400))}`] : []),
    `reproduce: seed ${seed}, request #${index} (fuzzRequestsAt(context, ${seed}, ${index}, 1))`,
  ].join('\n  ');
}

export function fuzzContext(options: HttpFuzzOptions, operations: FuzzOperation[] = loadFuzzOperations()): RequestContext {
  return {
    operations: options.operations ? operations.filter((operation) => options.operations!(operation.id)) : operations,
    known: options.known ?? {},
    adminToken: options.adminToken,
    ocpiTokens: options.ocpiTokens ?? [],
    keepPartyIds: options.keepPartyIds ?? [],
    callbackUrl: options.callbackUrl ?? 'http://127.0.0.1:9/fuzz-callback',
  };
}

export async function runHttpFuzz(options: HttpFuzzOptions): Promise<HttpFuzzResult> {
  const target = loopbackTarget(options.baseUrl);
  if (options.callbackUrl) loopbackTarget(options.callbackUrl);
  const seed = options.seed ?? (Math.random() * 2 ** 31) | 0;
  const numRuns = options.numRuns ?? (options.durationMs === undefined ? 1000 : Number.POSITIVE_INFINITY);
  const concurrency = Math.max(1, options.concurrency ?? 4);
  const started = Date.now();
  const deadline = options.durationMs === undefined ? Number.POSITIVE_INFINITY : started + options.durationMs;
  const context = fuzzContext(options);
  const arbitrary = fuzzRequests(context);
  const sender = new Sender(target, concurrency, options.requestTimeoutMs ?? 15_000);
  const result: HttpFuzzResult = { seed, sent: 0, byClass: {}, byStatus: {}, serverErrors: [], unanswered: [], notSent: 0, durationMs: 0 };

  let chunkIndex = -1;
  let chunk: FuzzRequest[] = [];
  let next = 0;
  const take = (): { index: number; request: FuzzRequest } => {
    const index = next;
    next += 1;
    const wanted = Math.floor(index / CHUNK);
    if (wanted !== chunkIndex) {
      chunk = fc.sample(arbitrary, { seed: chunkSeed(seed, wanted), numRuns: CHUNK });
      chunkIndex = wanted;
    }
    return { index, request: chunk[index % CHUNK] };
  };

  const worker = async () => {
    while (next < numRuns && Date.now() < deadline) {
      const { index, request } = take();
      const answer = await sender.send(request);
      result.sent += 1;
      const statusClass = answer.status === undefined ? 'none' : `${Math.floor(answer.status / 100)}xx`;
      result.byClass[statusClass] = (result.byClass[statusClass] ?? 0) + 1;
      if (answer.status !== undefined) result.byStatus[answer.status] = (result.byStatus[answer.status] ?? 0) + 1;
      const failure = (): HttpFuzzFailure => ({
        index,
        operation: request.operation,
        method: request.method,
        target: request.target,
        status: answer.status,
        excerpt: answer.error && answer.status === undefined ? answer.error : answer.excerpt,
        description: describe(request, seed, index),
      });
      if (answer.error?.startsWith('not sent')) result.notSent += 1;
      else if (answer.status !== undefined && answer.status >= 500) {
        if (result.serverErrors.length < MAX_LISTED) result.serverErrors.push(failure());
      } else if (answer.status === undefined && request.expectsAnswer && result.unanswered.length < MAX_LISTED) {
        result.unanswered.push(failure());
      }
      options.onAnswer?.({ sent: result.sent, index, request, status: answer.status });
    }
  };
  try {
    await Promise.all(Array.from({ length: concurrency }, worker));
  } finally {
    sender.close();
  }
  result.durationMs = Date.now() - started;
  return result;
}
