/**
 * Requests derived from the OpenAPI operations: for each operation, arbitraries for its path parameters, query,
 * headers, Authorization and JSON body that conform to the document, and then (most of the time) one or two
 * hostile changes: a path segment, query value, body field, the whole body, a header, the credential, the method,
 * the path's shape, or the bytes on the wire. Each request says what was done to it.
 */
import fc from 'fast-check';
import { bodyMutations, hostileStructures, invalidJsonBodies, jsonText, mutateJson, type BodyMutation, type Labelled } from './http-hostile.js';
import type { FuzzOperation } from './http-operations.js';
import { schemaValues, type SchemaContext } from './http-schema.js';
import { brokenAuthorization, contentTypes, hostileEncoded, hostileHeaders, labelled, percentEncode, wireDamage, type WireDamage } from './http-wire.js';

export interface FuzzRequest {
  /** the operation it was derived from, e.g. `admin setToken` */
  operation: string;
  method: string;
  /** path and query as on the request line (already percent-encoded, or deliberately not) */
  target: string;
  headers: Record<string, string>;
  body?: Buffer;
  /** what was done to the conforming request, e.g. `body.uid := NUL`; empty for a conforming request */
  mutations: string[];
  /** set for wire-level damage: the exact bytes written on a fresh connection */
  raw?: Buffer;
  /** false when the bytes leave the server waiting for more; no answer is then no fault */
  expectsAnswer: boolean;
}

export interface RequestContext {
  operations: FuzzOperation[];
  known: Readonly<Record<string, readonly string[]>>;
  adminToken?: string;
  /** credentials tokens of registered OCPI parties; the first is never used to change or drop its own credentials */
  ocpiTokens: readonly string[];
  /** admin party ids the fuzz must not unregister (the first OCPI token's party) */
  keepPartyIds: readonly number[];
  callbackUrl: string;
}

type Mutation =
  | { kind: 'path'; index: number; value: Labelled<string> }
  | { kind: 'query'; index: number; value: Labelled<string>; extra: boolean }
  | { kind: 'body'; choice: number; mutation: BodyMutation }
  | { kind: 'whole-body'; body: Labelled<string>; contentType: Labelled<string | undefined> }
  | { kind: 'auth'; value: Labelled<string | undefined> }
  | { kind: 'header'; value: Labelled<Record<string, string>> }
  | { kind: 'method'; method: string }
  | { kind: 'shape'; shape: string }
  | { kind: 'wire'; damage: WireDamage };

const SHAPES = ['trailing slash', 'double slash', 'extra segment', 'dot segments', 'encoded slash in a segment', 'long path', 'query junk'];

