import { pino, type Logger } from 'pino';

export type { Logger };

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** How long a repeated error is left out of the log after it was logged. */
const REPEAT_WINDOW_MS = 10_000;

/**
 * Lets through the first of a run of identical errors, then one per window, which says how many it stood for.
 * While PostgreSQL is away every station call fails the same way, thousands a second at scale.
 */
export class RepeatLimiter {
  private readonly windows = new Map<string, { until: number; leftOut: number }>();

  constructor(
    private readonly windowMs = REPEAT_WINDOW_MS,
    private readonly maxKeys = 1000,
    private readonly now = () => Date.now(),
  ) {}

  /** undefined: leave this one out; otherwise how many like it were left out since the last one let through. */
  admit(key: string): number | undefined {
    const now = this.now();
    const window = this.windows.get(key);
    if (window && now < window.until) {
      window.leftOut += 1;
      return undefined;
    }
    if (!window && this.windows.size >= this.maxKeys) {
      for (const [old, { until }] of this.windows) if (until <= now) this.windows.delete(old);
      if (this.windows.size >= this.maxKeys) this.windows.clear();
    }
    this.windows.set(key, { until: now + this.windowMs, leftOut: 0 });
    return window?.leftOut ?? 0;
  }
}

/** The first line of the innermost error's message: what went wrong, without the wrappers' context. */
function rootMessage(error: unknown): string {
  let cause = error;
  for (let depth = 0; depth < 6 && (cause as { cause?: unknown })?.cause instanceof Object; depth += 1) cause = (cause as { cause: unknown }).cause;
  return String((cause as { message?: unknown })?.message ?? cause).split('\n')[0].slice(0, 200);
}

/** `destination`: where the lines go (default stdout). */
export function createLogger(level: LogLevel, destination?: pino.DestinationStream, repeats = new RepeatLimiter()): Logger {
  const options: pino.LoggerOptions = {
    level,
    base: { service: 'anode' },
    hooks: {
      // Lines with an error (warn and above) that repeat one logged within the window, by message and root cause.
      logMethod(args, method, lineLevel) {
        const [fields, message] = args as unknown[];
        const error = (fields as { err?: unknown } | null)?.err;
        if (lineLevel < 40 || error === undefined || typeof message !== 'string') return method.apply(this, args);
        const leftOut = repeats.admit(`${lineLevel}\0${message}\0${rootMessage(error)}`);
        if (leftOut === undefined) return;
        if (leftOut === 0) return method.apply(this, args);
        return method.apply(this, [{ ...(fields as object), repeatsLeftOut: leftOut }, ...args.slice(1)] as typeof args);
      },
    },
  };
  return destination ? pino(options, destination) : pino(options);
}
