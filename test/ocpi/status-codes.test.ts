/**
 * HTTP status vs OCPI status (status_codes, transport_and_format): the HTTP layer answers only for what never reached
 * OCPI — no usable credentials token (401), no such route or object (404), a body that is not JSON (400), a method the
 * registration state forbids (405). A request that reached OCPI and is
 * refused by a rule is HTTP 200 with a 2xxx/3xxx status_code and a status_message saying why. Every case goes through
 * the generated CPO client, as a partner would call.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startIsolatedAnode, type TestAnode } from '../support/anode.js';
import { appToken, ids, registerEmsp, startEmsp, type SimulatedEmsp } from '../support/emsp.js';

let anode: TestAnode;
let emsp: SimulatedEmsp;
let tokenC: string;

interface Outcome {
  http: number;
  code: number | undefined;
  message: string | undefined;
}

/** What a call answered: HTTP status and the envelope's status, whether openapi-fetch filed it as data or error. */
async function outcome(call: Promise<{ response: Response; data?: unknown; error?: unknown }>): Promise<Outcome> {
  const { response, data, error } = await call;
  const envelope = (data ?? error) as { status_code?: number; status_message?: string } | undefined;
  return { http: response.status, code: envelope?.status_code, message: envelope?.status_message };
}

/** The same, for a request the typed client cannot send (no route, a body that is not JSON). */
async function rawOutcome(method: string, path: string, body?: string): Promise<Outcome> {
  const response = await fetch(`${anode.url}/ocpi${path}`, {
    method,
    headers: { Authorization: `Token ${Buffer.from(tokenC).toString('base64')}`, ...ids(), ...(body !== undefined && { 'Content-Type': 'application/json' }) },
    ...(body !== undefined && { body }),
  });
  const envelope = (await response.json()) as { status_code?: number; status_message?: string };
  return { http: response.status, code: envelope.status_code, message: envelope.status_message };
}

const putToken = (path: { country_code: string; party_id: string; token_uid: string }, body: unknown, headers: Record<string, string> = {}) =>
  emsp.client(tokenC).PUT('/2.2.1/tokens/{country_code}/{party_id}/{token_uid}', {
    params: { header: { ...ids(), ...headers }, path },
    body: body as ReturnType<typeof appToken>,
  });
const getToken = (countryCode: string, partyId: string, uid: string) =>
  emsp.client(tokenC).GET('/2.2.1/tokens/{country_code}/{party_id}/{token_uid}', {
    params: { header: ids(), path: { country_code: countryCode, party_id: partyId, token_uid: uid }, query: { type: 'APP_USER' } },
  });
const ownPath = (uid: string) => ({ country_code: 'NL', party_id: 'EMS', token_uid: uid });

beforeAll(async () => {
  anode = await startIsolatedAnode();
  emsp = await startEmsp(anode.url, { countryCode: 'NL', partyId: 'EMS' });
  tokenC = await registerEmsp(anode, emsp, 'status-a-1');
  expect((await putToken(ownPath('ST-1'), { ...appToken('ST-1'), last_updated: '2024-06-01T00:00:00Z' })).response.status).toBe(201);
});
afterAll(async () => {
  await emsp?.stop();
  await anode?.stop();
});

describe('the HTTP layer answers what never reached OCPI', () => {
  it('no credentials token, or an unknown one: HTTP 401, 2000', async () => {
    const bare = await fetch(`${anode.url}/ocpi/2.2.1/locations`, { headers: ids() });
    expect(bare.status).toBe(401);
    expect(((await bare.json()) as { status_code: number }).status_code).toBe(2000);
    expect(await outcome(emsp.client('nobody-has-this-token').GET('/2.2.1/locations', { params: { header: ids() } }))).toMatchObject({ http: 401, code: 2000 });
  });

  it('a route Anode does not serve: HTTP 404, 2000', async () => {
    expect(await rawOutcome('GET', '/2.2.1/nothing-here')).toMatchObject({ http: 404, code: 2000, message: 'no OCPI operation GET /ocpi/2.2.1/nothing-here' });
  });

  it('a body that is not JSON: HTTP 400, 2001', async () => {
    const answer = await rawOutcome('PUT', '/2.2.1/tokens/NL/EMS/ST-1', '{"uid": ');
    expect(answer).toMatchObject({ http: 400, code: 2001 });
    expect(answer.message).toContain('not valid JSON');
  });

  it('POST credentials when registered: HTTP 405, 2000 (the credentials module says so)', async () => {
    const answer = await outcome(
      emsp.client(tokenC).POST('/2.2.1/credentials', { params: { header: ids() }, body: { token: emsp.tokenForAnode, url: emsp.versionsUrl, roles: emsp.roles } }),
    );
    expect(answer).toMatchObject({ http: 405, code: 2000 });
  });
});

