/** The session's meter readings as a timeline: intervals between readings, cut further into segments. */

/**
 * One meter reading. The state it reports (charging, power, current) holds from `at` until the next reading
 * (sample-and-hold); energy between two readings is spread linearly over the time between them.
 */
export interface PricingSample {
  at: Date;
  /** cumulative energy register, Wh */
  energyWh: number;
  /** instantaneous power, W; when absent the average power between this reading and the next is used */
  powerW?: number;
  /** sum of the current over all phases, A; when absent, current restrictions do not hold */
  currentA?: number;
  /** false: the EV is connected but not charging (parking) */
  charging: boolean;
}

/** The span between two consecutive readings (or session start/end), with the state reported at its start. */
export interface Interval {
  a: number;
  b: number;
  /** energy register at a and b, mWh */
  ea: number;
  eb: number;
  charging: boolean;
  /** power used for restrictions: reported, else the average over the interval */
  powerW?: number;
  reportedPowerW?: number;
  currentA?: number;
}

/** A part of an interval in which the active tariff element cannot change. */
export interface Segment {
  a: number;
  b: number;
  ea: number;
  eb: number;
  iv: Interval;
}

export interface Timeline {
  intervals: Interval[];
  /** register at session start, mWh */
  baseMWh: number;
  /** state at session start (also for a zero-length session) */
  startState: Pick<Interval, 'charging' | 'powerW' | 'reportedPowerW' | 'currentA'>;
}

export function toMs(d: Date, what: string): number {
  const ms = d instanceof Date ? d.getTime() : NaN;
  if (!Number.isFinite(ms)) throw new RangeError(`${what} is not a valid date`);
  return ms;
}

export function buildTimeline(startMs: number, endMs: number, samples: PricingSample[]): Timeline {
  const pts = samples
    .map((s, i) => {
      if (!Number.isFinite(s.energyWh)) throw new RangeError(`samples[${i}].energyWh is not a finite number`);
      return { t: toMs(s.at, `samples[${i}].at`), e: Math.round(s.energyWh * 1000), s };
    })
    .sort((x, y) => x.t - y.t);
  if (pts.length === 0) {
    // No readings at all: the whole session counts as charging, with no energy and unknown power and current.
    const state = { charging: true };
    return {
      intervals: endMs > startMs ? [{ a: startMs, b: endMs, ea: 0, eb: 0, ...state }] : [],
      baseMWh: 0,
      startState: state,
    };
  }
  /** index of the last reading at or before t (the first reading when t precedes all) */
  const opening = (t: number): number => {
    let lo = 0;
    let hi = pts.length - 1;
    while (lo < hi) {
      const mid = Math.ceil((lo + hi) / 2);
      if (pts[mid].t <= t) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  };
  const energyAt = (t: number): number => {
    if (t <= pts[0].t) return pts[0].e;
    const i = opening(t);
    if (i === pts.length - 1) return pts[i].e;
    const p = pts[i];
    const q = pts[i + 1];
    return Math.round(p.e + ((q.e - p.e) * (t - p.t)) / (q.t - p.t));
  };
  const stateAt = (a: number, b: number, ea: number, eb: number) => {
    const s = pts[opening(a)].s;
    const derived = b > a ? ((eb - ea) * 3600) / (b - a) : undefined;
    return { charging: s.charging, powerW: s.powerW ?? derived, reportedPowerW: s.powerW, currentA: s.currentA };
  };
  const cuts = [...new Set([startMs, ...pts.map((p) => p.t).filter((t) => t > startMs && t < endMs), endMs])];
  const intervals: Interval[] = [];
  for (let i = 0; i + 1 < cuts.length; i++) {
    const a = cuts[i];
    const b = cuts[i + 1];
    const ea = energyAt(a);
    const eb = energyAt(b);
    intervals.push({ a, b, ea, eb, ...stateAt(a, b, ea, eb) });
  }
  const baseMWh = energyAt(startMs);
  const startState = intervals[0] ?? stateAt(startMs, startMs, baseMWh, baseMWh);
  return { intervals, baseMWh, startState };
}

/** Cuts the intervals at every instant the active element could change. */
export function segment(
  timeline: Timeline,
  timeCuts: number[],
  energyThresholdsMWh: number[],
): Segment[] {
  const out: Segment[] = [];
  for (const iv of timeline.intervals) {
    const cuts: { f: number; t: number; e: number }[] = [];
    const span = iv.b - iv.a;
    const rise = iv.eb - iv.ea;
    for (const t of timeCuts) {
      if (t <= iv.a || t >= iv.b) continue;
      const f = (t - iv.a) / span;
      cuts.push({ f, t, e: Math.round(iv.ea + f * rise) });
    }
    if (rise !== 0) {
      for (const threshold of energyThresholdsMWh) {
        const e = timeline.baseMWh + threshold;
        if ((e - iv.ea) * (e - iv.eb) >= 0) continue; // not strictly inside
        const f = (e - iv.ea) / rise;
        cuts.push({ f, t: Math.round(iv.a + f * span), e });
      }
    }
    cuts.sort((x, y) => x.f - y.f);
    let prev = { t: iv.a, e: iv.ea };
    for (const c of [...cuts, { t: iv.b, e: iv.eb }]) {
      if (c.t !== prev.t || c.e !== prev.e) out.push({ a: prev.t, b: c.t, ea: prev.e, eb: c.e, iv });
      prev = c;
    }
  }
  return out;
}
