/**
 * The run's simulated stations (ids, passwords, OCPP versions, tokens) and their registration through the admin API
 * (POST /api/v0/cs/{id}, POST /api/v0/token), as an operator would register them.
 */
import { createHash, randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { say, warn } from './log.js';
import { incr, type OcppVersion, type StationSpec } from './messages.js';
import { config } from './options.js';
import { runId, stationPrefix } from './run-state.js';
import type { ServerHandle } from './server.js';
import { BenchError } from './wait.js';

async function runLimited<T>(items: T[], concurrency: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(concurrency, items.length) }, async () => {
    while (next < items.length) {
      const item = items[next++];
      await fn(item);
    }
  });
  await Promise.all(lanes);
}

export const registrationTotals = { stations: 0, tokens: 0, seconds: 0, failures: {} as Record<string, number> };

export async function register(server: ServerHandle, specs: StationSpec[]): Promise<void> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (server.adminToken) headers.authorization = `Bearer ${server.adminToken}`;
  const started = performance.now();
  let ok = 0;
  let failed = 0;
  let firstFailure = '';
  const post = async (path: string, body: unknown, kind: string) => {
    try {
      const res = await fetch(`${server.baseUrl}/api/v0${path}`, {
        method: 'POST',
        headers,
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(config.callTimeoutS * 1000),
      });
      const text = await res.text();
      if (res.status >= 200 && res.status < 300) {
        ok++;
        return;
      }
      failed++;
      incr(registrationTotals.failures, `${kind} HTTP ${res.status}`);
      firstFailure ||= `POST /api/v0${path} → ${res.status} ${text.slice(0, 300)}`;
    } catch (error) {
      failed++;
      incr(registrationTotals.failures, `${kind} ${String((error as Error)?.name ?? 'error')}`);
      firstFailure ||= `POST /api/v0${path} → ${String((error as Error)?.message ?? error)}`;
    }
  };
  type Job = { path: string; body: unknown; kind: string };
  const jobs: Job[] = [];
  for (const spec of specs) {
    jobs.push({
      path: `/cs/${encodeURIComponent(spec.id)}`,
      body: { securityProfile: 0, base64SHA256Password: createHash('sha256').update(spec.password).digest('base64') },
      kind: 'station',
    });
    if (spec.idTag) {
      jobs.push({
        path: '/token',
        body: {
          countryCode: 'NL',
          partyId: 'EMS',
          type: 'RFID',
          uid: spec.idTag,
          contractId: `NL-EMS-${spec.idTag}`,
          issuer: 'Bench',
          valid: true,
          cacheMode: 'ALWAYS',
        },
        kind: 'token',
      });
    }
  }
  // A first small batch: when the API isn't there at all, say so instead of failing thousands of times.
  const probe = jobs.slice(0, Math.min(jobs.length, config.registrationConcurrency));
  await runLimited(probe, config.registrationConcurrency, (j) => post(j.path, j.body, j.kind));
  if (ok === 0 && failed > 0) throw new BenchError(`registration through the admin API fails: ${firstFailure}`);
  await runLimited(jobs.slice(probe.length), config.registrationConcurrency, (j) => post(j.path, j.body, j.kind));
  const seconds = (performance.now() - started) / 1000;
  registrationTotals.stations += specs.length;
  registrationTotals.tokens += specs.filter((s) => s.idTag).length;
  registrationTotals.seconds += seconds;
  say(`registered ${specs.length} stations${specs.some((s) => s.idTag) ? ' and their tokens' : ''}: ${ok} requests in ${seconds.toFixed(1)} s (${Math.round(ok / seconds)}/s)${failed ? `, ${failed} FAILED (first: ${firstFailure})` : ''}`);
  if (failed) warn(`${failed} registration requests failed; those stations will fail to connect (first: ${firstFailure})`);
}

export function makeStations(tag: string, count: number, withTokens: boolean): StationSpec[] {
  const specs: StationSpec[] = [];
  for (let i = 0; i < count; i++) {
    // Spread 2.0.1 stations evenly: station i is 2.0.1 when the running share crosses an integer.
    const version: OcppVersion = Math.floor((i + 1) * config.ocpp201Share) > Math.floor(i * config.ocpp201Share) ? '2.0.1' : '1.6';
    specs.push({
      id: `${stationPrefix}-${tag}-${String(i + 1).padStart(6, '0')}`,
      password: randomBytes(16).toString('hex'),
      version,
      // OCPP 1.6 idTag is at most 20 characters: "BN" + run id (6) + 7 digits.
      idTag: withTokens ? `BN${runId}${String(i + 1).padStart(7, '0')}`.toUpperCase() : undefined,
    });
  }
  return specs;
}
