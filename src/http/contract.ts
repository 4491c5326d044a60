/**
 * Contract glue: mounts the operations of a bundled OpenAPI document on a Hono app. Each operation's handler is
 * typed from the generated `operations` type, so a missing operation, a status the document does not declare, or a
 * body of the wrong shape is a compile error; requests are validated against the same document at run time.
 */
import { readFileSync } from 'node:fs';
import type { Context, Env, Hono } from 'hono';
import type { BlankEnv } from 'hono/types';
import { ContractViolation, HttpError } from './errors.js';
import { SchemaCompiler, describeErrors, type JsonSchema, type Validator } from './contract-validation.js';
import { findUnstorable, unstorableText } from '../db/storable.js';

// ---------- compile-time side: handler types derived from openapi-typescript's `operations` ----------

type JsonBody<T> = T extends { content: { 'application/json': infer B } } ? B : undefined;
/** A response declared as `application/octet-stream` carries bytes. */
type BinaryBody<T> = T extends { content: { 'application/octet-stream': unknown } } ? Uint8Array : undefined;
type Section<Op, K extends string> = Op extends { parameters: infer P }
  ? K extends keyof P
    ? NonNullable<P[K]> extends never
      ? Record<string, never>
      : NonNullable<P[K]>
    : Record<string, never>
  : Record<string, never>;
type RequestBody<Op> = Op extends { requestBody: infer R }
  ? JsonBody<R>
  : Op extends { requestBody?: infer R }
    ? JsonBody<NonNullable<R>> | undefined
    : undefined;
type Responses<Op> = Op extends { responses: infer R } ? R : never;

export interface OperationInput<Op, E extends Env = BlankEnv> {
  path: Section<Op, 'path'>;
  query: Section<Op, 'query'>;
  body: RequestBody<Op>;
  context: Context<E>;
}

type ResultFor<R, S extends keyof R> =
  JsonBody<R[S]> extends undefined
    ? BinaryBody<R[S]> extends undefined
      ? { status: S; body?: undefined; headers?: Record<string, string> }
      : { status: S; body: Uint8Array; headers?: Record<string, string> }
    : { status: S; body: JsonBody<R[S]>; headers?: Record<string, string> };

/** One of the responses the document declares for the operation, with its exact body type. */
export type OperationResult<Op> = {
  [S in Extract<keyof Responses<Op>, number>]: ResultFor<Responses<Op>, S>;
}[Extract<keyof Responses<Op>, number>];

export type OperationHandlers<Operations, E extends Env = BlankEnv> = {
  [Id in keyof Operations]: (input: OperationInput<Operations[Id], E>) => Promise<OperationResult<Operations[Id]>>;
};

// ---------- run-time side ----------

interface ParameterObject {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required?: boolean;
  schema?: JsonSchema;
}
type ResponseObject = { content?: Record<string, { schema?: JsonSchema }> };
interface OperationObject {
  operationId: string;
  parameters?: Array<ParameterObject | { $ref: string }>;
  requestBody?: { required?: boolean; content?: Record<string, { schema?: JsonSchema }> } | { $ref: string };
  responses?: Record<string, ResponseObject | { $ref: string }>;
}
export interface OpenApiDocument {
  openapi: string;
  info: { title: string; version: string };
  servers?: Array<{ url: string }>;
  paths: Record<string, Record<string, unknown>>;
  components?: { schemas?: Record<string, JsonSchema>; parameters?: Record<string, ParameterObject> } & Record<
    string,
    unknown
  >;
}

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'] as const;
const MAX_BODY_BYTES = 1024 * 1024;

const bundledDocuments = new Map<string, OpenApiDocument>();

/** A bundled document from generated/openapi, read once per process (the docs page and the router share it). */
export function loadBundledDocument(name: string): OpenApiDocument {
  let document = bundledDocuments.get(name);
  if (!document) {
    const url = new URL(`../../generated/openapi/${name}.json`, import.meta.url);
    document = JSON.parse(readFileSync(url, 'utf8')) as OpenApiDocument;
    bundledDocuments.set(name, document);
  }
  return document;
}

