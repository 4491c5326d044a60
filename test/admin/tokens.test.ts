import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { components } from '../../generated/admin-client.js';
import { startIsolatedAnode, type TestAnode } from '../support/anode.js';

type Token = components['schemas']['Token'];

const token = (uid: string, overrides: Partial<Token> = {}): Token => ({
  countryCode: 'NL',
  partyId: 'EMS',
  type: 'RFID',
  uid,
  contractId: `NL-EMS-C${uid}`,
  issuer: 'Example eMSP',
  valid: true,
  cacheMode: 'ALWAYS',
  ...overrides,
});

let anode: TestAnode;
beforeAll(async () => {
  anode = await startIsolatedAnode();
});
afterAll(() => anode?.stop());

describe('setToken: POST /token', () => {
  it('creates a token and sets lastUpdated on the server', async () => {
    const before = Date.now();
    const { response } = await anode.admin.POST('/token', {
      body: token('DEADBEEF', { visualNumber: 'CARD-1', groupId: 'FLEET-7', languageCode: 'nl' }),
    });
    expect(response.status).toBe(201);
    const { data } = await anode.admin.GET('/token/{tokenUid}', { params: { path: { tokenUid: 'DEADBEEF' } } });
    expect(data).toMatchObject({ ...token('DEADBEEF'), visualNumber: 'CARD-1', groupId: 'FLEET-7', languageCode: 'nl' });
    expect(Date.parse(data!.lastUpdated!)).toBeGreaterThanOrEqual(before - 1000);
  });

  it('upserts by uid: a second POST replaces the token, and a client-sent lastUpdated is ignored', async () => {
    await anode.admin.POST('/token', { body: token('UPSERT-1', { visualNumber: 'old' }) });
    const { response } = await anode.admin.POST('/token', {
      body: token('UPSERT-1', { valid: false, cacheMode: 'NEVER', lastUpdated: '2001-01-01T00:00:00Z' }),
    });
    expect(response.status).toBe(201);
    const { data } = await anode.admin.GET('/token/{tokenUid}', { params: { path: { tokenUid: 'UPSERT-1' } } });
    expect(data?.valid).toBe(false);
    expect(data?.cacheMode).toBe('NEVER');
    expect(data?.visualNumber).toBeUndefined();
    expect(data?.lastUpdated?.startsWith('2001')).toBe(false);
  });

  it.each([
    ['an unknown type', { type: 'CREDIT_CARD' }, 'body.type must be one of: AD_HOC_USER, APP_USER, OTHER, RFID'],
    ['an unknown cacheMode', { cacheMode: 'SOMETIMES' }, 'body.cacheMode must be one of: ALWAYS, ALLOWED, ALLOWED_OFFLINE, NEVER'],
    ['a three-letter country code', { countryCode: 'NLD' }, 'body.countryCode must match pattern "^[A-Za-z]{2}$"'],
    ['a uid over 36 characters', { uid: 'U'.repeat(37) }, 'body.uid must NOT have more than 36 characters'],
    ['a string for valid', { valid: 'yes' }, 'body.valid must be boolean'],
    ['an unknown field', { colour: 'blue' }, 'body.colour is not a known field'],
  ])('rejects %s with a 400 naming the field', async (_what, change, message) => {
    const body = { ...token('BAD-1'), ...change } as Token;
    const { response, error } = await anode.admin.POST('/token', { body });
    expect(response.status).toBe(400);
    expect(error).toEqual({ status: 'Bad Request', error: message });
    const lookup = await anode.admin.GET('/token/{tokenUid}', { params: { path: { tokenUid: 'BAD-1' } } });
    expect(lookup.response.status).toBe(404);
  });

  it('rejects a body without the required contractId', async () => {
    const { contractId: _omitted, ...body } = token('BAD-2');
    const { response, error } = await anode.admin.POST('/token', { body: body as Token });
    expect(response.status).toBe(400);
    expect(error?.error).toBe('body.contractId is required');
  });
});

describe('listTokens: GET /token', () => {
  it('pages in uid order with default 20, X-Total-Count and a next link', async () => {
    for (let i = 0; i < 25; i += 1) await anode.admin.POST('/token', { body: token(`PAGE-${String(i).padStart(2, '0')}`) });
    const first = await anode.admin.GET('/token', {});
    expect(first.data).toHaveLength(20);
    expect(first.response.headers.get('X-Limit')).toBe('20');
    const total = Number(first.response.headers.get('X-Total-Count'));
    expect(total).toBeGreaterThanOrEqual(25);
    expect(first.response.headers.get('Link')).toContain('offset=20');
    const rest = await anode.admin.GET('/token', { params: { query: { offset: 20, limit: 100 } } });
    const all = [...first.data!, ...rest.data!].map((t) => t.uid);
    expect(all).toHaveLength(total);
    expect(all).toEqual([...all].sort());
    expect(rest.response.headers.get('Link')).toBeNull();
  });

  it('rejects limit 0 and limit 101', async () => {
    expect((await anode.admin.GET('/token', { params: { query: { limit: 0 } } })).response.status).toBe(400);
    expect((await anode.admin.GET('/token', { params: { query: { limit: 101 } } })).response.status).toBe(400);
  });
});

describe('lookupToken and deleteToken: /token/{tokenUid}', () => {
  it('a deleted token is gone; deleting it again is a 404', async () => {
    await anode.admin.POST('/token', { body: token('DEL-1') });
    const deleted = await anode.admin.DELETE('/token/{tokenUid}', { params: { path: { tokenUid: 'DEL-1' } } });
    expect(deleted.response.status).toBe(204);
    const lookup = await anode.admin.GET('/token/{tokenUid}', { params: { path: { tokenUid: 'DEL-1' } } });
    expect(lookup.response.status).toBe(404);
    expect(lookup.error).toEqual({ status: 'Not Found', error: 'token DEL-1 is not known' });
    const again = await anode.admin.DELETE('/token/{tokenUid}', { params: { path: { tokenUid: 'DEL-1' } } });
    expect(again.response.status).toBe(404);
  });
});
