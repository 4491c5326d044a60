import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startIsolatedAnode, type TestAnode } from '../support/anode.js';
import { rawSocket, registerStation } from '../support/stations.js';

const PING_INTERVAL_SECONDS = 2;

let anode: TestAnode;
beforeAll(async () => {
  anode = await startIsolatedAnode({ OCPP_PING_INTERVAL_SECONDS: String(PING_INTERVAL_SECONDS) });
});
afterAll(() => anode?.stop());

/** A raw ocpp1.6 socket that counts the CSMS's pings (ws answers each with a pong by itself). */
async function openCountingPings(stationId: string, password: string): Promise<{ socket: WebSocket; pings: () => number }> {
  const socket = await rawSocket(anode, stationId, password);
  let pings = 0;
  socket.on('ping', () => (pings += 1));
  return { socket, pings: () => pings };
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

describe('keep-alive pings (OCPP_PING_INTERVAL_SECONDS)', () => {
  it('a station that sends calls more often than the interval is not pinged', async () => {
    const password = await registerStation(anode, 'KA-BUSY');
    const { socket, pings } = await openCountingPings('KA-BUSY', password);
    for (let i = 0; i < 12; i++) {
      socket.send(JSON.stringify([2, `hb-${i}`, 'Heartbeat', {}]));
      await sleep(250);
    }
    expect(pings()).toBe(0);
    socket.close();
  });

  it('a station that goes quiet is pinged once an interval has passed without its messages', async () => {
    const password = await registerStation(anode, 'KA-QUIET');
    const { socket, pings } = await openCountingPings('KA-QUIET', password);
    socket.send(JSON.stringify([2, 'hb-0', 'Heartbeat', {}]));
    await sleep(PING_INTERVAL_SECONDS * 1000 * 2.6);
    expect(pings()).toBeGreaterThanOrEqual(2);
    expect(socket.readyState).toBe(WebSocket.OPEN);
    socket.close();
  });

  it('a station that stops answering pings is disconnected', async () => {
    const password = await registerStation(anode, 'KA-DEAD');
    const { socket } = await openCountingPings('KA-DEAD', password);
    // Stop reading, as a station that lost power would: its pings go unanswered. Reading again after a few intervals
    // delivers what the CSMS did meanwhile.
    const tcp = (socket as unknown as { _socket: { pause(): void; resume(): void } })._socket;
    tcp.pause();
    await sleep(PING_INTERVAL_SECONDS * 1000 * 3.5);
    const closed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));
    tcp.resume();
    const code = await Promise.race([closed, sleep(1000).then(() => 'still open')]);
    expect(code).not.toBe('still open');
  });
});