function resolveRef<T>(document: OpenApiDocument, value: T | { $ref: string }): T {
  if (value && typeof value === 'object' && '$ref' in value) {
    const path = value.$ref.replace(/^#\//, '').split('/');
    let target: unknown = document;
    for (const segment of path) target = (target as Record<string, unknown>)[segment];
    if (target === undefined) throw new Error(`unresolved $ref ${value.$ref}`);
    return resolveRef(document, target as T | { $ref: string });
  }
  return value as T;
}

/** Query and path values arrive as strings; turn them into what the parameter's schema says they are. */
function coerce(raw: string, schema: JsonSchema | undefined, document: OpenApiDocument): unknown {
  const resolved = schema ? resolveRef<JsonSchema>(document, schema) : undefined;
  const type = resolved?.type;
  if ((type === 'integer' || type === 'number') && /^-?\d+(\.\d+)?$/.test(raw)) return Number(raw);
  if (type === 'boolean' && (raw === 'true' || raw === 'false')) return raw === 'true';
  return raw;
}

interface CompiledParameters {
  parameters: ParameterObject[];
  validate: Validator;
}

function compileParameters(
  compiler: SchemaCompiler,
  document: OpenApiDocument,
  all: ParameterObject[],
  location: 'path' | 'query',
): CompiledParameters {
  const parameters = all.filter((parameter) => parameter.in === location);
  const schema: JsonSchema = {
    type: 'object',
    properties: Object.fromEntries(parameters.map((parameter) => [parameter.name, parameter.schema ?? {}])),
    required: parameters.filter((parameter) => parameter.required).map((parameter) => parameter.name),
  };
  return { parameters, validate: compiler.compile(schema) };
}

function readParameters(
  compiled: CompiledParameters,
  document: OpenApiDocument,
  read: (name: string) => string | undefined,
  location: string,
): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const parameter of compiled.parameters) {
    const raw = read(parameter.name);
    if (raw === undefined) continue;
    const problem = unstorableText(raw);
    if (problem) throw new ContractViolation(`${location}.${parameter.name} ${problem}`);
    values[parameter.name] = coerce(raw, parameter.schema, document);
  }
  if (!compiled.validate(values)) {
    throw new ContractViolation(describeErrors(location, compiled.validate.errors));
  }
  return values;
}

async function readJsonBody(context: Context): Promise<unknown> {
  const contentType = context.req.header('content-type') ?? '';
  if (!/^application\/([\w.+-]+\+)?json\b/i.test(contentType)) {
    throw new HttpError(415, 'Unsupported Media Type', 'the request body must be JSON (Content-Type: application/json)');
  }
  const declaredLength = Number(context.req.header('content-length') ?? 0);
  if (declaredLength > MAX_BODY_BYTES) {
    throw new HttpError(413, 'Payload Too Large', `the request body is larger than ${MAX_BODY_BYTES} bytes`);
  }
  let text: string;
  try {
    text = await context.req.text();
  } catch (error) {
    // The client went away (or broke the framing) before its body arrived: its fault, and nobody hears the answer.
    throw HttpError.badRequest(`the request body could not be read: ${(error as Error).message}`);
  }
  if (Buffer.byteLength(text) > MAX_BODY_BYTES) {
    throw new HttpError(413, 'Payload Too Large', `the request body is larger than ${MAX_BODY_BYTES} bytes`);
  }
  if (text.trim() === '') throw HttpError.badRequest('body is required');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw HttpError.badRequest(`body is not valid JSON: ${(error as Error).message}`);
  }
  const problem = findUnstorable(parsed, 'body');
  if (problem) throw new ContractViolation(problem);
  return parsed;
}

export interface MountOptions {
  /** Check every response against the document too (tests, development): a mismatch is a 500 and a log line. */
  validateResponses: boolean;
  onResponseMismatch?: (operationId: string, status: number, message: string) => void;
}

type AnyHandler<E extends Env> = (input: {
  path: Record<string, unknown>;
  query: Record<string, unknown>;
  body: unknown;
  context: Context<E>;
}) => Promise<{ status: number; body?: unknown; headers?: Record<string, string> }>;

