/**
 * A simulated eMSP: its own OCPI endpoints on a loopback HTTP server, and the generated CPO client (what a partner
 * integrates with) to talk to Anode. Every successful answer from Anode is checked against the independent OCPI
 * schemas in ../shared/ocpi-2.2.1/schemas.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import { Ajv } from 'ajv';
import addFormatsPlugin from 'ajv-formats';
import { Hono } from 'hono';
import { createAdminClient } from '../../generated/admin-client.js';
import { createOcpiCpoClient } from '../../generated/ocpi-2.2.1-cpo-client.js';
import { requestIds } from '../../src/ocpi/modules/credentials.js';

const addFormats = addFormatsPlugin as unknown as typeof addFormatsPlugin.default;

const referenceDir = process.env.OCPI_REFERENCE_DIR ?? new URL('../../../shared/ocpi-2.2.1/', import.meta.url).pathname;
const oracle = new Ajv({ strict: false, allErrors: true });
addFormats(oracle);
const oracleCache = new Map<string, ReturnType<Ajv['compile']>>();
/** The independent schema `ocpi.2_2_1.<name>.json` (an answer's schema is named `<x>.response`). */
function oracleValidator(name: string) {
  let validate = oracleCache.get(name);
  if (!validate) {
    validate = oracle.compile(JSON.parse(readFileSync(`${referenceDir}/schemas/ocpi.2_2_1.${name}.json`, 'utf8')));
    oracleCache.set(name, validate);
  }
  return validate;
}

/** Which independent schema judges what Anode pushes to the eMSP's receiver endpoints. */
function pushOracleFor(method: string, path: string): string | undefined {
  const rules: Array<[string, RegExp, string]> = [
    ['PUT', /^\/ocpi\/2\.2\.1\/locations\/[^/]+\/[^/]+\/[^/]+$/, 'location'],
    ['PATCH', /^\/ocpi\/2\.2\.1\/locations\/[^/]+\/[^/]+\/[^/]+$/, 'location.partial'],
    ['PUT', /^\/ocpi\/2\.2\.1\/locations\/[^/]+\/[^/]+\/[^/]+\/[^/]+$/, 'evse'],
    ['PATCH', /^\/ocpi\/2\.2\.1\/locations\/[^/]+\/[^/]+\/[^/]+\/[^/]+$/, 'evse.partial'],
    ['PUT', /^\/ocpi\/2\.2\.1\/sessions\/[^/]+\/[^/]+\/[^/]+$/, 'session'],
    ['PATCH', /^\/ocpi\/2\.2\.1\/sessions\/[^/]+\/[^/]+\/[^/]+$/, 'session.partial'],
    ['POST', /^\/ocpi\/2\.2\.1\/cdrs$/, 'cdr'],
    ['PUT', /^\/ocpi\/2\.2\.1\/tariffs\/[^/]+\/[^/]+\/[^/]+$/, 'tariff'],
    ['PUT', /^\/ocpi\/2\.2\.1\/chargingprofiles\/[^/]+$/, 'chargingprofiles.active'],
  ];
  return rules.find(([verb, pattern]) => verb === method && pattern.test(path))?.[2];
}

/** Which independent schema judges a successful answer, by Anode's path. */
function oracleFor(method: string, path: string): string | undefined {
  if (method !== 'GET') return path.endsWith('/credentials') && method !== 'DELETE' ? 'credentials' : undefined;
  const rules: Array<[RegExp, string]> = [
    [/^\/ocpi\/versions$/, 'versions'],
    [/^\/ocpi\/2\.2\.1$/, 'version_details'],
    [/^\/ocpi\/2\.2\.1\/credentials$/, 'credentials'],
    [/^\/ocpi\/2\.2\.1\/locations$/, 'locations'],
    [/^\/ocpi\/2\.2\.1\/locations\/[^/]+$/, 'location'],
    [/^\/ocpi\/2\.2\.1\/locations\/[^/]+\/[^/]+$/, 'evse'],
    [/^\/ocpi\/2\.2\.1\/locations\/[^/]+\/[^/]+\/[^/]+$/, 'connector'],
    [/^\/ocpi\/2\.2\.1\/tariffs$/, 'tariffs'],
    [/^\/ocpi\/2\.2\.1\/sessions$/, 'sessions'],
    [/^\/ocpi\/2\.2\.1\/cdrs$/, 'cdrs'],
    [/^\/ocpi\/2\.2\.1\/tokens\/[^/]+\/[^/]+$/, 'tokens'],
    [/^\/ocpi\/2\.2\.1\/tokens\/[^/]+\/[^/]+\/[^/]+$/, 'token'],
    [/^\/ocpi\/2\.2\.1\/hubclientinfo\/[^/]+\/[^/]+$/, 'hubclientinfo'],
  ];
  return rules.find(([pattern]) => pattern.test(path))?.[1];
}

