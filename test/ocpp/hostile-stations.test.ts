/**
 * No byte sequence a station sends ends the process. Anode runs as `npm start` runs it, in a process of its own, so a
 * crash is an exit and not a failed test worker; a second station keeps calling it throughout.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAdminClient } from '../../generated/admin-client.js';
import { startFuzzTarget, type FuzzTarget } from '../../fuzz/target.js';
import { createTestDatabase, type TestAnode, type TestDatabase } from '../support/anode.js';
import { CRASH_FRAMES, OPCODE, clientFrame, rawConnection, serverCloseCode, textFrame, upgradeRequest } from '../support/raw-frames.js';
import { connectStation, registerStation, type SimulatedStation } from '../support/stations.js';

const PASSWORD = 'station-password';
const BOOT = textFrame(JSON.stringify([2, 'boot', 'BootNotification', { chargePointVendor: 'A', chargePointModel: 'B' }]));
const HEARTBEAT = textFrame(JSON.stringify([2, 'hb', 'Heartbeat', {}]));
const EXPECTED_CLOSE = { oversize: 1009, invalidUtf8: 1007 } as const;
type CrashFrame = keyof typeof CRASH_FRAMES;

let database: TestDatabase;
let target: FuzzTarget;
let anode: TestAnode;
let watcher: SimulatedStation;
let lastId = 0;

beforeAll(async () => {
  database = await createTestDatabase();
  target = await startFuzzTarget({ ...database.env, OCPP_MAX_MESSAGE_BYTES: '65536' });
  anode = { url: target.url, admin: createAdminClient({ baseUrl: `${target.url}/api/v0` }) } as TestAnode;
  watcher = await connectStation(anode, { id: 'WATCHER', password: await registerStation(anode, 'WATCHER', PASSWORD) });
  await watcher.call('BootNotification', { chargePointVendor: 'W', chargePointModel: 'W' });
});
afterAll(async () => {
  await watcher?.close();
  await target?.stop();
  await database?.drop();
});

async function newStation(): Promise<string> {
  const id = `HOSTILE-${++lastId}`;
  await registerStation(anode, id, PASSWORD);
  return id;
}

const until = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
/** Resolves when the promise does, or rejects after `ms`. */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return Promise.race([promise, until(ms).then(() => Promise.reject(new Error(`${what} took over ${ms} ms`)))]);
}

/** After each hostile connection: the process is alive, logged no error, and still answers another station. */
async function expectUnharmed(): Promise<void> {
  expect(target.alive()).toBe(true);
  expect(await within(watcher.call('Heartbeat', {}), 15_000, "the other station's Heartbeat")).toHaveProperty('currentTime');
  expect(target.errorLines().map((line) => `${String(line.msg)}: ${JSON.stringify(line.err ?? "").slice(0, 300)}`)).toEqual([]);
}

/** Moments of a connection's life, each ending with `frame` written to the socket. */
const MOMENTS: Array<[string, (id: string, frame: Buffer) => Promise<Awaited<ReturnType<typeof rawConnection>>>]> = [
  [
    'in the same packet as the upgrade request',
    async (id, frame) => {
      const connection = await rawConnection(target.url);
      connection.socket.write(Buffer.concat([Buffer.from(upgradeRequest(id, PASSWORD)), frame]));
      return connection;
    },
  ],
  [
    'while the station is being authenticated',
    async (id, frame) => {
      const connection = await rawConnection(target.url);
      connection.socket.write(upgradeRequest(id, PASSWORD));
      setImmediate(() => connection.socket.write(frame));
      return connection;
    },
  ],
  [
    'right after the upgrade',
    async (id, frame) => {
      const connection = await rawConnection(target.url);
      connection.socket.write(upgradeRequest(id, PASSWORD));
      expect(await connection.upgraded).toContain('101');
      connection.socket.write(frame);
      return connection;
    },
  ],
  [
    'after BootNotification was answered',
    async (id, frame) => {
      const connection = await rawConnection(target.url);
      connection.socket.write(Buffer.concat([Buffer.from(upgradeRequest(id, PASSWORD)), BOOT]));
      await within(
        (async () => {
          while (!connection.received().includes('"Accepted"')) await until(10);
        })(),
        15_000,
        'the BootNotification answer',
      );
      connection.socket.write(frame);
      return connection;
    },
  ],
  [
    'while a call of the station is being answered',
    async (id, frame) => {
      const connection = await rawConnection(target.url);
      connection.socket.write(upgradeRequest(id, PASSWORD));
      await connection.upgraded;
      connection.socket.write(Buffer.concat([BOOT, HEARTBEAT, frame]));
      return connection;
    },
  ],
  [
    'as the continuation of a fragmented message',
    async (id, frame) => {
      const connection = await rawConnection(target.url);
      connection.socket.write(upgradeRequest(id, PASSWORD));
      await connection.upgraded;
      const continuation = Buffer.from(frame);
      continuation[0] = (continuation[0] & 0xf0) | OPCODE.continuation;
      connection.socket.write(Buffer.concat([clientFrame(OPCODE.text, '[2,"f","Heart', { fin: false }), continuation]));
      return connection;
    },
  ],
  [
    'after the server began closing it (the station connected again)',
    async (id, frame) => {
      const connection = await rawConnection(target.url);
      connection.socket.write(upgradeRequest(id, PASSWORD));
      await connection.upgraded;
      const replacement = await connectStation(anode, { id, password: PASSWORD });
      await within(
        (async () => {
          while (serverCloseCode(connection.received()) === undefined) await until(10);
        })(),
        15_000,
        'the close of the replaced connection',
      );
      connection.socket.write(frame);
      await replacement.close();
      return connection;
    },
  ],
  [
    'after its own close frame',
    async (id, frame) => {
      const connection = await rawConnection(target.url);
      connection.socket.write(upgradeRequest(id, PASSWORD));
      await connection.upgraded;
      connection.socket.write(Buffer.concat([clientFrame(OPCODE.close, Buffer.from([0x03, 0xe8])), frame]));
      return connection;
    },
  ],
];

