import { describe, expect, it } from 'vitest';
import { isStorableDateTime } from '../../src/http/contract-validation.js';
import { dataErrorMessage, dataErrorOf } from '../../src/http/data-errors.js';
import { findUnstorable, isStorableText, MAX_JSON_DEPTH, unstorableText } from '../../src/db/storable.js';

describe('text with a NUL or an unpaired UTF-16 surrogate cannot be stored', () => {
  it.each([
    ['a NUL', 'a\u0000b', 'contains a NUL character'],
    ['a lone high surrogate', 'a\ud800b', 'contains an unpaired UTF-16 surrogate'],
    ['a lone low surrogate', '\udc00', 'contains an unpaired UTF-16 surrogate'],
    ['a high surrogate at the end', 'abc\udbff', 'contains an unpaired UTF-16 surrogate'],
    ['two high surrogates', '\ud800\ud800', 'contains an unpaired UTF-16 surrogate'],
  ])('refuses %s', (_what, text, reason) => {
    expect(unstorableText(text)).toBe(reason);
    expect(isStorableText(text)).toBe(false);
  });

  it.each([
    ['plain text', 'CS-001'],
    ['an empty string', ''],
    ['a surrogate pair (an emoji)', 'plug \ud83d\udd0c'],
    ['control characters other than NUL', '\u0001\t\u001f\u007f'],
    ['non-ASCII text', 'Zürich 東京 \u00ff\ufffd'],
  ])('accepts %s', (_what, text) => {
    expect(unstorableText(text)).toBeUndefined();
    expect(isStorableText(text)).toBe(true);
  });
});

describe('a parsed JSON body is walked for what cannot be stored, naming the field', () => {
  it('names the first offending string by its path', () => {
    expect(findUnstorable({ evses: [{ uid: 'ok' }, { uid: 'E\u00001' }] }, 'body')).toBe('body.evses[1].uid contains a NUL character');
  });

  it('looks at keys too', () => {
    expect(findUnstorable({ payload: { 'k\ud800': 1 } }, 'body')).toBe('body.payload has a key that contains an unpaired UTF-16 surrogate');
  });

  it('refuses a number JSON.parse turned into Infinity (1e400)', () => {
    expect(findUnstorable(JSON.parse('{"a": [1, -1e400]}'), 'body')).toBe('body.a[1] is a number out of range');
  });

  it(`refuses nesting deeper than ${MAX_JSON_DEPTH} levels without exhausting the stack`, () => {
    const deep = JSON.parse(`${'['.repeat(200_000)}${']'.repeat(200_000)}`);
    expect(findUnstorable(deep, 'body')).toMatch(/^body(\[0\])+ is nested deeper than 64 levels$/);
    const justDeepEnough = JSON.parse(`${'['.repeat(MAX_JSON_DEPTH)}${']'.repeat(MAX_JSON_DEPTH)}`);
    expect(findUnstorable(justDeepEnough, 'body')).toBeUndefined();
  });

  it('accepts ordinary documents', () => {
    expect(findUnstorable({ a: [1, 2.5, null, true, 'x', { b: 'plug \ud83d\udd0c' }] }, 'body')).toBeUndefined();
    expect(findUnstorable('text', 'body')).toBeUndefined();
  });
});

describe('a date-time must be an instant a timestamptz column takes', () => {
  it.each(['2024-02-29T12:00:00Z', '0001-01-01T00:00:00Z', '9999-12-31T23:59:59Z', '2024-06-01T10:00:00+02:00'])('accepts %s', (value) => {
    expect(isStorableDateTime(value)).toBe(true);
  });

  it.each([
    ['year 0', '0000-06-01T00:00:00Z'],
    ['an offset that moves it into year 0', '0001-01-01T00:00:00+01:00'],
    ['an offset that moves it into year 10000', '9999-12-31T23:59:59-01:00'],
    ['a leap second, which JavaScript cannot represent', '2016-12-31T23:59:60Z'],
    ['a day the month does not have', '2023-02-29T00:00:00Z'],
    ['a five-digit year', '300000-01-01T00:00:00Z'],
    ['no time', '2024-01-01'],
  ])('refuses %s', (_what, value) => {
    expect(isStorableDateTime(value)).toBe(false);
  });
});

describe('a database data exception (SQLSTATE class 22) is recognised through the ORM wrapper', () => {
  it('finds the code in the cause chain', () => {
    const driverError = Object.assign(new Error('invalid byte sequence for encoding "UTF8": 0x00'), { code: '22021' });
    const wrapped = new Error('Failed query: select 1', { cause: driverError });
    const found = dataErrorOf(wrapped);
    expect(found).toEqual({ sqlState: '22021', message: 'invalid byte sequence for encoding "UTF8": 0x00' });
    expect(dataErrorMessage(found!)).toBe(
      'the request holds a value the database cannot store (invalid byte sequence for encoding "UTF8": 0x00)',
    );
  });

  it.each([
    ['a unique violation (23505)', Object.assign(new Error('duplicate key'), { code: '23505' })],
    ['a connection failure (08006)', Object.assign(new Error('connection lost'), { code: '08006' })],
    ['an error without a code', new TypeError('x is undefined')],
    ['a non-error', 'boom'],
  ])('leaves %s alone', (_what, error) => {
    expect(dataErrorOf(error)).toBeUndefined();
  });
});
