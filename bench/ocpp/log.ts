/** bench:ocpp's progress lines, each with the seconds since the start, and the warnings it repeats at the end. */
import { performance } from 'node:perf_hooks';

export const startedAt = performance.now();
const elapsed = () => ((performance.now() - startedAt) / 1000).toFixed(1).padStart(6);

export function say(message: string): void {
  process.stdout.write(`[${elapsed()}s] ${message}\n`);
}

export const warnings: string[] = [];

export function warn(message: string): void {
  warnings.push(message);
  process.stdout.write(`[${elapsed()}s] WARNING: ${message}\n`);
}
