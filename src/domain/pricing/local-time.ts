/** Local wall-clock time in an IANA time zone, DST included, for the restrictions' times, dates and weekdays. */
import type { DayOfWeek } from './types.js';

const DAY_MS = 86_400_000;

export interface LocalTime {
  /** YYYY-MM-DD */
  date: string;
  year: number;
  month: number;
  day: number;
  /** seconds since local midnight, with the fraction of the second */
  secondOfDay: number;
  /** whole seconds since local midnight */
  wholeSecondOfDay: number;
  weekday: DayOfWeek;
}

const WEEKDAYS: Record<string, DayOfWeek> = {
  Mon: 'MONDAY',
  Tue: 'TUESDAY',
  Wed: 'WEDNESDAY',
  Thu: 'THURSDAY',
  Fri: 'FRIDAY',
  Sat: 'SATURDAY',
  Sun: 'SUNDAY',
};

const WEEKDAY_BY_INDEX: DayOfWeek[] = ['SUNDAY', 'MONDAY', 'TUESDAY', 'WEDNESDAY', 'THURSDAY', 'FRIDAY', 'SATURDAY'];

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let fmt = formatters.get(timeZone);
  if (!fmt) {
    try {
      fmt = new Intl.DateTimeFormat('en-US', {
        timeZone,
        hourCycle: 'h23',
        weekday: 'short',
        year: 'numeric',
        month: '2-digit',
        day: '2-digit',
        hour: '2-digit',
        minute: '2-digit',
        second: '2-digit',
      });
    } catch {
      throw new RangeError(`unknown time zone: ${timeZone}`);
    }
    formatters.set(timeZone, fmt);
  }
  return fmt;
}

export class LocalClock {
  private readonly fmt: Intl.DateTimeFormat;
  /** UTC offsets over a known span (set by `boundaries`): local time there is plain arithmetic */
  private known?: { from: number; to: number; changes: { at: number; offset: number }[] };

  constructor(timeZone: string) {
    this.fmt = formatter(timeZone);
  }

  at(ms: number): LocalTime {
    const known = this.known;
    if (!known || ms < known.from || ms > known.to) return this.formatted(ms);
    let offset = known.changes[0].offset;
    for (const c of known.changes) if (c.at <= ms) offset = c.offset;
    const d = new Date(ms + offset);
    const wholeSecondOfDay = d.getUTCHours() * 3600 + d.getUTCMinutes() * 60 + d.getUTCSeconds();
    const pad = (n: number, w = 2) => String(n).padStart(w, '0');
    return {
      date: `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`,
      year: d.getUTCFullYear(),
      month: d.getUTCMonth() + 1,
      day: d.getUTCDate(),
      secondOfDay: wholeSecondOfDay + d.getUTCMilliseconds() / 1000,
      wholeSecondOfDay,
      weekday: WEEKDAY_BY_INDEX[d.getUTCDay()],
    };
  }

  private formatted(ms: number): LocalTime {
    const p: Record<string, string> = {};
    for (const part of this.fmt.formatToParts(new Date(ms))) p[part.type] = part.value;
    const hour = Number(p.hour) % 24;
    const wholeSecondOfDay = hour * 3600 + Number(p.minute) * 60 + Number(p.second);
    const msOfSecond = ((ms % 1000) + 1000) % 1000;
    return {
      date: `${p.year.padStart(4, '0')}-${p.month}-${p.day}`,
      year: Number(p.year),
      month: Number(p.month),
      day: Number(p.day),
      secondOfDay: wholeSecondOfDay + msOfSecond / 1000,
      wholeSecondOfDay,
      weekday: WEEKDAYS[p.weekday],
    };
  }

  /** local minus UTC, ms */
  offset(ms: number): number {
    const t = Math.floor(ms / 1000) * 1000;
    const l = this.formatted(t);
    return Date.UTC(l.year, l.month - 1, l.day) + l.wholeSecondOfDay * 1000 - t;
  }

  /** the first whole second at which the offset differs from the one at `lo` (one change between lo and hi) */
  private transition(lo: number, hi: number): number {
    const before = this.offset(lo);
    let a = Math.floor(lo / 1000);
    let b = Math.ceil(hi / 1000);
    while (b - a > 1) {
      const mid = Math.floor((a + b) / 2);
      if (this.offset(mid * 1000) === before) a = mid;
      else b = mid;
    }
    return b * 1000;
  }

  /**
   * Every instant in (from, to) at which local wall-clock time is one of `secondsOfDay`, plus every UTC offset
   * change (a wall time skipped by DST starts at the change). May return extra instants; they only add cuts.
   */
  boundaries(from: number, to: number, secondsOfDay: number[]): number[] {
    const out: number[] = [];
    const offsets = new Set<number>();
    const lo = from - DAY_MS;
    const hi = to + DAY_MS;
    let prevT = lo;
    let prevO = this.offset(lo);
    offsets.add(prevO);
    const changes = [{ at: lo, offset: prevO }];
    // Offsets change at most once in any 12 hours (DST, or a zone's rare change of standard time).
    while (prevT < hi) {
      const t = Math.min(prevT + DAY_MS / 2, hi);
      const o = this.offset(t);
      offsets.add(o);
      if (o !== prevO) {
        const at = this.transition(prevT, t);
        out.push(at);
        changes.push({ at, offset: o });
      }
      prevT = t;
      prevO = o;
    }
    this.known = { from: lo, to: hi, changes };
    const first = this.at(lo);
    const last = this.at(hi);
    const lastDay = Date.UTC(last.year, last.month - 1, last.day);
    for (let day = Date.UTC(first.year, first.month - 1, first.day); day <= lastDay; day += DAY_MS) {
      for (const s of secondsOfDay) for (const o of offsets) out.push(day + s * 1000 - o);
    }
    return out.filter((t) => t > from && t < to);
  }
}
