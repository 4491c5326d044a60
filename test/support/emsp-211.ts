/**
 * A simulated eMSP that speaks only OCPI 2.1.1: its own endpoints on a loopback HTTP server (versions, version
 * details without roles, credentials, the receivers of locations, tariffs, sessions and CDRs, command results), and
 * the generated 2.1.1 CPO client to talk to Anode. Tokens go as they are, both ways. Every body Anode pushes to it,
 * and every successful answer Anode gives it, is checked against the 2.1.1 contract's schemas.
 */
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import { Hono } from 'hono';
import { createOcpi211CpoClient } from '../../generated/ocpi-2.1.1-cpo-client.js';
import { problems211 } from './ocpi-211-contract.js';

export interface Finding211 {
  method: string;
  path: string;
  schema: string;
  errors: string;
}

export interface Received211 {
  method: string;
  path: string;
  authorization: string | undefined;
  headers: Record<string, string>;
  body: unknown;
}

/** Which 2.1.1 schema (eMSP bundle) judges what Anode sends to the eMSP's endpoints. */
function pushSchemaFor(method: string, path: string): string | undefined {
  const rules: Array<[string, RegExp, string]> = [
    ['PUT', /^\/ocpi\/2\.1\.1\/locations\/[^/]+\/[^/]+\/[^/]+$/, 'Location'],
    ['PATCH', /^\/ocpi\/2\.1\.1\/locations\/[^/]+\/[^/]+\/[^/]+$/, 'LocationPatch'],
    ['PUT', /^\/ocpi\/2\.1\.1\/locations\/[^/]+\/[^/]+\/[^/]+\/[^/]+$/, 'EVSE'],
    ['PATCH', /^\/ocpi\/2\.1\.1\/locations\/[^/]+\/[^/]+\/[^/]+\/[^/]+$/, 'EvsePatch'],
    ['PUT', /^\/ocpi\/2\.1\.1\/tariffs\/[^/]+\/[^/]+\/[^/]+$/, 'Tariff'],
    ['PUT', /^\/ocpi\/2\.1\.1\/sessions\/[^/]+\/[^/]+\/[^/]+$/, 'Session'],
    ['PATCH', /^\/ocpi\/2\.1\.1\/sessions\/[^/]+\/[^/]+\/[^/]+$/, 'SessionPatch'],
    ['POST', /^\/ocpi\/2\.1\.1\/cdrs$/, 'CDR'],
    ['POST', /^\/ocpi\/2\.1\.1\/commands\/[^/]+\/[^/]+$/, 'CommandResponse'],
    ['POST', /^\/ocpi\/2\.1\.1\/credentials$/, 'Credentials'],
  ];
  return rules.find(([verb, pattern]) => verb === method && pattern.test(path))?.[2];
}

