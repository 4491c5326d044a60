/**
 * What the database can store, for the edges to refuse the rest before a query fails (the HTTP contracts answer 400,
 * the OCPP gateway a CALLERROR): PostgreSQL refuses NUL in text (22021) and the `\u0000` escape in jsonb (22P05), and
 * a lone UTF-16 surrogate becomes an escape jsonb refuses too (or a silent U+FFFD in text). A JSON value nested
 * absurdly deep is refused as well: walking it (validation, JSON.stringify into jsonb) would exhaust the stack.
 * Timestamps are written as ISO text, which PostgreSQL reads for the years 1 to 9999 (UTC) only.
 */

/** NUL, or a surrogate that is not half of a pair (with the `u` flag a proper pair is one code point, not `Cs`). */
const UNSTORABLE = /[\u0000\p{Cs}]/u;

/** Far deeper than any document the contracts describe. */
export const MAX_JSON_DEPTH = 64;

/** Why `text` cannot be stored, or undefined when it can. */
export function unstorableText(text: string): string | undefined {
  const match = UNSTORABLE.exec(text);
  if (!match) return undefined;
  return match[0] === '\u0000' ? 'contains a NUL character' : 'contains an unpaired UTF-16 surrogate';
}

export function isStorableText(text: string): boolean {
  return !UNSTORABLE.test(text);
}

/** The first and last instants a timestamp column takes as Anode writes them (ms since the epoch). */
export const EARLIEST_STORABLE_MS = Date.parse('0001-01-01T00:00:00Z');
export const LATEST_STORABLE_MS = Date.parse('9999-12-31T23:59:59.999Z');

export function isStorableInstant(ms: number): boolean {
  return ms >= EARLIEST_STORABLE_MS && ms <= LATEST_STORABLE_MS;
}

/**
 * `body` + `evses` → `body.evses`, `body.evses` + 0 → `body.evses[0]` (as the contract's error messages name fields);
 * from the root `''`, a field is named alone (`evses`).
 */
function child(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  return path ? `${path}.${key}` : key;
}

/** isStorableText, faster for the short strings of OCPP and JSON bodies: the pattern runs only once a surrogate shows. */
function isStorableString(text: string): boolean {
  for (let i = 0; i < text.length; i += 1) {
    const code = text.charCodeAt(i);
    if (code === 0) return false;
    if (code >= 0xd800 && code <= 0xdfff) return !UNSTORABLE.test(text);
  }
  return true;
}

/** Reused by isStorable: every OCPP call and HTTP body is checked, and nearly all are clean. */
const stackValues: unknown[] = [];
const stackDepths: number[] = [];

/**
 * What findUnstorable answers for a clean value, without building a path or an object per node: the check runs on
 * every station call (7 µs for a MeterValues with paths built at each node, against about 1 µs this way).
 */
function isStorable(value: unknown): boolean {
  stackValues.length = 0;
  stackDepths.length = 0;
  stackValues.push(value);
  stackDepths.push(0);
  while (stackValues.length > 0) {
    const current = stackValues.pop();
    const depth = stackDepths.pop()!;
    if (typeof current === 'string') {
      if (!isStorableString(current)) return false;
    } else if (typeof current === 'number') {
      if (!Number.isFinite(current)) return false;
    } else if (current !== null && typeof current === 'object') {
      if (depth >= MAX_JSON_DEPTH) return false;
      if (Array.isArray(current)) {
        for (const item of current) {
          stackValues.push(item);
          stackDepths.push(depth + 1);
        }
      } else {
        for (const key in current) {
          if (!isStorableString(key)) return false;
          stackValues.push((current as Record<string, unknown>)[key]);
          stackDepths.push(depth + 1);
        }
      }
    }
  }
  return true;
}

/**
 * The first problem in a parsed JSON value, as `<field> <what is wrong>` (for example
 * `body.evses[0].uid contains a NUL character`; `root` names the value itself, '' for none), or undefined when every key and string can be stored, every number
 * is finite and nothing nests deeper than MAX_JSON_DEPTH. Iterative, so that depth cannot overflow the stack here.
 */
export function findUnstorable(value: unknown, root: string): string | undefined {
  if (isStorable(value)) return undefined;
  const pending: Array<{ value: unknown; path: string; depth: number }> = [{ value, path: root, depth: 0 }];
  for (let next = pending.pop(); next; next = pending.pop()) {
    const { value: current, path, depth } = next;
    if (typeof current === 'string') {
      const problem = unstorableText(current);
      if (problem) return `${path} ${problem}`;
    } else if (typeof current === 'number') {
      if (!Number.isFinite(current)) return `${path} is a number out of range`;
    } else if (current !== null && typeof current === 'object') {
      if (depth >= MAX_JSON_DEPTH) return `${path} is nested deeper than ${MAX_JSON_DEPTH} levels`;
      if (Array.isArray(current)) {
        for (let index = current.length - 1; index >= 0; index -= 1) {
          pending.push({ value: current[index], path: child(path, index), depth: depth + 1 });
        }
      } else {
        const entries = Object.entries(current);
        for (let index = entries.length - 1; index >= 0; index -= 1) {
          const [key, item] = entries[index];
          const problem = unstorableText(key);
          if (problem) return `${path || 'the payload'} has a key that ${problem}`;
          pending.push({ value: item, path: child(path, key), depth: depth + 1 });
        }
      }
    }
  }
  return undefined;
}
