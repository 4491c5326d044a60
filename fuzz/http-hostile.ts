/**
 * Hostile values for an HTTP fuzz: strings the database cannot store (NUL, lone UTF-16 surrogates), control
 * characters, long strings, numbers out of any column's range or JSON numbers that parse to Infinity, dates
 * PostgreSQL cannot store, wrong types, junk nested deep, broken percent-encoding, invalid JSON, and the mutation
 * of a conforming JSON value at one spot. Each hostile value carries a short label for the failure report.
 */
import fc from 'fast-check';

/** JSON text spliced into a body as it is (numbers JSON.stringify cannot write, junk nested deeper than a stack). */
export class RawJson {
  constructor(readonly text: string) {}
}

/** JSON.stringify, but RawJson values are written as their text. Iterative over nesting depth the fuzz builds. */
export function jsonText(value: unknown): string {
  if (value instanceof RawJson) return value.text;
  if (Array.isArray(value)) return `[${value.map((item) => (item === undefined ? 'null' : jsonText(item))).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value).filter(([, item]) => item !== undefined);
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${jsonText(item)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

export interface Labelled<T> {
  value: T;
  label: string;
}

const labelled = <T>(label: string, value: T): Labelled<T> => ({ value, label });

/** Any UTF-16 code unit, lone surrogates included. */
const codeUnit = fc.integer({ min: 0, max: 0xffff }).map((unit) => String.fromCharCode(unit));

export const hostileStrings: fc.Arbitrary<Labelled<string>> = fc.oneof(
  fc.constantFrom(
    labelled('NUL', '\u0000'),
    labelled('text with NUL', 'abc\u0000def'),
    labelled('lone high surrogate', '\ud800'),
    labelled('lone low surrogate', 'x\udc00y'),
    labelled('reversed surrogate pair', '\udc00\ud800'),
    labelled('control characters', '\u0001\u0002\u001b[31m\u007f'),
    labelled('CR LF', 'a\r\nb'),
    labelled('empty', ''),
    labelled('spaces', '   '),
    labelled('percent-encoded NUL', '%00'),
    labelled('SQL', "'; drop table tokens; --"),
    labelled('path traversal', '../../etc/passwd'),
    labelled('non-ASCII', 'Zürich 東京 \ud83d\udd0c'),
    labelled('BOM and zero-width', '\ufeff\u200b'),
    labelled('year 0 date', '0000-01-01T00:00:00Z'),
    labelled('year 300000 date', '300000-01-01T00:00:00Z'),
    labelled('leap second', '2016-12-31T23:59:60Z'),
    labelled('month 13', '2020-13-01T00:00:00Z'),
    labelled('negative year', '-000001-01-01T00:00:00Z'),
    labelled('number as text', '1e400'),
  ),
  fc.integer({ min: 256, max: 70_000 }).map((length) => labelled(`${length} characters`, 'x'.repeat(length))),
  fc.string({ unit: codeUnit, minLength: 1, maxLength: 12 }).map((text) => labelled('random UTF-16', text)),
);

export const hostileNumbers: fc.Arbitrary<Labelled<number | RawJson>> = fc.oneof(
  fc.constantFrom(
    labelled('1e20', 1e20),
    labelled('-1e308', -1e308),
    labelled('1e308', 1e308),
    labelled('2^31', 2 ** 31),
    labelled('-2^31-1', -(2 ** 31) - 1),
    labelled('2^53+2', 2 ** 53 + 2),
    labelled('-1', -1),
    labelled('0.5', 0.5),
    labelled('-0', -0),
    labelled('5e-324', 5e-324),
    labelled('1e400 (Infinity)', new RawJson('1e400')),
    labelled('-1e400 (-Infinity)', new RawJson('-1e400')),
    labelled('400-digit integer', new RawJson(`1${'0'.repeat(400)}`)),
    labelled('1.0', new RawJson('1.0')),
  ),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((value) => labelled('random double', value)),
);

const junkDepth = fc.integer({ min: 65, max: 100_000 });
export const hostileStructures: fc.Arbitrary<Labelled<unknown>> = fc.oneof(
  fc.constantFrom<Labelled<unknown>>(
    labelled('null', null),
    labelled('true', true),
    labelled('empty object', {}),
    labelled('empty array', []),
    labelled('number', 42),
    labelled('string', 'string'),
    labelled('object with NUL key', { 'a\u0000': 1 }),
    labelled('object with surrogate key', { '\udfff': 'x' }),
    labelled('prototype keys', JSON.parse('{"__proto__": {"polluted": true}, "constructor": {"prototype": {}}}')),
  ),
  junkDepth.map((depth) => labelled(`arrays nested ${depth} deep`, new RawJson(`${'['.repeat(depth)}${']'.repeat(depth)}`))),
  junkDepth.map((depth) => labelled(`objects nested ${depth} deep`, new RawJson(`${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`))),
  fc.integer({ min: 1000, max: 50_000 }).map((length) => labelled(`array of ${length} items`, Array.from({ length }, (_, index) => index))),
  fc.jsonValue({ maxDepth: 3 }).map((value) => labelled('random JSON', value)),
);

export const hostileValues: fc.Arbitrary<Labelled<unknown>> = fc.oneof(
  { arbitrary: hostileStrings as fc.Arbitrary<Labelled<unknown>>, weight: 4 },
  { arbitrary: hostileNumbers as fc.Arbitrary<Labelled<unknown>>, weight: 3 },
  { arbitrary: hostileStructures, weight: 2 },
);

/** Whole bodies that are not the JSON they claim to be. */
export const invalidJsonBodies: fc.Arbitrary<Labelled<string>> = fc.constantFrom(
  labelled('truncated object', '{"uid": '),
  labelled('trailing comma', '{"a": 1,}'),
  labelled('single quotes', "{'a': 1}"),
  labelled('NaN literal', '{"a": NaN}'),
  labelled('Infinity literal', '{"a": Infinity}'),
  labelled('two documents', '{}{}'),
  labelled('BOM before JSON', '\ufeff{}'),
  labelled('raw NUL in JSON', '{"a": "\u0000"}'),
  labelled('escaped NUL in JSON', '{"a": "\\u0000"}'),
  labelled('escaped lone surrogate in JSON', '{"a": "\\ud800"}'),
  labelled('duplicate keys', '{"a": 1, "a": "x"}'),
  labelled('unterminated string', '"abc'),
  labelled('whitespace only', ' \n\t '),
  labelled('bare word', 'null'),
  labelled('leading zero', '{"a": 01}'),
  labelled('form data', 'a=1&b=2'),
);

/** Every place in a JSON value: the path of keys/indexes to it. */
function places(value: unknown, path: Array<string | number> = [], out: Array<Array<string | number>> = []): Array<Array<string | number>> {
  out.push(path);
  if (out.length > 500) return out;
  if (Array.isArray(value)) value.forEach((item, index) => places(item, [...path, index], out));
  else if (value !== null && typeof value === 'object' && !(value instanceof RawJson)) {
    for (const [key, item] of Object.entries(value)) places(item, [...path, key], out);
  }
  return out;
}

function describePath(path: Array<string | number>): string {
  return path.reduce<string>((text, key) => (typeof key === 'number' ? `${text}[${key}]` : `${text}.${key}`), 'body');
}

/** A copy of `value` with the thing at `path` replaced (or removed, when `replacement` is the REMOVE marker). */
const REMOVE = Symbol('remove');
function replaceAt(value: unknown, path: Array<string | number>, replacement: unknown): unknown {
  if (path.length === 0) return replacement === REMOVE ? undefined : replacement;
  const [head, ...rest] = path;
  if (Array.isArray(value)) {
    const copy = [...value];
    if (rest.length === 0 && replacement === REMOVE) copy.splice(Number(head), 1);
    else copy[Number(head)] = replaceAt(copy[Number(head)], rest, replacement);
    return copy;
  }
  const copy = { ...(value as Record<string, unknown>) };
  if (rest.length === 0 && replacement === REMOVE) delete copy[head];
  else copy[head] = replaceAt(copy[head], rest, replacement);
  return copy;
}

export type BodyMutation = { kind: 'replace'; hostile: Labelled<unknown> } | { kind: 'remove' } | { kind: 'extra'; key: string; hostile: Labelled<unknown> };

export const bodyMutations: fc.Arbitrary<BodyMutation> = fc.oneof(
  { arbitrary: hostileValues.map((hostile) => ({ kind: 'replace' as const, hostile })), weight: 6 },
  { arbitrary: fc.constant({ kind: 'remove' as const }), weight: 1 },
  {
    arbitrary: fc.tuple(fc.constantFrom('extra', 'a\u0000b', '\ud800', ''), hostileValues).map(([key, hostile]) => ({ kind: 'extra' as const, key, hostile })),
    weight: 1,
  },
);

/** Applies `mutation` at the place `choice` picks (modulo the number of places); returns the value and a label. */
export function mutateJson(value: unknown, choice: number, mutation: BodyMutation): Labelled<unknown> {
  const all = places(value);
  const path = all[choice % all.length];
  const where = describePath(path);
  switch (mutation.kind) {
    case 'replace':
      return labelled(`${where} := ${mutation.hostile.label}`, replaceAt(value, path, mutation.hostile.value));
    case 'remove':
      return labelled(`${where} removed`, replaceAt(value, path, REMOVE));
    case 'extra': {
      const objects = all.filter((candidate) => {
        const target = candidate.reduce<unknown>((node, key) => (node as Record<string, unknown>)[key], value);
        return target !== null && typeof target === 'object' && !Array.isArray(target) && !(target instanceof RawJson);
      });
      if (objects.length === 0) return labelled(`body := ${mutation.hostile.label}`, mutation.hostile.value);
      const target = objects[choice % objects.length];
      return labelled(`${describePath([...target, mutation.key])} added := ${mutation.hostile.label}`, replaceAt(value, [...target, mutation.key], mutation.hostile.value));
    }
  }
}