/** Validators for every JSON response the operation declares, by status (`default` for the rest). */
function responseValidators(
  compiler: SchemaCompiler,
  document: OpenApiDocument,
  operation: OperationObject,
): Map<string, Validator> {
  const validators = new Map<string, Validator>();
  for (const [status, declared] of Object.entries(operation.responses ?? {})) {
    const response = resolveRef<ResponseObject>(document, declared);
    const schema = response.content?.['application/json']?.schema;
    if (schema) validators.set(status, compiler.compile(schema));
  }
  return validators;
}

/** Mounts every operation of `document` under `basePath`; throws at start-up when a handler is missing. */
export function mountOperations<Operations, E extends Env = BlankEnv>(
  app: Hono<E>,
  document: OpenApiDocument,
  basePath: string,
  handlers: OperationHandlers<Operations, E>,
  options: MountOptions,
): void {
  const documentId = `urn:anode:${document.info.title.toLowerCase().replace(/[^a-z0-9]+/g, "-")}`;
  const compiler = new SchemaCompiler(documentId, document.components?.schemas ?? {});
  // Each handler's input type is its own operation's; the router calls them all alike, with input it validated.
  const table = handlers as unknown as Record<string, AnyHandler<E>>;
  for (const [pathTemplate, pathItem] of Object.entries(document.paths)) {
    const shared = ((pathItem.parameters as ParameterObject[] | undefined) ?? []).map((parameter) =>
      resolveRef<ParameterObject>(document, parameter),
    );
    for (const method of METHODS) {
      const operation = pathItem[method] as OperationObject | undefined;
      if (!operation) continue;
      const handler = table[operation.operationId];
      if (!handler) throw new Error(`no handler for operation ${operation.operationId}`);
      const own = (operation.parameters ?? []).map((parameter) => resolveRef<ParameterObject>(document, parameter));
      const parameters = [...shared.filter((p) => !own.some((o) => o.name === p.name && o.in === p.in)), ...own];
      const pathParameters = compileParameters(compiler, document, parameters, 'path');
      const queryParameters = compileParameters(compiler, document, parameters, 'query');
      const body = operation.requestBody
        ? resolveRef<{ required?: boolean; content?: Record<string, { schema?: JsonSchema }> }>(
            document,
            operation.requestBody,
          )
        : undefined;
      const bodySchema = body?.content?.['application/json']?.schema;
      const validateBody = bodySchema ? compiler.compile(bodySchema) : undefined;
      // Compiled now, so that a schema Ajv cannot compile stops the start rather than a request.
      const validateResponse = options.validateResponses ? responseValidators(compiler, document, operation) : new Map();
      const honoPath = basePath.replace(/\/$/, '') + pathTemplate.replace(/\{([^}]+)\}/g, ':$1');

      app.on(method.toUpperCase(), honoPath, async (context) => {
        const path = readParameters(pathParameters, document, (name) => context.req.param(name), 'path');
        const query = readParameters(queryParameters, document, (name) => context.req.query(name), 'query');
        let parsedBody: unknown;
        if (validateBody) {
          parsedBody = await readJsonBody(context);
          if (!validateBody(parsedBody)) throw new ContractViolation(describeErrors('body', validateBody.errors));
        }
        const result = await handler({ path, query, body: parsedBody, context });
        if (result.body instanceof Uint8Array) {
          for (const [name, value] of Object.entries(result.headers ?? {})) context.header(name, value);
          // Node's Buffers are typed over any ArrayBufferLike; Hono takes ArrayBuffer-backed bytes, which they are here.
          return context.body(result.body as Uint8Array<ArrayBuffer>, result.status as 200, { 'Content-Type': 'application/octet-stream' });
        }
        if (options.validateResponses && result.body !== undefined) {
          const validate = validateResponse.get(String(result.status)) ?? validateResponse.get('default');
          if (validate && !validate(result.body)) {
            const message = describeErrors('response', validate.errors);
            options.onResponseMismatch?.(operation.operationId, result.status, message);
            throw new HttpError(500, 'Internal Server Error', `response does not match the contract: ${message}`);
          }
        }
        for (const [name, value] of Object.entries(result.headers ?? {})) context.header(name, value);
        if (result.body === undefined) return context.body(null, result.status as 200);
        return context.json(result.body as object, result.status as 200);
      });
    }
  }
}
