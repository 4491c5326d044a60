/**
 * The operations an HTTP fuzz derives requests from: every operation of the bundled OpenAPI documents Anode serves
 * (admin, system, OCPI 2.2.1 CPO), plus the OCPI eMSP document's operations sent to Anode's OCPI base (paths Anode
 * does not serve, or serves with other methods: they must be 404s, never faults).
 */
import { loadBundledDocument, type OpenApiDocument } from '../src/http/contract.js';

export type Schema = Record<string, unknown>;

/** Which API an operation belongs to: it decides the Authorization header's scheme and the error shape. */
export type Wing = 'admin' | 'ocpi' | 'system';

export interface FuzzParameter {
  name: string;
  in: 'path' | 'query' | 'header';
  required: boolean;
  schema: Schema;
}

export interface FuzzOperation {
  /** `<document> <operationId>`, e.g. `admin setToken` */
  id: string;
  wing: Wing;
  document: OpenApiDocument;
  method: string;
  /** the path template under the server root, e.g. `/api/v0/cs/{csId}` */
  template: string;
  parameters: FuzzParameter[];
  /** the JSON request body's schema, when the operation takes one */
  body?: Schema;
  bodyRequired: boolean;
  /** served by Anode (false: an eMSP operation sent to Anode's OCPI base) */
  served: boolean;
}

const METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;

/** The documents and where their paths live on Anode (the eMSP document's own server URL is a placeholder). */
const SOURCES: Array<{ name: string; wing: Wing; base?: string; served: boolean }> = [
  { name: 'admin', wing: 'admin', served: true },
  { name: 'system', wing: 'system', served: true },
  { name: 'ocpi-2.2.1-cpo', wing: 'ocpi', served: true },
  { name: 'ocpi-2.2.1-emsp', wing: 'ocpi', base: '/ocpi/2.2.1', served: false },
];

/** Follows `$ref`s inside the document (`#/components/...`). */
export function resolve<T = Schema>(document: OpenApiDocument, value: unknown): T {
  let current = value;
  for (let hops = 0; hops < 20 && current && typeof current === 'object' && '$ref' in current; hops += 1) {
    const path = String((current as { $ref: string }).$ref).replace(/^#\//, '').split('/');
    current = path.reduce<unknown>((node, segment) => (node as Record<string, unknown>)?.[segment], document);
  }
  return current as T;
}

function basePath(document: OpenApiDocument, override: string | undefined): string {
  return (override ?? document.servers?.[0]?.url ?? '').replace(/\/$/, '');
}

export function loadFuzzOperations(): FuzzOperation[] {
  const operations: FuzzOperation[] = [];
  for (const source of SOURCES) {
    const document = loadBundledDocument(source.name);
    const base = basePath(document, source.base);
    for (const [template, item] of Object.entries(document.paths)) {
      const shared = ((item.parameters as unknown[]) ?? []).map((parameter) => resolve<FuzzParameter>(document, parameter));
      for (const method of METHODS) {
        const operation = item[method] as
          | { operationId: string; parameters?: unknown[]; requestBody?: unknown }
          | undefined;
        if (!operation) continue;
        const own = (operation.parameters ?? []).map((parameter) => resolve<FuzzParameter>(document, parameter));
        const parameters = [...shared.filter((p) => !own.some((o) => o.name === p.name && o.in === p.in)), ...own]
          .filter((parameter) => ['path', 'query', 'header'].includes(parameter.in))
          .map((parameter) => ({
            name: parameter.name,
            in: parameter.in,
            required: Boolean(parameter.required),
            schema: resolve(document, parameter.schema ?? {}),
          }));
        const requestBody = operation.requestBody
          ? resolve<{ required?: boolean; content?: Record<string, { schema?: Schema }> }>(document, operation.requestBody)
          : undefined;
        operations.push({
          id: `${source.name} ${operation.operationId}`,
          wing: source.wing,
          document,
          method: method.toUpperCase(),
          template: `${base}${template}`,
          parameters,
          body: requestBody?.content?.['application/json']?.schema,
          bodyRequired: Boolean(requestBody?.required),
          served: source.served,
        });
      }
    }
  }
  return operations;
}
