/**
 * Latency histogram: log-spaced buckets 2% wide from 1 µs up, so memory stays bounded however long a run is, two
 * workers' histograms merge exactly, and a percentile is within 2% of the true sample (max and min are kept exactly).
 */
const BASE_MS = 0.001;
const GROWTH = 1.02;
const LOG_GROWTH = Math.log(GROWTH);

export interface HistogramJSON {
  /** Sparse buckets, flattened [index, count, index, count, ...]. */
  b: number[];
  n: number;
  sum: number;
  min: number;
  max: number;
}

export interface LatencySummary {
  count: number;
  mean: number | null;
  p50: number | null;
  p90: number | null;
  p99: number | null;
  max: number | null;
}

export class Histogram {
  private readonly buckets = new Map<number, number>();
  count = 0;
  sum = 0;
  min = Infinity;
  max = -Infinity;

  static bucketOf(ms: number): number {
    if (!(ms > BASE_MS)) return 0;
    return Math.ceil(Math.log(ms / BASE_MS) / LOG_GROWTH);
  }

  static upperBoundOf(bucket: number): number {
    return BASE_MS * GROWTH ** bucket;
  }

  record(ms: number): void {
    const bucket = Histogram.bucketOf(ms);
    this.buckets.set(bucket, (this.buckets.get(bucket) ?? 0) + 1);
    this.count++;
    this.sum += ms;
    if (ms < this.min) this.min = ms;
    if (ms > this.max) this.max = ms;
  }

  merge(other: Histogram | HistogramJSON): void {
    const json = other instanceof Histogram ? other.toJSON() : other;
    for (let i = 0; i < json.b.length; i += 2) {
      this.buckets.set(json.b[i], (this.buckets.get(json.b[i]) ?? 0) + json.b[i + 1]);
    }
    this.count += json.n;
    this.sum += json.sum;
    if (json.n > 0) {
      if (json.min < this.min) this.min = json.min;
      if (json.max > this.max) this.max = json.max;
    }
  }

  /** The value at quantile q (0..1): the upper bound of the bucket holding it, capped by the exact max. */
  quantile(q: number): number | null {
    if (this.count === 0) return null;
    const rank = Math.max(1, Math.ceil(q * this.count));
    const sorted = [...this.buckets.keys()].sort((a, b) => a - b);
    let seen = 0;
    for (const bucket of sorted) {
      seen += this.buckets.get(bucket)!;
      if (seen >= rank) return Math.max(this.min, Math.min(this.max, Histogram.upperBoundOf(bucket)));
    }
    return this.max;
  }

  summary(): LatencySummary {
    if (this.count === 0) return { count: 0, mean: null, p50: null, p90: null, p99: null, max: null };
    return {
      count: this.count,
      mean: round(this.sum / this.count),
      p50: round(this.quantile(0.5)!),
      p90: round(this.quantile(0.9)!),
      p99: round(this.quantile(0.99)!),
      max: round(this.max),
    };
  }

  toJSON(): HistogramJSON {
    const b: number[] = [];
    for (const [bucket, count] of this.buckets) b.push(bucket, count);
    return { b, n: this.count, sum: this.sum, min: this.min, max: this.max };
  }

  static fromJSON(json: HistogramJSON): Histogram {
    const h = new Histogram();
    h.merge(json);
    return h;
  }
}

export function round(value: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
