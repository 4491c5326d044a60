import { readdirSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAdminClient } from '../../generated/admin-client.js';
import { createTestDatabase, onPostgres, type TestAnode, type TestDatabase } from '../support/anode.js';
import { freePort, spawnMain, type MainProcess } from '../support/main-process.js';
import { bootedStation, connectStation, eventually, registerStation, type SimulatedStation } from '../support/stations.js';

/** The pid of the primary's worker with this ANODE_WORKER_INDEX. */
function workerPid(primaryPid: number, index: string): number {
  const children = childrenOf(primaryPid);
  const environ = (pid: number) => {
    try {
      return readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
    } catch {
      return []; // exited meanwhile
    }
  };
  const pid = children.find((child) => environ(child).includes(`ANODE_WORKER_INDEX=${index}`));
  if (pid === undefined) throw new Error(`no worker ${index} under ${primaryPid}`);
  return pid;
}

/** Every process a test started, so that none outlives the file, whatever failed (a primary forks on and on). */
const started = new Set<MainProcess>();

function childrenOf(pid: number): number[] {
  try {
    return readdirSync(`/proc/${pid}/task`).flatMap((task) =>
      readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number),
    );
  } catch {
    return []; // gone
  }
}

afterAll(async () => {
  for (const anode of started) {
    if (anode.child.exitCode !== null || anode.child.signalCode !== null) continue;
    const workers = childrenOf(anode.child.pid!);
    anode.child.kill('SIGKILL');
    for (const pid of workers) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
    await anode.exited;
  }
});

/** `npm start`'s process (node --import tsx src/main.ts), on its own. */
function startProcess(env: Record<string, string>): MainProcess {
  const anode = spawnMain({ PATH: process.env.PATH ?? '', HOST: '127.0.0.1', NODE_ENV: 'test', LOG_LEVEL: 'warn', ...env });
  started.add(anode);
  return anode;
}

describe('WORKERS: several processes serve one node', () => {
  it('WORKERS above 1 without DATABASE_URL is refused at start with a clear message', async () => {
    const anode = startProcess({ WORKERS: '2', ANODE_DATA_DIR: 'memory://', PORT: String(await freePort()) });
    expect(await anode.exited).toBe(2);
    expect(anode.output()).toContain('WORKERS above 1 needs DATABASE_URL (PostgreSQL)');
  });
});

