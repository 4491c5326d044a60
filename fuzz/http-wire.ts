/**
 * The text-level parts of hostile HTTP requests: percent-encoding (correct and broken) for paths and queries,
 * Authorization headers of many shapes, other headers, and wire-level damage that only a raw socket can send (NUL
 * and control bytes in the request line or headers, broken Content-Length or chunked framing).
 */
import fc from 'fast-check';
import { hostileStrings, type Labelled } from './http-hostile.js';

const labelled = <T>(label: string, value: T): Labelled<T> => ({ value, label });

/** Percent-encodes the UTF-8 bytes of `text` (a lone surrogate becomes U+FFFD, as any UTF-8 encoder makes it). */
export function percentEncode(text: string): string {
  let out = '';
  for (const byte of Buffer.from(text, 'utf8')) {
    const char = String.fromCharCode(byte);
    out += /[A-Za-z0-9\-._~]/.test(char) ? char : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** Encoded text for a path segment or query value that decodes to something hostile, or does not decode at all. */
export const hostileEncoded: fc.Arbitrary<Labelled<string>> = fc.oneof(
  { arbitrary: hostileStrings.map((hostile) => labelled(hostile.label, percentEncode(hostile.value))), weight: 3 },
  {
    arbitrary: fc.constantFrom(
      labelled('%00', '%00'),
      labelled('a%00b', 'a%00b'),
      labelled('lone % sign', '%'),
      labelled('%z', '%z'),
      labelled('%zz', '%zz'),
      labelled('%0', '%0'),
      labelled('UTF-8 of a surrogate (%ED%A0%80)', '%ED%A0%80'),
      labelled('overlong NUL (%C0%80)', '%C0%80'),
      labelled('overlong slash (%C0%AF)', '%C0%AF'),
      labelled('%FF', '%FF'),
      labelled('truncated UTF-8 (%E0%A4)', '%E0%A4'),
      labelled('encoded slash', 'a%2Fb'),
      labelled('encoded dot-dot', '%2e%2e'),
      labelled('double-encoded NUL', '%2500'),
      labelled('%u0000', '%u0000'),
      labelled('plus signs', '+a+b+'),
      labelled('raw Latin-1 bytes', '\u00e9\u00ff'),
    ),
    weight: 2,
  },
  {
    arbitrary: fc.constantFrom('-1', '1e20', '99999999999999999999', '0.5', 'NaN', 'Infinity', '-0', '0x10', '+1', '2147483648', '-2147483649', '9007199254740993').map((text) => labelled(`number ${text}`, text)),
    weight: 2,
  },
  {
    arbitrary: fc
      .constantFrom('0000-01-01T00:00:00Z', '2020-13-45T99:99:99Z', '300000-01-01T00:00:00Z', '2016-12-31T23:59:60Z', '2020-02-30T00:00:00', '0001-01-01T00:00:00+01:00')
      .map((text) => labelled(`date ${text}`, percentEncode(text))),
    weight: 1,
  },
);

const base64 = (bytes: Uint8Array | string) => Buffer.from(bytes).toString('base64');

/** Authorization headers that carry no valid credential, for either wing (undefined: no header at all). */
export function brokenAuthorization(validTokens: string[], adminToken: string | undefined): fc.Arbitrary<Labelled<string | undefined>> {
  const some = validTokens[0] ?? 'no-token';
  const admin = adminToken ?? 'no-admin-token';
  return fc.oneof(
    fc.constantFrom<Labelled<string | undefined>>(
      labelled('no Authorization', undefined),
      labelled('empty Authorization', ''),
      labelled('Token without a value', 'Token'),
      labelled('Token and spaces', 'Token    '),
      labelled('Token of 3 NUL bytes', `Token ${base64(new Uint8Array(3))}`),
      labelled('Token AAAA (NUL bytes)', 'Token AAAA'),
      labelled('Token of base64 UTF-8 surrogate bytes', `Token ${base64(new Uint8Array([0xed, 0xa0, 0x80]))}`),
      labelled('Token of a valid token plus NUL', `Token ${base64(`${some}\u0000`)}`),
      labelled('Token of control characters', `Token ${base64('\u0001\u0002\u001f')}`),
      labelled('Token not base64', 'Token !!!***'),
      labelled('Token with two values', `Token ${base64(some)} ${base64(some)}`),
      labelled('Token with extra padding', `Token ${base64(some)}==`),
      labelled('Token raw (not base64)', `Token ${some}`),
      labelled('Token of Latin-1 text', 'Token \u00e9\u00e8\u00ff'),
      labelled('Token of 8 KB', `Token ${'A'.repeat(8192)}`),
      labelled('Bearer instead of Token', `Bearer ${base64(some)}`),
      labelled('Basic', 'Basic Zm9vOmJhcg=='),
      labelled('Bearer without a value', 'Bearer'),
      labelled('Bearer of NUL-looking text', 'Bearer \\u0000'),
      labelled('Bearer wrong', 'Bearer wrong-token-0123456789'),
      labelled('Bearer prefix of the admin token', `Bearer ${admin.slice(0, -1)}`),
      labelled('Bearer admin token plus a character', `Bearer ${admin}x`),
      labelled('Bearer admin token twice', `Bearer ${admin} ${admin}`),
      labelled('Token with the admin token', `Token ${admin}`),
      labelled('Bearer of Latin-1 text', 'Bearer \u00e9\u00ff'),
      labelled('Bearer of 8 KB', `Bearer ${'x'.repeat(8192)}`),
      labelled('Bearer with a tab', `Bearer\t${admin}`),
    ),
    fc.uint8Array({ maxLength: 48 }).map((bytes) => labelled('Token of random bytes', `Token ${base64(bytes)}`)),
    fc.uint8Array({ maxLength: 48 }).map((bytes) => labelled('Bearer of random Latin-1', `Bearer ${Buffer.from(bytes.map((byte) => (byte < 0x20 || byte === 0x7f ? 0x41 : byte))).toString('latin1')}`)),
  );
}

/** Other headers a handler reads, with junk in them (all sendable by a well-behaved client: Latin-1, no controls). */
export const hostileHeaders: fc.Arbitrary<Labelled<Record<string, string>>> = fc
  .tuple(
    fc.constantFrom('X-Request-ID', 'X-Correlation-ID', 'OCPI-from-country-code', 'OCPI-from-party-id', 'OCPI-to-country-code', 'OCPI-to-party-id', 'If-Match', 'Accept', 'Content-Length', 'Host', 'Transfer-Encoding', 'Expect'),
    fc.constantFrom('', ' ', '\u00e9\u00ff\u00a0', 'x'.repeat(4096), '%00', '"*"', 'W/"1"', '-1', '99999999999999999999', 'chunked', '100-continue', 'NL', 'ZZZ', '*/*'),
  )
  .map(([name, value]) => labelled(`${name}: ${JSON.stringify(value.length > 40 ? `${value.slice(0, 10)}…(${value.length})` : value)}`, { [name]: value }));

export const contentTypes: fc.Arbitrary<Labelled<string | undefined>> = fc.constantFrom<Labelled<string | undefined>>(
  labelled('no Content-Type', undefined),
  labelled('text/plain', 'text/plain'),
  labelled('form', 'application/x-www-form-urlencoded'),
  labelled('multipart', 'multipart/form-data; boundary=x'),
  labelled('JSON in UTF-16', 'application/json; charset=utf-16'),
  labelled('application/jsonx', 'application/jsonx'),
  labelled('vendor +json', 'application/vnd.fuzz+json'),
  labelled('JSON with junk parameters', 'application/json;;;=; charset="'),
);

/** Damage that a raw socket can do to a serialized request (each keeps the request complete unless it says so). */
export interface WireDamage {
  label: string;
  apply(request: { method: string; target: string; headers: Record<string, string>; body: Buffer }): Buffer;
  /** false when the damaged request leaves the server waiting for more (a body shorter than declared) */
  expectsAnswer: boolean;
}

function serialize(method: string, target: string, headers: Array<[string, string]>, body: Buffer, version = 'HTTP/1.1'): Buffer {
  const head = `${method} ${target} ${version}\r\n${headers.map(([name, value]) => `${name}: ${value}\r\n`).join('')}\r\n`;
  return Buffer.concat([Buffer.from(head, 'latin1'), body]);
}

const plainHeaders = (headers: Record<string, string>, body: Buffer): Array<[string, string]> => [
  ['Host', '127.0.0.1'],
  ['Connection', 'close'],
  ...Object.entries(headers).filter(([name]) => !/^(host|connection|content-length)$/i.test(name)),
  ['Content-Length', String(body.length)],
];

const damage = (label: string, apply: WireDamage['apply'], expectsAnswer = true): WireDamage => ({ label, apply, expectsAnswer });

export const wireDamage: fc.Arbitrary<WireDamage> = fc.constantFrom(
  damage('NUL in the request target', (r) => serialize(r.method, `${r.target}\u0000x`, plainHeaders(r.headers, r.body), r.body)),
  damage('space in the request target', (r) => serialize(r.method, `${r.target} x`, plainHeaders(r.headers, r.body), r.body)),
  damage('raw invalid UTF-8 in the target', (r) => serialize(r.method, `${r.target}\u00ff\u00fe`, plainHeaders(r.headers, r.body), r.body)),
  damage('NUL in Authorization', (r) => serialize(r.method, r.target, [...plainHeaders(r.headers, r.body), ['Authorization', 'Token \u0000\u0000']], r.body)),
  damage('control bytes in a header', (r) => serialize(r.method, r.target, [...plainHeaders(r.headers, r.body), ['X-Request-ID', 'a\u0001\u0002b']], r.body)),
  damage('header without a colon', (r) => Buffer.from(serialize(r.method, r.target, plainHeaders(r.headers, r.body), r.body).toString('latin1').replace('\r\n\r\n', '\r\nX-Broken-no-colon\r\n\r\n'), 'latin1')),
  damage('obsolete header folding', (r) => serialize(r.method, r.target, [...plainHeaders(r.headers, r.body), ['X-Request-ID', 'a\r\n b']], r.body)),
  damage('Content-Length -1', (r) => serialize(r.method, r.target, [...plainHeaders(r.headers, r.body).filter(([n]) => n !== 'Content-Length'), ['Content-Length', '-1']], r.body)),
  damage('Content-Length not a number', (r) => serialize(r.method, r.target, [...plainHeaders(r.headers, r.body).filter(([n]) => n !== 'Content-Length'), ['Content-Length', 'abc']], r.body)),
  damage('two different Content-Lengths', (r) => serialize(r.method, r.target, [...plainHeaders(r.headers, r.body), ['Content-Length', String(r.body.length + 1)]], r.body)),
  damage('Content-Length beyond the body', (r) => serialize(r.method, r.target, [...plainHeaders(r.headers, r.body).filter(([n]) => n !== 'Content-Length'), ['Content-Length', String(r.body.length + 10)]], r.body), false),
  damage('chunked with a bad chunk size', (r) => serialize(r.method, r.target, [...plainHeaders(r.headers, r.body).filter(([n]) => n !== 'Content-Length'), ['Transfer-Encoding', 'chunked']], Buffer.from('zz\r\nabc\r\n0\r\n\r\n'))),
  damage('chunked and Content-Length', (r) => serialize(r.method, r.target, [...plainHeaders(r.headers, r.body), ['Transfer-Encoding', 'chunked']], Buffer.from(`${r.body.length.toString(16)}\r\n${r.body.toString('latin1')}\r\n0\r\n\r\n`, 'latin1'))),
  damage('HTTP/1.0 without Host', (r) => serialize(r.method, r.target, plainHeaders(r.headers, r.body).filter(([n]) => n !== 'Host'), r.body, 'HTTP/1.0')),
  damage('HTTP/9.9', (r) => serialize(r.method, r.target, plainHeaders(r.headers, r.body), r.body, 'HTTP/9.9')),
  damage('lower-case method', (r) => serialize(r.method.toLowerCase(), r.target, plainHeaders(r.headers, r.body), r.body)),
  damage('unknown method', (r) => serialize('FUZZ', r.target, plainHeaders(r.headers, r.body), r.body)),
  damage('absolute-form target', (r) => serialize(r.method, `http://127.0.0.1${r.target}`, plainHeaders(r.headers, r.body), r.body)),
  damage('a 20 KB header', (r) => serialize(r.method, r.target, [...plainHeaders(r.headers, r.body), ['X-Big', 'y'.repeat(20_000)]], r.body)),
  damage('bare LF line endings', (r) => Buffer.from(serialize(r.method, r.target, plainHeaders(r.headers, r.body), r.body).toString('latin1').replace(/\r\n/g, '\n'), 'latin1')),
);

export { labelled };