function mutations(context: RequestContext): fc.Arbitrary<Mutation> {
  return fc.oneof(
    { weight: 3, arbitrary: fc.record({ kind: fc.constant('path' as const), index: fc.nat(), value: hostileEncoded }) },
    { weight: 3, arbitrary: fc.record({ kind: fc.constant('query' as const), index: fc.nat(), value: hostileEncoded, extra: fc.boolean() }) },
    { weight: 6, arbitrary: fc.record({ kind: fc.constant('body' as const), choice: fc.nat(), mutation: bodyMutations }) },
    {
      weight: 2,
      arbitrary: fc.record({
        kind: fc.constant('whole-body' as const),
        body: fc.oneof(
          { weight: 4, arbitrary: invalidJsonBodies },
          { weight: 2, arbitrary: hostileStructures.map((hostile) => labelled(`body := ${hostile.label}`, jsonText(hostile.value))) },
          { weight: 1, arbitrary: fc.constant(labelled('empty body', '')) },
          { weight: 1, arbitrary: fc.constant(labelled('body over 1 MiB', `{"a":"${'x'.repeat(1024 * 1024)}"}`)) },
        ),
        contentType: fc.oneof({ weight: 4, arbitrary: fc.constant(labelled('JSON', 'application/json')) }, { weight: 1, arbitrary: contentTypes }),
      }),
    },
    { weight: 3, arbitrary: fc.record({ kind: fc.constant('auth' as const), value: brokenAuthorization([...context.ocpiTokens], context.adminToken) }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('header' as const), value: hostileHeaders }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('method' as const), method: fc.constantFrom('GET', 'PUT', 'POST', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS') }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('shape' as const), shape: fc.constantFrom(...SHAPES) }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('wire' as const), damage: wireDamage }) },
  );
}

/** POST, PUT or DELETE on Anode's credentials endpoint (the eMSP document's credentials path lands there too). */
const changesCredentials = (operation: FuzzOperation) => operation.method !== 'GET' && /^\/ocpi\/2\.2\.1\/credentials$/.test(operation.template);

/** The Authorization a well-behaved caller of this operation sends; never lets the first OCPI token drop itself. */
function validAuthorization(operation: FuzzOperation, context: RequestContext, pick: number): string | undefined {
  if (operation.wing === 'admin') return context.adminToken ? `Bearer ${context.adminToken}` : undefined;
  if (operation.wing !== 'ocpi' || context.ocpiTokens.length === 0) return undefined;
  const usable = changesCredentials(operation) ? context.ocpiTokens.slice(1) : context.ocpiTokens;
  if (usable.length === 0) return 'Token bm8tc3VjaC10b2tlbg==';
  // Mostly the first token: the others may have been re-keyed or unregistered by earlier requests.
  const token = usable === context.ocpiTokens && pick % 4 !== 0 ? usable[0] : usable[pick % usable.length];
  return `Token ${Buffer.from(token).toString('base64')}`;
}

function shapePath(path: string, shape: string): string {
  switch (shape) {
    case 'trailing slash':
      return `${path}/`;
    case 'double slash':
      return path.replace(/\/([^/]*)$/, '//$1');
    case 'extra segment':
      return `${path}/extra`;
    case 'dot segments':
      return `${path}/../..${path}`;
    case 'encoded slash in a segment':
      return `${path}%2Fx`;
    case 'long path':
      return `${path}/${'a'.repeat(8000)}`;
    default:
      return `${path}?&&=&%=%&a[]=1&a[]=2`;
  }
}

function operationRequests(operation: FuzzOperation, context: RequestContext): fc.Arbitrary<FuzzRequest> {
  const schemaContext: SchemaContext = { document: operation.document, known: context.known, callbackUrl: context.callbackUrl };
  const pathParameters = operation.parameters.filter((parameter) => parameter.in === 'path');
  const queryParameters = operation.parameters.filter((parameter) => parameter.in === 'query');
  const headerParameters = operation.parameters.filter((parameter) => parameter.in === 'header' && !/^authorization$/i.test(parameter.name));
  const values = (parameters: typeof pathParameters, requiredOnly: boolean) =>
    fc.record(Object.fromEntries(parameters.map((parameter) => [parameter.name, schemaValues(parameter.schema, schemaContext, parameter.name)])), {
      requiredKeys: requiredOnly ? parameters.filter((parameter) => parameter.required).map((parameter) => parameter.name) : parameters.map((parameter) => parameter.name),
    });
  return fc
    .record({
      path: values(pathParameters, false),
      query: values(queryParameters, true),
      headers: values(headerParameters, true),
      body: operation.body ? schemaValues(operation.body, schemaContext) : fc.constant(undefined),
      pick: fc.nat(),
      changes: fc.oneof({ weight: 1, arbitrary: fc.constant([] as Mutation[]) }, { weight: 3, arbitrary: fc.array(mutations(context), { minLength: 1, maxLength: 2 }) }),
    })
    .map(({ path, query, headers, body, pick, changes }) => build(operation, context, { path, query, headers, body, pick }, changes));
}

interface Conforming {
  path: Record<string, unknown>;
  query: Record<string, unknown>;
  headers: Record<string, unknown>;
  body: unknown;
  pick: number;
}

function build(operation: FuzzOperation, context: RequestContext, values: Conforming, changes: Mutation[]): FuzzRequest {
  const labels: string[] = [];
  const segments = Object.fromEntries(Object.entries(values.path).map(([name, value]) => [name, percentEncode(String(value))]));
  const query: Array<[string, string]> = Object.entries(values.query)
    .filter(([, value]) => value !== undefined)
    .map(([name, value]) => [name, percentEncode(String(value))]);
  const headers: Record<string, string> = Object.fromEntries(Object.entries(values.headers).map(([name, value]) => [name, sendable(String(value))]));
  const authorization = validAuthorization(operation, context, values.pick);
  if (authorization !== undefined) headers.Authorization = authorization;
  let method = operation.method;
  let body: string | undefined = operation.body ? jsonText(values.body) : undefined;
  let contentType: string | undefined = operation.body ? 'application/json' : undefined;
  let shape: string | undefined;
  let damage: WireDamage | undefined;
  for (const change of changes) {
    switch (change.kind) {
      case 'path': {
        const names = Object.keys(segments);
        if (names.length === 0) continue;
        const name = names[change.index % names.length];
        segments[name] = change.value.value;
        labels.push(`path.${name} := ${change.value.label}`);
        break;
      }
      case 'query': {
        const names = queryParametersOf(operation);
        const name = change.extra || names.length === 0 ? 'fuzz' : names[change.index % names.length];
        // Replaces the parameter (the server reads the first value of a repeated one).
        const at = query.findIndex(([existing]) => existing === name);
        if (at >= 0) query[at] = [name, change.value.value];
        else query.push([name, change.value.value]);
        labels.push(`query.${name} := ${change.value.label}`);
        break;
      }
      case 'body': {
        if (!operation.body) continue;
        const mutated = mutateJson(values.body, change.choice, change.mutation);
        body = jsonText(mutated.value);
        labels.push(mutated.label);
        break;
      }
      case 'whole-body':
        body = change.body.value;
        contentType = change.contentType.value;
        labels.push(change.body.label, `Content-Type: ${change.contentType.label}`);
        break;
      case 'auth':
        if (change.value.value === undefined) delete headers.Authorization;
        else headers.Authorization = change.value.value;
        labels.push(change.value.label);
        break;
      case 'header':
        Object.assign(headers, change.value.value);
        labels.push(change.value.label);
        break;
      case 'method':
        method = change.method;
        labels.push(`method ${change.method}`);
        break;
      case 'shape':
        shape = change.shape;
        labels.push(`path shape: ${change.shape}`);
        break;
      case 'wire':
        damage = change.damage;
        labels.push(`wire: ${change.damage.label}`);
        break;
    }
  }
  let path = operation.template.replace(/\{([^}]+)\}/g, (_, name: string) => segments[name] ?? '');
  if (shape) path = shapePath(path, shape);
  path = keepAccess(context, method, path, headers);
  const target = query.length > 0 ? `${path}${path.includes('?') ? '&' : '?'}${query.map(([name, value]) => `${name}=${value}`).join('&')}` : path;
  if (contentType !== undefined) headers['Content-Type'] = contentType;
  const bytes = body === undefined ? undefined : Buffer.from(body, 'utf8');
  // Node's server answers a head over 16 KB with 431 and closes at once, often before the client is done writing.
  const headBytes = target.length + Object.entries(headers).reduce((sum, [name, value]) => sum + name.length + value.length + 4, 0);
  // Junk in the framing headers makes Node's server answer 400 and close, maybe while the body is still being sent.
  // So does a raw non-ASCII byte in the request target.
  const framing = Object.keys(headers).some((name) => /^(content-length|transfer-encoding)$/i.test(name)) || (/[^\x21-\x7e]/.test(target) && body !== undefined);
  const request: FuzzRequest = { operation: operation.id, method, target, headers, body: bytes, mutations: labels, expectsAnswer: headBytes < 15_000 && !framing };
  if (damage) {
    request.raw = damage.apply({ method, target, headers, body: bytes ?? Buffer.alloc(0) });
    request.expectsAnswer = damage.expectsAnswer && request.expectsAnswer && request.raw.length < 15_000;
  }
  return request;
}

/**
 * The fuzz must keep one way in: the first OCPI token never changes or drops its own credentials, and the parties
 * in keepPartyIds are never unregistered, whatever method or path a mutation ended up with. Returns the path to use.
 */
function keepAccess(context: RequestContext, method: string, path: string, headers: Record<string, string>): string {
  const keeper = context.ocpiTokens[0];
  if (keeper !== undefined && method !== 'GET' && /^\/ocpi\/2\.2\.1\/+credentials\/*$/i.test(path.split('?')[0])) {
    const authorization = headers.Authorization ?? '';
    if (authorization.includes(Buffer.from(keeper).toString('base64')) || authorization.includes(keeper)) {
      headers.Authorization = context.ocpiTokens[1] ? `Token ${Buffer.from(context.ocpiTokens[1]).toString('base64')}` : 'Token bm8tc3VjaC10b2tlbg==';
    }
  }
  const party = /^\/api\/v0\/+ocpi\/+parties\/+([^/?]+)\/*(\?.*)?$/i.exec(path);
  if (method === 'DELETE' && party && context.keepPartyIds.some((id) => safeDecode(party[1]).trim() === String(id))) {
    return path.replace(party[1], '2147483647');
  }
  return path;
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** A header value an HTTP client may send (Latin-1 without control characters); wire damage covers the rest. */
function sendable(value: string): string {
  return value.replace(/[^\t\x20-\x7e\x80-\xff]/g, '?');
}

function queryParametersOf(operation: FuzzOperation): string[] {
  return operation.parameters.filter((parameter) => parameter.in === 'query').map((parameter) => parameter.name);
}

/** One arbitrary over every operation; operations Anode serves are picked four times as often as foreign ones. */
export function fuzzRequests(context: RequestContext): fc.Arbitrary<FuzzRequest> {
  return fc.oneof(
    ...context.operations.map((operation) => ({ arbitrary: operationRequests(operation, context), weight: operation.served ? 4 : 1 })),
  );
}