describe('an object that does not exist, or not for this requester, is HTTP 404', () => {
  it('GET of an unknown token: 404, 2004', async () => {
    expect(await outcome(getToken('NL', 'EMS', 'NO-SUCH'))).toMatchObject({ http: 404, code: 2004, message: 'token NO-SUCH is not known' });
  });

  it('GET of an unknown location: 404, 2003', async () => {
    const answer = await outcome(emsp.client(tokenC).GET('/2.2.1/locations/{location_id}', { params: { header: ids(), path: { location_id: 'NOWHERE' } } }));
    expect(answer).toMatchObject({ http: 404, code: 2003 });
  });

  it('a token URL of a party the requester does not act for: 404, 2000 (the spec allows hiding other parties’ objects so)', async () => {
    const answer = await outcome(putToken({ country_code: 'DE', party_id: 'OTH', token_uid: 'ST-X' }, appToken('ST-X', 'DE', 'OTH')));
    expect(answer).toMatchObject({ http: 404, code: 2000, message: 'DE/OTH is not a party this token acts for' });
    expect(await outcome(getToken('DE', 'OTH', 'ST-X'))).toMatchObject({ http: 404, code: 2000 });
  });

  it('hubclientinfo asked by a party that is not a hub (the module is not offered to it): 404, 2000', async () => {
    const answer = await outcome(
      emsp.client(tokenC).GET('/2.2.1/hubclientinfo/{country_code}/{party_id}', { params: { header: ids(), path: { country_code: 'NL', party_id: 'EMS' } } }),
    );
    expect(answer).toMatchObject({ http: 404, code: 2000 });
  });
});

describe('a request that reached OCPI and breaks a rule is HTTP 200 with a 2xxx/3xxx status', () => {
  it('JSON that misses a required field: 200, 2001 naming the field', async () => {
    const { issuer: _left, ...withoutIssuer } = appToken('ST-2');
    const answer = await outcome(putToken(ownPath('ST-2'), withoutIssuer));
    expect(answer).toMatchObject({ http: 200, code: 2001 });
    expect(answer.message).toContain('issuer');
    expect((await getToken('NL', 'EMS', 'ST-2')).response.status).toBe(404);
  });

  it('a query parameter out of range: 200, 2001 naming it', async () => {
    const answer = await outcome(emsp.client(tokenC).GET('/2.2.1/locations', { params: { header: ids(), query: { limit: -1 } } }));
    expect(answer).toMatchObject({ http: 200, code: 2001 });
    expect(answer.message).toContain('limit');
  });

  it('a body that names another object than the URL: 200, 2001', async () => {
    const answer = await outcome(putToken(ownPath('ST-3'), appToken('ST-4')));
    expect(answer).toMatchObject({ http: 200, code: 2001, message: 'the token in the body is not the one the URL names' });
  });

  it('an update older than the stored last_updated: 200, 2000, and the stored token is kept', async () => {
    const answer = await outcome(putToken(ownPath('ST-1'), { ...appToken('ST-1'), issuer: 'Older', last_updated: '2023-01-01T00:00:00Z' }));
    expect(answer.http).toBe(200);
    expect(answer.code).toBe(2000);
    expect(answer.message).toBeTruthy();
    expect((await getToken('NL', 'EMS', 'ST-1')).data?.data?.issuer).toBe('Simulated eMSP');
  });

  it('a command without the location it is for: 200, 2001 naming the field', async () => {
    const answer = await outcome(
      emsp.client(tokenC).POST('/2.2.1/commands/START_SESSION', {
        params: { header: ids() },
        body: { response_url: `${emsp.url}/results/s`, token: appToken('ST-1') } as never,
      }),
    );
    expect(answer).toMatchObject({ http: 200, code: 2001 });
    expect(answer.message).toContain('location_id');
  });

  it('a registration whose partner API cannot be read: 200, 3001 in the POST answer, as the credentials module asks', async () => {
    await anode.admin.POST('/register', { body: { token: 'status-a-broken' } });
    const answer = await outcome(
      emsp.client('status-a-broken').POST('/2.2.1/credentials', {
        params: { header: ids() },
        body: { token: 'a-token-the-emsp-does-not-know', url: emsp.versionsUrl, roles: emsp.roles },
      }),
    );
    expect(answer).toMatchObject({ http: 200, code: 3001 });
  });
});

describe('If-Match (Anode’s extension) naming a stale ETag is a refusal like a stale last_updated', () => {
  it('a stale ETag: HTTP 200, 2000, nothing changed', async () => {
    const etag = (await getToken('NL', 'EMS', 'ST-1')).response.headers.get('ETag')!;
    expect((await putToken(ownPath('ST-1'), { ...appToken('ST-1'), issuer: 'First', last_updated: '2024-07-01T00:00:00Z' }, { 'If-Match': etag })).response.status).toBe(200);
    const answer = await outcome(putToken(ownPath('ST-1'), { ...appToken('ST-1'), issuer: 'Second', last_updated: '2024-07-02T00:00:00Z' }, { 'If-Match': etag }));
    expect(answer).toMatchObject({ http: 200, code: 2000 });
    expect((await getToken('NL', 'EMS', 'ST-1')).data?.data?.issuer).toBe('First');
  });
});