const CASES = MOMENTS.flatMap(([moment, send]) =>
  (Object.keys(CRASH_FRAMES) as CrashFrame[]).map((name) => [name, moment, send] as const),
);

describe('a frame over the size limit or with invalid UTF-8 closes only its own connection', () => {
  it.each(CASES)('%s, sent %s: the connection ends and the process serves the others', async (name, moment, send) => {
    const connection = await send(await newStation(), CRASH_FRAMES[name]());
    await within(connection.closed, 30_000, 'the close of the hostile connection');
    const code = serverCloseCode(connection.received());
    if (!moment.startsWith('after')) expect(code).toBe(EXPECTED_CLOSE[name]);
    await expectUnharmed();
  });

  it('five hundred of them, twenty connections at a time, leave the process serving', async () => {
    const ids = await Promise.all(Array.from({ length: 20 }, () => newStation()));
    for (let round = 0; round < 25; round += 1) {
      const outcomes = await Promise.allSettled(
        ids.map(async (id, i) => {
          const name: CrashFrame = (i + round) % 2 === 0 ? 'oversize' : 'invalidUtf8';
          const [, send] = MOMENTS[(i + round) % MOMENTS.length];
          const connection = await send(id, CRASH_FRAMES[name]());
          await within(connection.closed, 30_000, 'a close').finally(() => connection.socket.destroy());
        }),
      );
      expect(outcomes.filter((outcome) => outcome.status === 'rejected')).toEqual([]);
    }
    await expectUnharmed();
    const { ocpp } = (await (await fetch(`${target.url}/health`)).json()) as { ocpp: { socketErrors: Record<string, number> } };
    expect(ocpp.socketErrors.WS_ERR_UNSUPPORTED_MESSAGE_LENGTH).toBeGreaterThan(100);
    expect(ocpp.socketErrors.WS_ERR_INVALID_UTF8).toBeGreaterThan(100);
  });
});

describe('a station that floods calls is read only as fast as Anode answers it (OCPP_MAX_CALLS_IN_PROGRESS)', () => {
  it('2,000 calls sent without waiting are all answered, in order, while another station is served', async () => {
    const connection = await rawConnection(target.url);
    connection.socket.write(upgradeRequest(await newStation(), PASSWORD));
    await connection.upgraded;
    const calls = Array.from({ length: 2000 }, (_, i) => textFrame(JSON.stringify([2, `f${i}`, 'Heartbeat', {}])));
    connection.socket.write(Buffer.concat(calls));
    await expectUnharmed();
    await within(
      (async () => {
        while (!connection.received().includes('"f1999"')) await until(20);
      })(),
      20_000,
      'the answers to 2,000 calls',
    );
    const ids = [...connection.received().toString('latin1').matchAll(/\[3,"(f\d+)"/g)].map((match) => match[1]);
    expect(ids).toEqual(calls.map((_, i) => `f${i}`));
    connection.socket.destroy();
    const { ocpp } = (await (await fetch(`${target.url}/health`)).json()) as { ocpp: { pacingPauses: number } };
    expect(ocpp.pacingPauses).toBeGreaterThan(0);
  });

  it('a station that sends calls and never reads the answers is no longer read, so its backlog stays with it', async () => {
    const connection = await rawConnection(target.url);
    connection.socket.write(upgradeRequest(await newStation(), PASSWORD));
    await connection.upgraded;
    connection.socket.pause(); // the station reads nothing from now on
    const batch = Buffer.concat(Array.from({ length: 1000 }, (_, i) => textFrame(JSON.stringify([2, `s${i}`, 'Heartbeat', {}]))));
    /** Writes whenever the station's own send buffer has room, for `ms`; answers how much it wrote. */
    const floodFor = async (ms: number) => {
      let written = 0;
      for (const end = Date.now() + ms; Date.now() < end; await until(5)) {
        if (connection.socket.writableLength < 4 * 1024 * 1024) {
          connection.socket.write(batch);
          written += batch.length;
        }
      }
      return written;
    };
    const filled = await floodFor(2000);
    // Answers it does not read pile up on the server only to OCPP_MAX_MESSAGE_BYTES; then the server stops reading it,
    // the kernel's buffers fill, and nothing more leaves the station: without the bound the server read on (4 MB more
    // in these 6 s on a quiet machine), holding every answer.
    const more = await floodFor(6000);
    expect(filled).toBeGreaterThan(4 * 1024 * 1024);
    expect(more).toBeLessThan(batch.length * 20);
    await expectUnharmed();
    connection.socket.destroy();
  });
});
