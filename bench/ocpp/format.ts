/** How bench:ocpp prints its figures: numbers, latency summaries, counts by kind, and its tables. */
import type { LatencySummary } from './histogram.js';

export function fmt(value: number | null | undefined, unit = '', digits = 1): string {
  if (value === null || value === undefined || Number.isNaN(value)) return 'n/a';
  return `${value.toLocaleString('en-US', { maximumFractionDigits: digits })}${unit}`;
}

export function fmtLatency(s: LatencySummary): string {
  if (s.count === 0) return 'no answers';
  return `p50 ${fmt(s.p50)} / p90 ${fmt(s.p90)} / p99 ${fmt(s.p99)} / max ${fmt(s.max)} ms (n=${s.count.toLocaleString('en-US')})`;
}

export function fmtCounts(counts: Record<string, number>): string {
  const entries = Object.entries(counts).filter(([, n]) => n > 0);
  if (entries.length === 0) return 'none';
  return entries
    .sort((a, b) => b[1] - a[1])
    .map(([k, n]) => `${k}: ${n.toLocaleString('en-US')}`)
    .join(', ');
}

export type Row = [label: string, value: string, target?: string];
export function table(title: string, rows: Row[]): void {
  const w0 = Math.max(...rows.map((r) => r[0].length), 6);
  const w1 = Math.min(Math.max(...rows.map((r) => r[1].length), 5), 64);
  const line = '-'.repeat(Math.min(w0 + w1 + 40, 160));
  process.stdout.write(`\n${title}\n${line}\n`);
  for (const [label, value, target] of rows) {
    process.stdout.write(`  ${label.padEnd(w0)}  ${value.padEnd(w1)}${target ? `  ${target}` : ''}\n`);
  }
  process.stdout.write(`${line}\n`);
}

/** "412 in 3 s: s0 300, s12 100, s17 12": how many slow answers, in how many seconds, and the worst of those seconds. */
export function fmtSlowSeconds(counts: number[]): string {
  const seconds = counts.map((n, second) => [second, n]).filter(([, n]) => n > 0);
  const total = seconds.reduce((sum, [, n]) => sum + n, 0);
  if (total === 0) return 'none';
  const worst = [...seconds].sort((a, b) => b[1] - a[1]).slice(0, 8).sort((a, b) => a[0] - b[0]);
  const more = seconds.length > worst.length ? ', …' : '';
  return `${total.toLocaleString('en-US')} in ${seconds.length} s: ${worst.map(([second, n]) => `s${second} ${n}`).join(', ')}${more}`;
}
