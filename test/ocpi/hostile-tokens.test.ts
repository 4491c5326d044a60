import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startIsolatedAnode, type TestAnode } from '../support/anode.js';
import { appToken, ids, registerEmsp, startEmsp, type SimulatedEmsp } from '../support/emsp.js';

let anode: TestAnode;
let emsp: SimulatedEmsp;
let tokenC: string;

beforeAll(async () => {
  anode = await startIsolatedAnode();
  emsp = await startEmsp(anode.url, { countryCode: 'NL', partyId: 'EMS' });
  tokenC = await registerEmsp(anode, emsp, 'hostile-tokens-a');
  const { response } = await put('KEEP-1', appToken('KEEP-1'));
  expect(response.status).toBe(201);
});
afterAll(async () => {
  await emsp?.stop();
  await anode?.stop();
});

type Token = ReturnType<typeof appToken>;
const put = (uid: string, body: Record<string, unknown>) =>
  emsp.client(tokenC).PUT('/2.2.1/tokens/{country_code}/{party_id}/{token_uid}', {
    params: { header: ids(), path: { country_code: 'NL', party_id: 'EMS', token_uid: uid }, query: { type: 'APP_USER' } },
    body: body as Token,
  });
const patch = (uid: string, body: Record<string, unknown>) =>
  emsp.client(tokenC).PATCH('/2.2.1/tokens/{country_code}/{party_id}/{token_uid}', {
    params: { header: ids(), path: { country_code: 'NL', party_id: 'EMS', token_uid: uid }, query: { type: 'APP_USER' } },
    body: { last_updated: '2024-02-01T00:00:00Z', ...body },
  });

describe('OCPI tokens: a PATCH changes a token, never which token it is', () => {
  it.each([
    ['uid', { uid: 'OTHER-UID' }],
    ['an empty uid', { uid: '' }],
    ['country_code', { country_code: 'BE' }],
    ['party_id', { party_id: 'XYZ' }],
    ['type', { type: 'RFID' }],
  ])('a body naming another %s is refused with 2001 (HTTP 200)', async (_what, body) => {
    const { response, data } = await patch('KEEP-1', body);
    expect(response.status).toBe(200);
    expect(data?.status_code).toBe(2001);
  });

  it('the same identity in the body is fine (case-insensitive codes)', async () => {
    const { response } = await patch('KEEP-1', { uid: 'KEEP-1', country_code: 'nl', party_id: 'ems', type: 'APP_USER', valid: false });
    expect(response.status).toBe(200);
  });
});

describe('OCPI tokens: what the token store cannot show the operator is refused at the edge (HTTP 200, 2001)', () => {
  it.each([
    ['an empty uid', { uid: '' }, 'body.uid must NOT have fewer than 1 characters'],
    ['an empty contract_id', { contract_id: '' }, 'body.contract_id must NOT have fewer than 1 characters'],
    ['an empty issuer', { issuer: '' }, 'body.issuer must NOT have fewer than 1 characters'],
    ['a language that is not two letters', { language: 'u*' }, 'body.language must match pattern "^[A-Za-z]{2}$"'],
  ])('PUT with %s', async (_what, overrides, message) => {
    const uid = 'uid' in overrides ? 'EMPTY' : 'BAD-1';
    const { response, data } = await put(uid, { ...appToken('BAD-1'), ...overrides });
    expect(response.status).toBe(200);
    expect(data).toMatchObject({ status_code: 2001 });
    expect(data?.status_message).toContain(message);
  });

  it('a command naming a token with an empty uid (commands store tokens they do not know yet)', async () => {
    const { response, data } = await emsp.client(tokenC).POST('/2.2.1/commands/START_SESSION', {
      params: { header: ids() },
      body: { response_url: `${emsp.url}/results/x`, token: { ...appToken('x'), uid: '' }, location_id: 'NOWHERE' },
    });
    expect(response.status).toBe(200);
    expect(data?.status_message).toBe('body.token.uid must NOT have fewer than 1 characters');
  });

  it('a party id that is not three letters or digits', async () => {
    const { response, data } = await emsp.client(tokenC).PUT('/2.2.1/tokens/{country_code}/{party_id}/{token_uid}', {
      params: { header: ids(), path: { country_code: 'NL', party_id: 'E}S', token_uid: 'P-1' } },
      body: { ...appToken('P-1'), party_id: 'E}S' },
    });
    expect(response.status).toBe(200);
    expect(data?.status_code).toBe(2001);
  });

  it("so the operator's token list, checked against the admin contract, stays a 200", async () => {
    const { response, data } = await anode.admin.GET('/token', {});
    expect(response.status).toBe(200);
    expect(data?.map((token) => token.uid)).toEqual(['KEEP-1']);
  });
});
