import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startIsolatedAnode, type TestAnode } from '../support/anode.js';

const ADMIN_API_TOKEN = 'bad-credentials-admin-token-0123';

let anode: TestAnode;
beforeAll(async () => {
  anode = await startIsolatedAnode({ ADMIN_API_TOKEN });
});
afterAll(() => anode?.stop());

/** Sends bytes as they are (what fetch refuses to send) and returns the raw answer. */
function rawRequest(text: string): Promise<string> {
  const url = new URL(anode.url);
  return new Promise((resolve) => {
    const socket = connect(Number(url.port), url.hostname);
    let answer = '';
    socket.on('connect', () => socket.write(text, 'latin1'));
    socket.on('data', (chunk) => (answer += chunk.toString('latin1')));
    socket.on('close', () => resolve(answer));
    socket.on('error', () => resolve(answer));
  });
}

describe('with ADMIN_API_TOKEN set, a bad bearer credential of any shape is a 401, never a 5xx', () => {
  it.each([
    ['an empty header', ''],
    ['the scheme alone', 'Bearer'],
    ['the scheme and spaces', 'Bearer     '],
    ['the token plus one character', `Bearer ${ADMIN_API_TOKEN}x`],
    ['the token twice', `Bearer ${ADMIN_API_TOKEN} ${ADMIN_API_TOKEN}`],
    ['the token base64-encoded', `Bearer ${Buffer.from(ADMIN_API_TOKEN).toString('base64')}`],
    ['the escape text of a NUL', 'Bearer \\u0000'],
    ['Latin-1 text', 'Bearer \u00e9\u00e8\u00ff\u00a0'],
    ['8 KB of text', `Bearer ${'x'.repeat(8192)}`],
    ['the OCPI scheme with the right token', `Token ${ADMIN_API_TOKEN}`],
    ['Basic credentials', `Basic ${Buffer.from(`admin:${ADMIN_API_TOKEN}`).toString('base64')}`],
  ])('%s', async (_shape, authorization) => {
    for (const [method, path] of [['GET', '/api/v0/token'], ['POST', '/api/v0/token'], ['DELETE', '/api/v0/ocpi/parties/1']]) {
      const response = await fetch(`${anode.url}${path}`, { method, headers: { Authorization: authorization } });
      expect(response.status, `${method} ${path}`).toBe(401);
      expect(await response.json()).toEqual({ status: 'Unauthorized', error: 'a valid Authorization: Bearer <token> header is required' });
    }
  });

  it('a NUL or control byte sent raw in the header is refused by the HTTP parser with a 400, and the server answers on', async () => {
    for (const value of ['Bearer \u0000', `Bearer ${ADMIN_API_TOKEN}\u0000`, 'Bearer \u0001\u0002']) {
      const answer = await rawRequest(`GET /api/v0/token HTTP/1.1\r\nHost: x\r\nAuthorization: ${value}\r\nConnection: close\r\n\r\n`);
      expect(answer).toMatch(/^HTTP\/1\.1 400 /);
    }
    const { response } = await anode.admin.GET('/token', {});
    expect(response.status).toBe(200);
  });

  it('a header larger than Node allows (16 KB) is a 431 from the HTTP server', async () => {
    const response = await fetch(`${anode.url}/api/v0/token`, { headers: { Authorization: `Bearer ${'x'.repeat(20_000)}` } });
    expect(response.status).toBe(431);
  });
});