export interface OracleFinding {
  path: string;
  schema: string;
  errors: string;
}

type Answer = { status: number; body: unknown };

/** What the eMSP's own endpoints received, for assertions. */
export interface Received {
  method: string;
  path: string;
  authorization: string | undefined;
  headers: Record<string, string>;
  body: unknown;
}

/** An answer Anode gave to this eMSP's client, for assertions on its headers. */
export interface Answered {
  method: string;
  path: string;
  status: number;
  headers: Record<string, string>;
}

export interface SimulatedEmsp {
  url: string;
  versionsUrl: string;
  /** the token Anode must use to call this eMSP */
  tokenForAnode: string;
  received: Received[];
  /** what Anode answered the eMSP's clients, in order */
  answered: Answered[];
  findings: OracleFinding[];
  roles: Array<{ role: 'EMSP' | 'HUB'; country_code: string; party_id: string; business_details: { name: string } }>;
  /** a client for Anode's OCPI interface with this token (base64-encoded, unless raw) */
  client(token: string, options?: { raw?: boolean; headers?: Record<string, string> }): ReturnType<typeof createOcpiCpoClient>;
  /**
   * answers to the eMSP's endpoints, by "METHOD /path"; a function may return a status and body. A key ending in `*`
   * answers every path that starts with what comes before it (an exact key wins).
   */
  answers: Map<string, (body: unknown) => Answer | Promise<Answer>>;
  stop(): Promise<void>;
}

const ok = (data?: unknown) => ({ ...(data !== undefined && { data }), status_code: 1000, timestamp: new Date().toISOString() });

