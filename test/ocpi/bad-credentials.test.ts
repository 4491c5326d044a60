import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { presentedTokens } from '../../src/ocpi/transport.js';
import { startIsolatedAnode, type TestAnode } from '../support/anode.js';

const TOKEN = 'bad-credentials-test-token';
const base64 = (bytes: Uint8Array | string) => Buffer.from(bytes).toString('base64');

let anode: TestAnode;
beforeAll(async () => {
  anode = await startIsolatedAnode();
  const { response } = await anode.admin.POST('/register', { body: { token: TOKEN, status: 'REGISTERED' } });
  expect(response.status).toBe(201);
});
afterAll(() => anode?.stop());

const shapes: Array<[string, string]> = [
  ['base64 of NUL bytes', `Token ${base64(new Uint8Array(3))}`],
  ['AAAA (three NUL bytes)', 'Token AAAA'],
  ['base64 of a valid token followed by NUL', `Token ${base64(`${TOKEN}\u0000`)}`],
  ['base64 of NUL in the middle of a token', `Token ${base64('abc\u0000def')}`],
  ['base64 of the UTF-8 bytes of a lone surrogate', `Token ${base64(new Uint8Array([0xed, 0xa0, 0x80]))}`],
  ['base64 of invalid UTF-8', `Token ${base64(new Uint8Array([0xff, 0xfe, 0xfd]))}`],
  ['base64 of control characters', `Token ${base64('\u0001\u0002\u001b\u007f')}`],
  ['base64 of non-ASCII text', `Token ${base64('Zürich 東京')}`],
  ['Latin-1 text that is not base64', 'Token \u00e9\u00e8\u00ff'],
  ['not base64 at all', 'Token !!!***'],
  ['the token unencoded (no compatibility switch)', `Token ${TOKEN}`],
  ['the token with extra padding', `Token ${base64(TOKEN)}==`],
  ['two values', `Token ${base64(TOKEN)} ${base64(TOKEN)}`],
  ['the scheme without a value', 'Token'],
  ['the scheme and spaces', 'Token     '],
  ['an empty header', ''],
  ['another scheme', `Bearer ${base64(TOKEN)}`],
  ['8 KB of base64', `Token ${'A'.repeat(8192)}`],
  ['8 KB of base64 that decodes to text', `Token ${base64('x'.repeat(6144))}`],
];

describe('a bad OCPI credential of any shape is a 401 with OCPI status 2000, never a 5xx', () => {
  it.each(shapes)('%s', async (_shape, authorization) => {
    for (const path of ['/ocpi/versions', '/ocpi/2.2.1/locations', '/ocpi/2.2.1/credentials']) {
      const response = await fetch(`${anode.url}${path}`, { headers: { Authorization: authorization } });
      expect(response.status, path).toBe(401);
      const body = (await response.json()) as { status_code: number; status_message: string };
      expect(body.status_code, path).toBe(2000);
    }
  });

  it('the valid token still opens the same paths', async () => {
    const response = await fetch(`${anode.url}/ocpi/2.2.1/locations`, { headers: { Authorization: `Token ${base64(TOKEN)}` } });
    expect(response.status).toBe(200);
  });

  it('a NUL byte sent raw in the header is refused by the HTTP parser with a 400, and the server answers on', async () => {
    const { connect } = await import('node:net');
    const url = new URL(anode.url);
    const answer = await new Promise<string>((resolve) => {
      const socket = connect(Number(url.port), url.hostname);
      let text = '';
      socket.on('connect', () => socket.write('GET /ocpi/versions HTTP/1.1\r\nHost: x\r\nAuthorization: Token \u0000\u0000\r\nConnection: close\r\n\r\n', 'latin1'));
      socket.on('data', (chunk) => (text += chunk.toString('latin1')));
      socket.on('close', () => resolve(text));
      socket.on('error', () => resolve(text));
    });
    expect(answer).toMatch(/^HTTP\/1\.1 400 /);
    expect((await fetch(`${anode.url}/ocpi/versions`, { headers: { Authorization: `Token ${base64(TOKEN)}` } })).status).toBe(200);
  });
});

describe('a token that cannot be stored is never looked up', () => {
  it.each([
    ['NUL bytes', new Uint8Array(3)],
    ['a token ending in NUL', 'token\u0000'],
  ])('%s: only the base64 text itself is offered (to parties that send raw tokens), not what it decodes to', (_what, token) => {
    expect(presentedTokens(`Token ${base64(token)}`)).toEqual({ raw: base64(token) });
  });

  it('a valid base64 token is offered decoded, and as it is for the compatibility switch', () => {
    expect(presentedTokens(`Token ${base64('abc-123')}`)).toEqual({ raw: base64('abc-123'), decoded: 'abc-123' });
  });
});
