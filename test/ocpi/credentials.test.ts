import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startIsolatedAnode, type TestAnode } from '../support/anode.js';
import { ids, startEmsp, type SimulatedEmsp } from '../support/emsp.js';
import { eventually } from '../support/stations.js';

let anode: TestAnode;
let emsp: SimulatedEmsp;
beforeAll(async () => {
  anode = await startIsolatedAnode({ OCPI_COUNTRY_CODE: 'NL', OCPI_PARTY_ID: 'ANO' });
  emsp = await startEmsp(anode.url);
});
afterAll(async () => {
  await emsp?.stop();
  await anode?.stop();
});
afterAll(() => expect(emsp.findings).toEqual([]));

describe('transport: tokens, request ids, envelope', () => {
  it('answers a request without a token with HTTP 401 and an OCPI envelope', async () => {
    const response = await fetch(`${anode.url}/ocpi/versions`);
    expect(response.status).toBe(401);
    const body = (await response.json()) as { status_code: number; status_message: string; timestamp: string };
    expect(body).toMatchObject({ status_code: 2000, status_message: 'missing Authorization: Token header' });
    expect(Date.parse(body.timestamp)).not.toBeNaN();
  });

  it('answers an unknown token with 401', async () => {
    const { response, error } = await emsp.client('no-such-token').GET('/versions', { params: { header: ids() } });
    expect(response.status).toBe(401);
    expect(error).toMatchObject({ status_code: 2000, status_message: 'unknown or invalid token' });
  });

  it('echoes X-Request-ID and X-Correlation-ID', async () => {
    await anode.admin.POST('/register', { body: { token: 'echo-token-a' } });
    const headers = { 'X-Request-ID': 'req-123', 'X-Correlation-ID': 'corr-456' };
    const { response } = await emsp.client('echo-token-a').GET('/versions', { params: { header: headers } });
    expect(response.status).toBe(200);
    expect(response.headers.get('X-Request-ID')).toBe('req-123');
    expect(response.headers.get('X-Correlation-ID')).toBe('corr-456');
  });
});

describe('credentials receiver: the eMSP registers with the token A the operator gave it', () => {
  const tokenA = 'token-a-for-the-emsp';
  let tokenC = '';

  beforeAll(async () => {
    const { response } = await anode.admin.POST('/register', { body: { token: tokenA } });
    expect(response.status).toBe(201);
  });

  it('token A opens versions and version details, but nothing else yet', async () => {
    const cpo = emsp.client(tokenA);
    const versions = await cpo.GET('/versions', { params: { header: ids() } });
    expect(versions.data?.data).toEqual([
      { version: '2.1.1', url: `${anode.url}/ocpi/2.1.1` },
      { version: '2.2.1', url: `${anode.url}/ocpi/2.2.1` },
    ]);
    const details = await cpo.GET('/2.2.1', { params: { header: ids() } });
    expect(details.data?.data?.endpoints.map((endpoint) => `${endpoint.identifier}:${endpoint.role}`)).toEqual(
      expect.arrayContaining(['credentials:SENDER', 'locations:SENDER', 'tariffs:SENDER', 'tokens:RECEIVER']),
    );
    const locations = await cpo.GET('/2.2.1/locations', { params: { header: ids() } });
    expect(locations.response.status).toBe(401);
  });

  it('POST credentials: Anode reads the eMSP versions with token B and answers with a fresh token C', async () => {
    const before = emsp.received.length;
    const { data, response } = await emsp.client(tokenA).POST('/2.2.1/credentials', {
      params: { header: ids() },
      body: { token: emsp.tokenForAnode, url: emsp.versionsUrl, roles: emsp.roles },
    });
    expect(response.status).toBe(200);
    tokenC = data!.data!.token;
    expect(tokenC).not.toBe(tokenA);
    expect(data?.data).toMatchObject({
      url: `${anode.url}/ocpi/versions`,
      roles: [{ role: 'CPO', country_code: 'NL', party_id: 'ANO', business_details: { name: 'Anode CPO' } }],
    });
    const calls = emsp.received.slice(before).map((call) => `${call.method} ${call.path}`);
    expect(calls).toEqual(['GET /ocpi/versions', 'GET /ocpi/2.2.1']);
    expect(emsp.received.at(-1)?.authorization).toBe(`Token ${Buffer.from(emsp.tokenForAnode).toString('base64')}`);
  });

  it('from then on token A is refused and token C opens the modules', async () => {
    expect((await emsp.client(tokenA).GET('/versions', { params: { header: ids() } })).response.status).toBe(401);
    expect((await emsp.client(tokenC).GET('/2.2.1/locations', { params: { header: ids() } })).response.status).toBe(200);
  });

  it('GET credentials returns the credentials the eMSP uses', async () => {
    const { data } = await emsp.client(tokenC).GET('/2.2.1/credentials', { params: { header: ids() } });
    expect(data?.data?.token).toBe(tokenC);
  });

  it('POST again when registered is a 405', async () => {
    const { response, error } = await emsp.client(tokenC).POST('/2.2.1/credentials', {
      params: { header: ids() },
      body: { token: emsp.tokenForAnode, url: emsp.versionsUrl, roles: emsp.roles },
    });
    expect(response.status).toBe(405);
    expect(error?.status_code).toBe(2000);
  });

  it('the operator sees the party registered with its roles and endpoints', async () => {
    const { data } = await anode.admin.GET('/ocpi/parties', {});
    const party = data!.find((candidate) => candidate.status === 'REGISTERED' && candidate.versionsUrl === emsp.versionsUrl);
    expect(party).toMatchObject({ roles: [{ role: 'EMSP', country_code: 'NL', party_id: 'EMS' }], lastError: null });
    expect(party?.endpoints.map((endpoint) => endpoint.identifier)).toEqual(expect.arrayContaining(['credentials', 'locations', 'tokens']));
  });

  it('PUT re-keys: a new token C replaces the old one', async () => {
    const { data, response } = await emsp.client(tokenC).PUT('/2.2.1/credentials', {
      params: { header: ids() },
      body: { token: emsp.tokenForAnode, url: emsp.versionsUrl, roles: emsp.roles },
    });
    expect(response.status).toBe(200);
    const rekeyed = data!.data!.token;
    expect(rekeyed).not.toBe(tokenC);
    expect((await emsp.client(tokenC).GET('/2.2.1/credentials', { params: { header: ids() } })).response.status).toBe(401);
    expect((await emsp.client(rekeyed).GET('/2.2.1/credentials', { params: { header: ids() } })).response.status).toBe(200);
    tokenC = rekeyed;
  });

  it('DELETE unregisters: the token stops working', async () => {
    const { response } = await emsp.client(tokenC).DELETE('/2.2.1/credentials', { params: { header: ids() } });
    expect(response.status).toBe(200);
    expect((await emsp.client(tokenC).GET('/versions', { params: { header: ids() } })).response.status).toBe(401);
  });

  it('PUT or DELETE without a registration is a 405', async () => {
    await anode.admin.POST('/register', { body: { token: 'token-a-unused' } });
    const put = await emsp.client('token-a-unused').PUT('/2.2.1/credentials', {
      params: { header: ids() },
      body: { token: emsp.tokenForAnode, url: emsp.versionsUrl, roles: emsp.roles },
    });
    expect(put.response.status).toBe(405);
  });

  it('an eMSP whose versions cannot be read gets status 3001 (in an HTTP 200 answer) and stays unregistered', async () => {
    await anode.admin.POST('/register', { body: { token: 'token-a-broken' } });
    const { response, data } = await emsp.client('token-a-broken').POST('/2.2.1/credentials', {
      params: { header: ids() },
      body: { token: 'wrong-token-for-emsp', url: emsp.versionsUrl, roles: emsp.roles },
    });
    expect(response.status).toBe(200);
    expect(data?.status_code).toBe(3001);
    expect((await emsp.client('token-a-broken').GET('/versions', { params: { header: ids() } })).response.status).toBe(200);
  });
});

