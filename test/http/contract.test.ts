import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { mountOperations, type OpenApiDocument } from '../../src/http/contract.js';
import { SchemaCompiler, describeErrors } from '../../src/http/contract-validation.js';
import { HttpError } from '../../src/http/errors.js';

/** A tiny document to exercise the glue on its own. */
const document: OpenApiDocument = {
  openapi: '3.1.0',
  info: { title: 'glue test', version: '1' },
  paths: {
    '/things/{id}': {
      parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'integer', minimum: 1 } }],
      get: {
        operationId: 'getThing',
        parameters: [{ name: 'verbose', in: 'query', schema: { type: 'boolean' } }],
        responses: {
          '200': { description: 'ok', content: { 'application/json': { schema: { $ref: '#/components/schemas/Thing' } } } },
        },
      },
    },
  },
  components: {
    schemas: {
      Thing: {
        type: 'object',
        additionalProperties: false,
        required: ['id', 'verbose'],
        properties: { id: { type: 'integer' }, verbose: { type: 'boolean' } },
      },
    },
  },
};

type Operations = {
  getThing: {
    parameters: { path: { id: number }; query?: { verbose?: boolean } };
    requestBody?: never;
    responses: { 200: { content: { 'application/json': { id: number; verbose: boolean } } } };
  };
};

function appWith(result: (id: number, verbose: boolean) => unknown): Hono {
  const app = new Hono();
  mountOperations<Operations>(
    app,
    document,
    '/v1',
    {
      getThing: async ({ path, query }) =>
        ({ status: 200, body: result(path.id, query.verbose ?? false) }) as { status: 200; body: { id: number; verbose: boolean } },
    },
    { validateResponses: true },
  );
  app.onError((error, c) => {
    const status = error instanceof HttpError ? error.status : 500;
    return c.json({ error: error.message }, status as 400);
  });
  return app;
}

describe('contract glue: parameters are coerced and validated from the document', () => {
  it('turns path and query strings into the declared integer and boolean', async () => {
    const app = appWith((id, verbose) => ({ id, verbose }));
    const response = await app.request('/v1/things/7?verbose=true');
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ id: 7, verbose: true });
  });

  it('rejects a path parameter that breaks its schema, naming it', async () => {
    const app = appWith((id, verbose) => ({ id, verbose }));
    const zero = await app.request('/v1/things/0');
    expect(zero.status).toBe(400);
    expect(await zero.json()).toEqual({ error: 'path.id must be >= 1' });
    const word = await app.request('/v1/things/seven');
    expect(await word.json()).toEqual({ error: 'path.id must be integer' });
    const flag = await app.request('/v1/things/1?verbose=maybe');
    expect(await flag.json()).toEqual({ error: 'query.verbose must be boolean' });
  });
});

describe('contract glue: responses are checked against the document when asked', () => {
  it('a handler answering outside its contract is a 500, not a silent drift', async () => {
    const app = appWith((id) => ({ id, verbose: 'no', extra: 1 }));
    const response = await app.request('/v1/things/3');
    expect(response.status).toBe(500);
    expect(((await response.json()) as { error: string }).error).toContain('response does not match the contract');
  });
});

describe('contract glue: a missing handler is found at start-up', () => {
  it('throws naming the operation', () => {
    expect(() => mountOperations<Operations>(new Hono(), document, '', {} as never, { validateResponses: false })).toThrow(
      'no handler for operation getThing',
    );
  });
});

describe('contract glue: a large invalid body is refused without describing every error', () => {
  const compiler = new SchemaCompiler('https://anode.invalid/test.json', {
    Entry: { type: 'object', additionalProperties: false, required: ['id'], properties: { id: { type: 'string' } } },
  });
  const validate = compiler.compile({
    type: 'object',
    properties: { entries: { type: 'array', maxItems: 100, items: { oneOf: [{ $ref: '#/components/schemas/Entry' }] } } },
  });

  it('a small body that fails is described field by field', () => {
    expect(validate({ entries: [1, 2, 3] })).toBe(false);
    expect(describeErrors('body', validate.errors)).toBe('body.entries[0] must be object; body.entries[1] must be object; body.entries[2] must be object');
  });

  it('a body of tens of thousands of wrong values is refused with its first error (every error costs quadratic time)', () => {
    expect(validate({ entries: Array.from({ length: 50_000 }, (_, index) => index) })).toBe(false);
    expect(validate.errors!.length).toBeLessThanOrEqual(2);
    expect(describeErrors('body', validate.errors)).toMatch(/^body\.entries/);
  });

  it('a body that holds passes either way', () => {
    expect(validate({ entries: [{ id: 'a' }] })).toBe(true);
    expect(validate.errors).toBeNull();
  });
});