/** Which 2.1.1 schema (CPO bundle) judges a successful answer of Anode, by its path. */
function answerSchemaFor(method: string, path: string): string {
  if (method === 'GET') {
    const rules: Array<[RegExp, string]> = [
      [/^\/ocpi\/versions$/, 'VersionListResponse'],
      [/^\/ocpi\/2\.1\.1$/, 'VersionDetailsResponse'],
      [/^\/ocpi\/2\.1\.1\/credentials$/, 'CredentialsResponse'],
      [/^\/ocpi\/2\.1\.1\/locations$/, 'LocationListResponse'],
      [/^\/ocpi\/2\.1\.1\/locations\/[^/]+$/, 'LocationResponse'],
      [/^\/ocpi\/2\.1\.1\/locations\/[^/]+\/[^/]+$/, 'EvseResponse'],
      [/^\/ocpi\/2\.1\.1\/locations\/[^/]+\/[^/]+\/[^/]+$/, 'ConnectorResponse'],
      [/^\/ocpi\/2\.1\.1\/tariffs$/, 'TariffListResponse'],
      [/^\/ocpi\/2\.1\.1\/sessions$/, 'SessionListResponse'],
      [/^\/ocpi\/2\.1\.1\/cdrs$/, 'CdrListResponse'],
      [/^\/ocpi\/2\.1\.1\/tokens\/[^/]+\/[^/]+\/[^/]+$/, 'TokenResponse'],
    ];
    return rules.find(([pattern]) => pattern.test(path))?.[1] ?? 'OcpiResponse';
  }
  if (/\/credentials$/.test(path) && method !== 'DELETE') return 'CredentialsResponse';
  if (/\/commands\//.test(path)) return 'CommandResponseResponse';
  return 'OcpiEmptyResponse';
}

export interface SimulatedEmsp211 {
  url: string;
  versionsUrl: string;
  identity: { countryCode: string; partyId: string };
  /** the token Anode must use to call this eMSP */
  tokenForAnode: string;
  received: Received211[];
  findings: Finding211[];
  credentials(token: string): { token: string; url: string; party_id: string; country_code: string; business_details: { name: string } };
  /** a client for Anode's 2.1.1 interface, sending the token as it is */
  client(token: string): ReturnType<typeof createOcpi211CpoClient>;
  stop(): Promise<void>;
}

const ok = (data?: unknown) => ({ ...(data !== undefined && { data }), status_code: 1000, timestamp: new Date().toISOString() });

export async function startEmsp211(anodeUrl: string, identity = { countryCode: 'NL', partyId: 'E21' }, options: { tokenForAnode?: string } = {}): Promise<SimulatedEmsp211> {
  const received: Received211[] = [];
  const findings: Finding211[] = [];
  const app = new Hono();
  let base = '';
  const tokenForAnode = options.tokenForAnode ?? `emsp211-token-${randomUUID()}`;
  const acceptedTokens = new Set([tokenForAnode]);
  const credentials = (token: string) => ({
    token,
    url: `${base}/ocpi/versions`,
    party_id: identity.partyId,
    country_code: identity.countryCode,
    business_details: { name: 'Simulated 2.1.1 eMSP' },
  });

  app.all('*', async (c) => {
    const body = ['GET', 'HEAD'].includes(c.req.method) ? undefined : await c.req.json().catch(() => undefined);
    const path = c.req.path;
    received.push({ method: c.req.method, path, authorization: c.req.header('authorization'), headers: c.req.header(), body });
    const schema = pushSchemaFor(c.req.method, path);
    const problem = schema && problems211(schema, body, 'emsp');
    if (schema && problem) findings.push({ method: c.req.method, path, schema, errors: problem });
    const presented = /^Token (.+)$/.exec(c.req.header('authorization') ?? '')?.[1];
    if (!presented || !acceptedTokens.has(presented)) return c.json({ status_code: 2000, status_message: 'unknown token', timestamp: new Date().toISOString() }, 401);
    if (c.req.method === 'GET' && path === '/ocpi/versions') return c.json(ok([{ version: '2.1.1', url: `${base}/ocpi/2.1.1` }]));
    if (c.req.method === 'GET' && path === '/ocpi/2.1.1') {
      const modules = ['credentials', 'locations', 'tariffs', 'sessions', 'cdrs', 'tokens', 'commands'];
      return c.json(ok({ version: '2.1.1', endpoints: modules.map((identifier) => ({ identifier, url: `${base}/ocpi/2.1.1/${identifier}` })) }));
    }
    if (path === '/ocpi/2.1.1/credentials' && (c.req.method === 'POST' || c.req.method === 'PUT')) {
      const fresh = `emsp211-token-${randomUUID()}`;
      acceptedTokens.add(fresh);
      return c.json(ok(credentials(fresh)));
    }
    if (path === '/ocpi/2.1.1/cdrs' && c.req.method === 'POST') {
      c.header('Location', `${base}/ocpi/2.1.1/cdrs/${(body as { id?: string } | undefined)?.id ?? 'x'}`);
    }
    return c.json(ok());
  });

  const server: ServerType = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 });
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const client = (token: string) => {
    const cpo = createOcpi211CpoClient({ baseUrl: `${anodeUrl}/ocpi`, headers: { Authorization: `Token ${token}` } });
    cpo.use({
      async onResponse({ request, response }) {
        if (response.status >= 300) return undefined;
        const path = new URL(request.url).pathname;
        const schema = answerSchemaFor(request.method, path);
        const problem = problems211(schema, await response.clone().json(), 'cpo');
        if (problem) findings.push({ method: request.method, path, schema, errors: problem });
        return undefined;
      },
    });
    return cpo;
  };

  return {
    get url() {
      return base;
    },
    versionsUrl: `${base}/ocpi/versions`,
    identity,
    tokenForAnode,
    received,
    findings,
    credentials,
    client,
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
