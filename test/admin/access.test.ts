import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isLoopbackAddress } from '../../src/admin/access.js';
import { createAdminApp } from '../../src/admin/app.js';
import type { Domain } from '../../src/domain/index.js';
import type { StationLink } from '../../src/domain/station-calls.js';
import { createLogger } from '../../src/log.js';
import { startIsolatedAnode, type TestAnode } from '../support/anode.js';

const ADMIN_API_TOKEN = 'test-admin-token-0123456789';

describe('with ADMIN_API_TOKEN set, the admin API requires Authorization: Bearer <token>', () => {
  let anode: TestAnode;
  beforeAll(async () => {
    anode = await startIsolatedAnode({ ADMIN_API_TOKEN });
  });
  afterAll(() => anode?.stop());

  it('serves a request that carries the token', async () => {
    const { response } = await anode.admin.GET('/token', {});
    expect(response.status).toBe(200);
  });

  it.each([
    ['no Authorization header', {}],
    ['a wrong token', { Authorization: 'Bearer wrong-token-0123456789xx' }],
    ['the right token under another scheme', { Authorization: `Basic ${ADMIN_API_TOKEN}` }],
    ['a prefix of the token', { Authorization: `Bearer ${ADMIN_API_TOKEN.slice(0, -1)}` }],
  ])('answers 401 with a Status body and WWW-Authenticate for %s, even from loopback', async (_what, headers) => {
    const response = await fetch(`${anode.url}/api/v0/token`, { headers });
    expect(response.status).toBe(401);
    expect(response.headers.get('WWW-Authenticate')).toBe('Bearer realm="anode-admin"');
    expect(await response.json()).toEqual({
      status: 'Unauthorized',
      error: 'a valid Authorization: Bearer <token> header is required',
    });
  });

  it('checks the token before anything else: an unauthenticated bad request is a 401, not a 400', async () => {
    const response = await fetch(`${anode.url}/api/v0/token`, { method: 'POST', body: '{', headers: { 'Content-Type': 'application/json' } });
    expect(response.status).toBe(401);
  });

  it('leaves health and docs open', async () => {
    expect((await fetch(`${anode.url}/health`)).status).toBe(200);
    expect((await fetch(`${anode.url}/docs/`)).status).toBe(200);
  });
});

describe('without ADMIN_API_TOKEN, the admin API answers loopback clients only', () => {
  let anode: TestAnode;
  beforeAll(async () => {
    anode = await startIsolatedAnode();
  });
  afterAll(() => anode?.stop());

  it('serves a client on 127.0.0.1', async () => {
    const { response } = await anode.admin.GET('/cs', {});
    expect(response.status).toBe(200);
  });

  it.each(['127.0.0.1', '127.8.9.10', '::1', '::ffff:127.0.0.1'])('counts %s as loopback', (address) => {
    expect(isLoopbackAddress(address)).toBe(true);
  });

  it.each(['10.0.0.1', '192.168.1.20', '::ffff:10.0.0.1', 'fe80::1', '128.0.0.1', '', undefined])(
    'does not count %s as loopback',
    (address) => {
      expect(isLoopbackAddress(address)).toBe(false);
    },
  );

  // A request from another host, without leaving loopback: the app is handed a socket whose peer is not loopback.
  it('refuses a client from another address with 403 and a Status body', async () => {
    const app = createAdminApp({
      domain: {} as Domain,
      stationLink: {} as StationLink,
      sayFarewell: async () => {},
      logger: createLogger('silent'),
      adminApiToken: undefined,
      publicBaseUrl: 'http://anode.test',
      validateResponses: true,
    });
    const response = await app.request('/token', {}, { incoming: { socket: { remoteAddress: '10.1.2.3', remoteFamily: 'IPv4' } } });
    expect(response.status).toBe(403);
    expect(await response.json()).toEqual({
      status: 'Forbidden',
      error: 'the admin API answers loopback clients only when ADMIN_API_TOKEN is not set',
    });
  });
});
