import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startIsolatedAnode, type TestAnode } from '../support/anode.js';

const OCPI_TOKEN = 'hostile-input-test-token';
const ocpiHeaders = { Authorization: `Token ${Buffer.from(OCPI_TOKEN).toString('base64')}`, 'Content-Type': 'application/json' };

let anode: TestAnode;
beforeAll(async () => {
  anode = await startIsolatedAnode();
  await anode.admin.POST('/register', { body: { token: OCPI_TOKEN, status: 'REGISTERED' } });
  await anode.admin.POST('/cs/{csId}', { params: { path: { csId: 'HOSTILE-CS' } }, body: { securityProfile: 0 } });
});
afterAll(() => anode?.stop());

const token = (overrides: Record<string, unknown> = {}) => ({
  countryCode: 'NL', partyId: 'ANO', type: 'RFID', uid: 'HOSTILE-1', contractId: 'NL-ANO-C1', issuer: 'Test', valid: true, cacheMode: 'ALWAYS', ...overrides,
});

/** An admin request with a JSON text body (so that escapes JSON.stringify would not write can be sent). */
async function admin(method: string, path: string, jsonText?: string) {
  const response = await fetch(`${anode.url}/api/v0${path}`, {
    method,
    headers: jsonText === undefined ? {} : { 'Content-Type': 'application/json' },
    body: jsonText,
  });
  return { status: response.status, body: (await response.json()) as { status: string; error: string } };
}

async function ocpi(method: string, path: string, jsonText?: string) {
  const response = await fetch(`${anode.url}/ocpi/2.2.1${path}`, { method, headers: ocpiHeaders, body: jsonText });
  return { status: response.status, body: (await response.json()) as { status_code: number; status_message: string } };
}

describe('admin API: a NUL or an unpaired UTF-16 surrogate in a path, query or body is a 400 that names the field', () => {
  it.each([
    ['a NUL in a body string', JSON.stringify(token({ issuer: 'Te\u0000st' })), 'body.issuer contains a NUL character'],
    ['a lone surrogate in a body string', JSON.stringify(token({ contractId: 'C\ud800' })), 'body.contractId contains an unpaired UTF-16 surrogate'],
    ['a NUL escape in the JSON text', JSON.stringify(token()).replace('"Test"', '"Te\\u0000st"'), 'body.issuer contains a NUL character'],
  ])('%s', async (_what, body, error) => {
    expect(await admin('POST', '/token', body)).toEqual({ status: 400, body: { status: 'Bad Request', error } });
  });

  it('a NUL or a lone surrogate in a key of a free-form object', async () => {
    const nulKey = await admin('POST', '/cs/HOSTILE-CS/call', '{"action": "Reset", "payload": {"type\\u0000": "Hard"}}');
    expect(nulKey).toEqual({ status: 400, body: { status: 'Bad Request', error: 'body.payload has a key that contains a NUL character' } });
    const surrogateKey = await admin('POST', '/cs/HOSTILE-CS/call', '{"action": "Reset", "payload": {"\\udc00": "Hard"}}');
    expect(surrogateKey.body.error).toBe('body.payload has a key that contains an unpaired UTF-16 surrogate');
  });

  it('%00 in a path parameter', async () => {
    expect(await admin('GET', '/token/A%00B')).toEqual({ status: 400, body: { status: 'Bad Request', error: 'path.tokenUid contains a NUL character' } });
    expect(await admin('DELETE', '/tariff/T%00')).toEqual({ status: 400, body: { status: 'Bad Request', error: 'path.tariffId contains a NUL character' } });
  });

  it('%00 in a query value', async () => {
    expect(await admin('GET', '/cs/HOSTILE-CS/events?action=Boot%00Notification')).toEqual({
      status: 400,
      body: { status: 'Bad Request', error: 'query.action contains a NUL character' },
    });
  });

  it('percent-encoding that does not decode is taken as it is, not as a fault', async () => {
    for (const path of ['/token/%E0%A4', '/token/%ED%A0%80', '/token/%zz', '/token/100%']) {
      const { status } = await admin('GET', path);
      expect(status, path).toBe(404);
    }
  });
});