describe('credentials sender: the operator registers the eMSP with its versions URL and Anode starts', () => {
  it('Anode reads the eMSP versions with token A, POSTs its credentials and keeps the token B it gets back', async () => {
    const other = await startEmsp(anode.url, { countryCode: 'DE', partyId: 'XYZ' });
    try {
      await anode.admin.POST('/register', { body: { token: other.tokenForAnode, url: other.versionsUrl } });
      const party = await eventually(async () => {
        const { data } = await anode.admin.GET('/ocpi/parties', {});
        const found = data!.find((candidate) => candidate.versionsUrl === other.versionsUrl);
        expect(found?.status).toBe('REGISTERED');
        return found!;
      });
      expect(party.roles).toEqual([expect.objectContaining({ role: 'EMSP', country_code: 'DE', party_id: 'XYZ' })]);
      const posted = other.received.find((call) => call.method === 'POST' && call.path === '/ocpi/2.2.1/credentials');
      const ourToken = (posted?.body as { token: string }).token;
      expect((posted?.body as { url: string }).url).toBe(`${anode.url}/ocpi/versions`);
      expect((await other.client(ourToken).GET('/2.2.1/locations', { params: { header: ids() } })).response.status).toBe(200);

      const { response } = await anode.admin.DELETE('/ocpi/parties/{partyId}', { params: { path: { partyId: party.id } } });
      expect(response.status).toBe(204);
      expect(other.received.at(-1)).toMatchObject({ method: 'DELETE', path: '/ocpi/2.2.1/credentials' });
      expect((await other.client(ourToken).GET('/versions', { params: { header: ids() } })).response.status).toBe(401);
      expect(other.findings).toEqual([]);
    } finally {
      await other.stop();
    }
  });

  it('a handshake that fails is visible to the operator', async () => {
    await anode.admin.POST('/register', { body: { token: 'some-token', url: 'http://127.0.0.1:9/ocpi/versions' } });
    await eventually(async () => {
      const { data } = await anode.admin.GET('/ocpi/parties', {});
      const party = data!.find((candidate) => candidate.versionsUrl === 'http://127.0.0.1:9/ocpi/versions');
      expect(party?.status).toBe('PENDING');
      expect(party?.lastError).toMatch(/versions/);
    });
  });
});

describe('compatibility switch: a party that does not base64-encode its token', () => {
  it('is accepted raw only when its registration says so', async () => {
    await anode.admin.POST('/register', { body: { token: 'raw-token-1', status: 'REGISTERED', rawTokens: true } });
    await anode.admin.POST('/register', { body: { token: 'strict-token-1', status: 'REGISTERED' } });
    expect((await emsp.client('raw-token-1', { raw: true }).GET('/2.2.1/locations', { params: { header: ids() } })).response.status).toBe(200);
    expect((await emsp.client('strict-token-1', { raw: true }).GET('/2.2.1/locations', { params: { header: ids() } })).response.status).toBe(401);
    expect((await emsp.client('strict-token-1').GET('/2.2.1/locations', { params: { header: ids() } })).response.status).toBe(200);
  });
});