describe.runIf(onPostgres)('a node of two workers on PostgreSQL', () => {
  let database: TestDatabase;
  let anode: MainProcess;
  let node: TestAnode;
  const stations = new Map<string, SimulatedStation>();
  const IDS = ['W-1', 'W-2', 'W-3', 'W-4'];

  /** The worker (node id) holding each station's socket, and since when, as the stations table records it. */
  async function connections(ids: string[]): Promise<Map<string, { node: string | null; at: Date | null }>> {
    const { default: postgres } = await import('postgres');
    const sql = postgres(database.env.DATABASE_URL, { max: 1, onnotice: () => {} });
    try {
      const rows = await sql<{ id: string; node: string | null; at: Date | null }[]>`
        select id, connected_node as node, connected_at as at from stations where id in ${sql(ids)}`;
      return new Map(rows.map((row) => [row.id, { node: row.node, at: row.at }]));
    } finally {
      await sql.end({ timeout: 5 });
    }
  }
  const holders = async (ids: string[]) => new Map([...(await connections(ids))].map(([id, row]) => [id, row.node]));

  beforeAll(async () => {
    database = await createTestDatabase();
    const port = await freePort();
    // Round-robin hand-out (not the default, where workers race to accept) so that the stations land on both workers.
    anode = startProcess({ ...database.env, WORKERS: '2', PORT: String(port), NODE_CLUSTER_SCHED_POLICY: 'rr' });
    const url = `http://127.0.0.1:${port}`;
    await eventually(async () => expect((await fetch(`${url}/health`)).status).toBe(200), 60_000);
    node = { url, port, stop: async () => {}, admin: createAdminClient({ baseUrl: `${url}/api/v0` }) };
    for (const id of IDS) {
      stations.set(id, await bootedStation(node, id, { handlers: { ClearCache: () => ({ status: 'Accepted' }), TriggerMessage: () => ({ status: 'Accepted' }) } }));
    }
  }, 90_000);

  afterAll(async () => {
    for (const station of stations.values()) await station.close();
    if (anode && anode.child.exitCode === null) {
      anode.child.kill('SIGTERM');
      await anode.exited;
    }
    await database?.drop();
  });

  it("the primary hands connections to both workers: the stations' sockets are held by two different workers", async () => {
    await eventually(async () => {
      const byStation = await holders(IDS);
      expect([...byStation.values()].every((holder) => holder !== null)).toBe(true);
      expect(new Set(byStation.values()).size).toBe(2);
    });
  });

  it('an operator call reaches every station, whichever worker holds its socket, and is recorded', async () => {
    for (const id of IDS) {
      const { data } = await node.admin.POST('/cs/{csId}/call', { params: { path: { csId: id } }, body: { action: 'ClearCache', payload: {} } });
      expect(data).toEqual({ action: 'ClearCache', ocppVersion: 'ocpp1.6', status: 'Answered', response: { status: 'Accepted' } });
      expect(stations.get(id)!.received.at(-1)).toEqual({ action: 'ClearCache', params: {} });
      const recorded = await node.admin.GET('/cs/{csId}/calls', { params: { path: { csId: id }, query: { limit: 1 } } });
      expect(recorded.data?.[0]).toMatchObject({ action: 'ClearCache', status: 'Answered' });
    }
  });

  it("a station's CALLERROR comes back through any worker as from the one holding it", async () => {
    for (const id of IDS) {
      const { data } = await node.admin.POST('/cs/{csId}/call', { params: { path: { csId: id } }, body: { action: 'Reset', payload: { type: 'Soft' } } });
      expect(data).toMatchObject({ status: 'CallError', errorCode: 'NotImplemented' });
    }
  });

  it('work the operator asks for is delivered at once to the station, whichever worker took the request', async () => {
    // Two requests per station, each on a connection of its own: the primary deals them to the two workers in turn
    // so one of the two always lands on the worker that does not hold the station.
    for (const id of IDS) {
      for (let i = 0; i < 2; i++) {
        const response = await fetch(`${node.url}/api/v0/cs/${id}/trigger`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', connection: 'close' },
          body: JSON.stringify({ trigger: 'StatusNotification' }),
        });
        expect(response.status).toBeLessThan(300);
      }
    }
    for (const id of IDS) {
      await eventually(async () => expect(stations.get(id)!.received.filter((call) => call.action === 'TriggerMessage')).toHaveLength(2));
    }
  });

  it('a second connection for a station on the other worker closes the first', async () => {
    const id = 'W-1';
    let previous = stations.get(id)!;
    let previousRow = (await connections([id])).get(id)!;
    let crossed = false;
    // The primary deals connections out in turn: within a few tries one lands on the other worker.
    for (let attempt = 0; attempt < 10 && !crossed; attempt++) {
      const closed = new Promise<void>((resolve) => previous.client.once('close', () => resolve()));
      const latest = await connectStation(node, { id, password: 'station-password', handlers: { ClearCache: () => ({ status: 'Accepted' }) } });
      await closed;
      stations.set(id, latest);
      const row = await eventually(async () => {
        const now = (await connections([id])).get(id)!;
        expect(now.node).not.toBeNull();
        expect(now.at!.getTime()).toBeGreaterThan(previousRow.at!.getTime());
        return now;
      });
      crossed = row.node !== previousRow.node;
      previous = latest;
      previousRow = row;
    }
    expect(crossed).toBe(true);
    const { data } = await node.admin.POST('/cs/{csId}/call', { params: { path: { csId: id } }, body: { action: 'ClearCache', payload: {} } });
    expect(data).toMatchObject({ status: 'Answered' });
  });

  it('a registered station connected to no worker is a 409 from every worker', async () => {
    await registerStation(node, 'W-OFFLINE');
    for (let i = 0; i < 2; i++) {
      const { response } = await fetch(`${node.url}/api/v0/cs/W-OFFLINE/call`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', connection: 'close' },
        body: JSON.stringify({ action: 'ClearCache', payload: {} }),
      }).then((response) => ({ response }));
      expect(response.status).toBe(409);
    }
  });

  it('a worker that dies is replaced; its stations are no longer marked connected, reconnect and are reached again', async () => {
    const byStation = await holders(IDS);
    const victimNode = byStation.get('W-2')!;
    const orphans = IDS.filter((id) => byStation.get(id) === victimNode);
    const closed = orphans.map((id) => new Promise<void>((resolve) => stations.get(id)!.client.once('close', () => resolve())));
    process.kill(workerPid(anode.child.pid!, victimNode.slice(victimNode.lastIndexOf('-w') + 2)), 'SIGKILL');
    await Promise.all(closed);
    // The replacement worker (same index, same node id) forgets what its predecessor held.
    await eventually(async () => {
      const now = await holders(orphans);
      expect(orphans.map((id) => now.get(id))).toEqual(orphans.map(() => null));
    }, 30_000);
    for (const id of orphans) {
      const { response } = await node.admin.POST('/cs/{csId}/call', { params: { path: { csId: id } }, body: { action: 'ClearCache', payload: {} } });
      expect(response.status).toBe(409);
      stations.set(id, await connectStation(node, { id, password: 'station-password', handlers: { ClearCache: () => ({ status: 'Accepted' }) } }));
    }
    for (const id of IDS) {
      const { data } = await eventually(async () => {
        const answer = await node.admin.POST('/cs/{csId}/call', { params: { path: { csId: id } }, body: { action: 'ClearCache', payload: {} } });
        expect(answer.response.status).toBe(200);
        return answer;
      });
      expect(data).toMatchObject({ status: 'Answered' });
    }
  }, 60_000);

  it('SIGTERM stops the workers and the primary cleanly, and their stations are marked disconnected', async () => {
    anode.child.kill('SIGTERM');
    expect(await anode.exited).toBe(0);
    const byStation = await holders(IDS);
    expect([...byStation.values()]).toEqual(IDS.map(() => null));
  });

  it('a node started with fewer workers, or as one process, forgets the stations its killed workers of the run before held', async () => {
    const port = await freePort();
    const killedNode = startProcess({ ...database.env, WORKERS: '2', PORT: String(port), NODE_CLUSTER_SCHED_POLICY: 'rr' });
    const url = `http://127.0.0.1:${port}`;
    await eventually(async () => expect((await fetch(`${url}/health`)).status).toBe(200), 60_000);
    const again = { ...node, url, port };
    const held = [await connectStation(again, { id: 'W-3', password: 'station-password' }), await connectStation(again, { id: 'W-4', password: 'station-password' })];
    await eventually(async () => expect([...(await holders(['W-3', 'W-4'])).values()].every((holder) => holder !== null)).toBe(true));
    // Killed outright, primary and workers: nothing of it tidies up.
    const workers = ['0', '1'].map((index) => workerPid(killedNode.child.pid!, index));
    killedNode.child.kill('SIGKILL');
    for (const pid of workers) process.kill(pid, 'SIGKILL');
    await killedNode.exited;
    for (const station of held) await station.close();
    expect([...(await holders(['W-3', 'W-4'])).values()].every((holder) => holder !== null)).toBe(true);

    const single = startProcess({ ...database.env, PORT: String(await freePort()) });
    try {
      await eventually(async () => expect([...(await holders(['W-3', 'W-4'])).values()]).toEqual([null, null]), 60_000);
    } finally {
      single.child.kill('SIGTERM');
      await single.exited;
    }
  }, 120_000);
});