describe('admin API: a number outside the range of the column that stores it is a 400', () => {
  const location = (connector: Record<string, unknown>) =>
    JSON.stringify({
      name: 'L', address: 'Stationsplein 1', city: 'Arnhem', postal_code: '6811KL', country: 'NLD', coordinates: { latitude: '51.98473', longitude: '5.89916' },
      evses: [{ uid: 'E1', connectors: [{ id: '1', standard: 'IEC_62196_T2', format: 'SOCKET', power_type: 'AC_3_PHASE', max_voltage: 400, max_amperage: 32, ...connector }] }],
    });

  it.each([
    ['1e20', '1e20'],
    ['-1e308', '-1e308'],
    ['2^31', '2147483648'],
    ['a fraction', '400.5'],
  ])('max_voltage %s', async (_what, value) => {
    const { status, body } = await admin('POST', '/location/RANGE', location({ max_voltage: '@' }).replace('"@"', value));
    expect(status).toBe(400);
    expect(body.error).toMatch(/^body\.evses\[0\]\.connectors\[0\]\.max_voltage /);
  });

  it('a JSON number too large for a double (1e400) is refused, not stored as Infinity', async () => {
    const { status, body } = await admin('POST', '/location/RANGE', location({ max_amperage: '@' }).replace('"@"', '1e400'));
    expect(status).toBe(400);
    expect(body.error).toBe('body.evses[0].connectors[0].max_amperage is a number out of range');
  });

  it('a request id beyond the 32-bit column that stores it', async () => {
    expect(await admin('GET', '/cs/HOSTILE-CS/requests/2147483648')).toEqual({
      status: 400,
      body: { status: 'Bad Request', error: 'path.requestId must be <= 2147483647' },
    });
  });

  it.each(['99999999999999999999', '2147483648', '-1'])('offset=%s', async (offset) => {
    const { status, body } = await admin('GET', `/token?offset=${offset}`);
    expect(status).toBe(400);
    expect(body.error).toMatch(/^query\.offset /);
  });
});

describe('admin API: a date-time PostgreSQL cannot store, or JavaScript cannot represent, is a 400', () => {
  it.each([
    ['year 0', '0000-06-01T00:00:00Z'],
    ['an offset that moves it into year 0', '0001-01-01T00:00:00+01:00'],
    ['an offset that moves it past year 9999', '9999-12-31T23:59:59-01:00'],
    ['a leap second', '2016-12-31T23:59:60Z'],
    ['a five-digit year', '300000-01-01T00:00:00Z'],
  ])('%s', async (_what, expiryDate) => {
    expect(await admin('POST', '/token', JSON.stringify(token({ expiryDate })))).toEqual({
      status: 400,
      body: { status: 'Bad Request', error: 'body.expiryDate must match format "date-time"' },
    });
  });
});

describe('admin API: a body nested absurdly deep is a 400, not a stack overflow', () => {
  it('100,000 nested arrays in a free-form payload', async () => {
    const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
    const { status, body } = await admin('POST', '/cs/HOSTILE-CS/call', `{"action": "Reset", "payload": {"type": ${deep}}}`);
    expect(status).toBe(400);
    expect(body.error).toMatch(/^body\.payload\.type(\[0\])+ is nested deeper than 64 levels$/);
  });
});

// OCPI answers what reached it (parsed, JSON) inside its own layer: HTTP 200 with 2001; only what is not JSON is a 400.
describe('OCPI: hostile input is OCPI status 2001 (HTTP 200, or 400 when the body is not JSON)', () => {
  it('a NUL in a path parameter', async () => {
    const { status, body } = await ocpi('GET', '/locations/L%00');
    expect(status).toBe(200);
    expect(body).toMatchObject({ status_code: 2001, status_message: 'path.location_id contains a NUL character' });
  });

  it('a NUL in a query value', async () => {
    const { status, body } = await ocpi('GET', '/locations?date_from=2024-01-01T00:00:00%00');
    expect(status).toBe(200);
    expect(body).toMatchObject({ status_code: 2001, status_message: 'query.date_from contains a NUL character' });
  });

  it('a lone surrogate in a body string', async () => {
    const body = '{"country_code":"NL","party_id":"ANO","uid":"U1","type":"RFID","contract_id":"\\ud800","issuer":"x","valid":true,"whitelist":"ALWAYS","last_updated":"2024-01-01T00:00:00Z"}';
    const answer = await ocpi('PUT', '/tokens/NL/ANO/U1', body);
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ status_code: 2001, status_message: 'body.contract_id contains an unpaired UTF-16 surrogate' });
  });

  it.each([
    ['month 13', '2024-13-01T00:00:00Z'],
    ['hour 24', '2024-01-01T24:00:00Z'],
    ['a leap second', '2016-12-31T23:59:60Z'],
    ['year 0', '0000-01-01T00:00:00Z'],
    ['day 99', '2024-01-99T00:00:00'],
  ])('a DateTime with %s in a query', async (_what, value) => {
    const { status, body } = await ocpi('GET', `/sessions?date_from=${encodeURIComponent(value)}`);
    expect(status).toBe(200);
    expect(body.status_code).toBe(2001);
    expect(body.status_message).toMatch(/^query\.date_from must match pattern/);
  });

  it.each(['99999999999999999999', '2147483648'])('offset=%s', async (offset) => {
    const { status, body } = await ocpi('GET', `/locations?offset=${offset}`);
    expect(status).toBe(200);
    expect(body).toMatchObject({ status_code: 2001, status_message: 'query.offset must be <= 2147483647' });
  });

  it('invalid JSON', async () => {
    const { status, body } = await ocpi('PUT', '/tokens/NL/ANO/U1', '{"uid": ');
    expect(status).toBe(400);
    expect(body.status_code).toBe(2001);
    expect(body.status_message).toMatch(/^body is not valid JSON/);
  });
});

describe('after all of that the server still answers', () => {
  it('GET /health is 200', async () => {
    expect((await fetch(`${anode.url}/health`)).status).toBe(200);
  });
});