export async function startEmsp(
  anodeUrl: string,
  identity = { countryCode: 'NL', partyId: 'EMS' },
  /** HUB: the simulated party is a hub (its one role), e.g. routing for parties behind it */
  options: { role?: 'EMSP' | 'HUB' } = {},
): Promise<SimulatedEmsp> {
  const received: Received[] = [];
  const answered: Answered[] = [];
  const findings: OracleFinding[] = [];
  const answers: SimulatedEmsp['answers'] = new Map();
  const app = new Hono();
  let base = '';
  const tokenForAnode = `emsp-token-${randomUUID()}`;
  const acceptedTokens = new Set([tokenForAnode]);
  const role = options.role ?? 'EMSP';
  const roles: SimulatedEmsp['roles'] = [{ role, country_code: identity.countryCode, party_id: identity.partyId, business_details: { name: role === 'HUB' ? 'Simulated hub' : 'Simulated eMSP' } }];

  app.all('*', async (c) => {
    const body = ['GET', 'HEAD'].includes(c.req.method) ? undefined : await c.req.json().catch(() => undefined);
    const path = c.req.path;
    received.push({ method: c.req.method, path, authorization: c.req.header('authorization'), headers: c.req.header(), body });
    const pushSchema = pushOracleFor(c.req.method, path);
    if (pushSchema) {
      const validate = oracleValidator(pushSchema);
      if (!validate(body)) findings.push({ path, schema: pushSchema, errors: oracle.errorsText(validate.errors) });
    }
    const presented = /^Token (.+)$/.exec(c.req.header('authorization') ?? '')?.[1];
    const decoded = presented ? Buffer.from(presented, 'base64').toString('utf8') : undefined;
    if (!decoded || !acceptedTokens.has(decoded)) return c.json({ status_code: 2000, status_message: 'unknown token', timestamp: new Date().toISOString() }, 401);
    const asked = `${c.req.method} ${path}`;
    const custom = answers.get(asked) ?? [...answers].find(([key]) => key.endsWith('*') && asked.startsWith(key.slice(0, -1)))?.[1];
    if (custom) {
      const answer = await custom(body);
      return c.json(answer.body as object, answer.status as 200);
    }
    if (c.req.method === 'GET' && path === '/ocpi/versions') return c.json(ok([{ version: '2.2.1', url: `${base}/ocpi/2.2.1` }]));
    if (c.req.method === 'GET' && path === '/ocpi/2.2.1') {
      const modules: Array<[string, string]> = [
        ['credentials', 'SENDER'], ['locations', 'RECEIVER'], ['sessions', 'RECEIVER'], ['cdrs', 'RECEIVER'], ['tariffs', 'RECEIVER'], ['tokens', 'SENDER'], ['commands', 'SENDER'], ['chargingprofiles', 'SENDER'],
      ];
      return c.json(ok({ version: '2.2.1', endpoints: modules.map(([identifier, role]) => ({ identifier, role, url: `${base}/ocpi/2.2.1/${identifier}` })) }));
    }
    if (path === '/ocpi/2.2.1/credentials' && (c.req.method === 'POST' || c.req.method === 'PUT')) {
      // Anode registers with us (sender flow): we answer with a fresh token for Anode to call us with.
      const fresh = `emsp-token-${randomUUID()}`;
      acceptedTokens.add(fresh);
      return c.json(ok({ token: fresh, url: `${base}/ocpi/versions`, roles }));
    }
    return c.json(ok());
  });

  const server: ServerType = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 });
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const client = (token: string, options: { raw?: boolean; headers?: Record<string, string> } = {}) => {
    const cpo = createOcpiCpoClient({
      baseUrl: `${anodeUrl}/ocpi`,
      headers: { Authorization: `Token ${options.raw ? token : Buffer.from(token).toString('base64')}`, ...options.headers },
    });
    cpo.use({
      async onResponse({ request, response }) {
        const path = new URL(request.url).pathname;
        answered.push({ method: request.method, path, status: response.status, headers: Object.fromEntries(response.headers) });
        const schema = oracleFor(request.method, path);
        if (!schema || response.status >= 300) return undefined;
        const body = (await response.clone().json()) as { status_code?: number };
        // A refusal (HTTP 200 with a 2xxx/3xxx status) is not a successful answer: it has no data to judge.
        if (typeof body.status_code === 'number' && body.status_code >= 2000) return undefined;
        const validate = oracleValidator(`${schema}.response`);
        if (!validate(body)) findings.push({ path, schema, errors: oracle.errorsText(validate.errors) });
        return undefined;
      },
    });
    return cpo;
  };

  return {
    url: base,
    versionsUrl: `${base}/ocpi/versions`,
    tokenForAnode,
    received,
    answered,
    findings,
    roles,
    client,
    answers,
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** An AC connector for the locations tests register. */
export const acConnector = { id: '1', standard: 'IEC_62196_T2' as const, format: 'SOCKET' as const, power_type: 'AC_3_PHASE' as const, max_voltage: 400, max_amperage: 32 };

/** An app token the simulated eMSP (NL/EMS unless told) issued, as it sends it in commands. */
export const appToken = (uid: string, countryCode = 'NL', partyId = 'EMS') => ({
  country_code: countryCode,
  party_id: partyId,
  uid,
  type: 'APP_USER' as const,
  contract_id: `${countryCode}-${partyId}-${uid}`,
  issuer: 'Simulated eMSP',
  valid: true,
  whitelist: 'ALLOWED' as const,
  last_updated: '2024-01-01T00:00:00Z',
});

/**
 * The operator registers the eMSP with token A (admin API), then the eMSP completes the credentials handshake with
 * it; answers the token the eMSP calls Anode with from then on (token C).
 */
export async function registerEmsp(
  anode: { admin: ReturnType<typeof createAdminClient> },
  partner: SimulatedEmsp,
  tokenA: string,
  roles: SimulatedEmsp['roles'] = partner.roles,
): Promise<string> {
  await anode.admin.POST('/register', { body: { token: tokenA } });
  const { data, response } = await partner.client(tokenA).POST('/2.2.1/credentials', {
    params: { header: requestIds() },
    body: { token: partner.tokenForAnode, url: partner.versionsUrl, roles },
  });
  if (response.status !== 200 || !data?.data) throw new Error(`the credentials handshake failed: HTTP ${response.status}`);
  return data.data.token;
}

/** The request ids every OCPI call carries (the generated types require them). */
export { requestIds as ids } from '../../src/ocpi/modules/credentials.js';
