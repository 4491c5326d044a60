/**
 * The real entry point, as `npm start` runs it (tsx, plain Node ESM loading): it must start, serve, take a station
 * and stop cleanly on SIGTERM. Tests that start Anode in-process cannot see start-up failures of the module loader.
 */
import type { ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { afterAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/anode.js';
import { spawnMain } from '../support/main-process.js';
import { connectStation } from '../support/stations.js';

let child: ChildProcess | undefined;
let database: TestDatabase | undefined;
afterAll(async () => {
  if (child && child.exitCode === null) child.kill('SIGKILL');
  await database?.drop();
});

function startMain(env: Record<string, string>): Promise<{ url: string; process: ChildProcess }> {
  const main = spawnMain({ ...process.env, ...env });
  const started = main.child;
  child = started;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no "listening" log line within 30 s')), 30_000);
    started.once('exit', (code) => reject(new Error(`exited with ${code}: ${main.output()}`)));
    createInterface({ input: started.stdout! }).on('line', (line) => {
      const match = /listening on (http:\/\/[^:]+:\d+)/.exec(line);
      if (match) {
        clearTimeout(timer);
        resolve({ url: match[1], process: started });
      }
    });
  });
}

describe('npm start: the entry point runs under plain Node', () => {
  it('starts, answers /health, takes an OCPP station, and exits 0 on SIGTERM', async () => {
    database = await createTestDatabase();
    const { url, process: main } = await startMain({
      ...database.env,
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      OCPP_ALLOW_UNREGISTERED: 'true',
    });
    const health = await fetch(`${url}/health`);
    expect(health.status).toBe(200);
    const station = await connectStation({ url } as never, { id: 'SMOKE-1' });
    expect((await station.call('BootNotification', { chargePointVendor: 'Smoke', chargePointModel: 'T' })).status).toBe('Accepted');
    await station.close();
    const exited = new Promise<number | null>((resolve) => main.once('exit', (code) => resolve(code)));
    main.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});
