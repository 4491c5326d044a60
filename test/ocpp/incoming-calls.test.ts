/**
 * Anode's answer to incoming calls (src/ocpp/rpc-incoming-calls.ts) in place of ocpp-rpc's own: the same frames and
 * events, with the handler's AbortSignal made only when read. Checked on a bare ocpp-rpc server and client over
 * loopback; the gateway's own suites check it end to end.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import * as ocppRpc from 'ocpp-rpc';
import { RPCClient, NOREPLY, TimeoutError } from 'ocpp-rpc';
import { RPCServer, rpcModule } from '../../src/ocpp/rpc.js';
import { IncompatibleOcppRpcError, installLeanIncomingCalls, leanIncomingCallsInstalled } from '../../src/ocpp/rpc-incoming-calls.js';
import { CallsInProgress } from '../../src/ocpp/calls-in-progress.js';

type Handler = (call: {
  messageId: string;
  method: string;
  params: unknown;
  signal: AbortSignal;
  reply: (value: unknown) => void;
}) => unknown;

let cleanup: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const step of cleanup) await step().catch(() => undefined);
  cleanup = [];
});

/**
 * A strict OCPP 1.6 server whose clients get these handlers, and a station connected to it that does not check its own
 * calls (so that invalid ones reach the server).
 */
async function connected(handlers: Record<string, Handler>) {
  const rpc = new RPCServer({ protocols: ['ocpp1.6'], strictMode: true });
  const serverClients: Array<{ on(event: string, listener: (detail: never) => void): void }> = [];
  rpc.on('client', (client: { handle(action: string, handler: Handler): void; on(event: string, listener: (detail: never) => void): void }) => {
    serverClients.push(client);
    for (const [action, handler] of Object.entries(handlers)) client.handle(action, handler);
  });
  const http: Server = createServer();
  http.on('upgrade', rpc.handleUpgrade);
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const { port } = http.address() as AddressInfo;
  const station = new RPCClient({ endpoint: `ws://127.0.0.1:${port}`, identity: 'CS1', protocols: ['ocpp1.6'], strictMode: false, reconnect: false } as never);
  await station.connect();
  cleanup.push(() => station.close({ force: true }), () => rpc.close({ force: true }), () => {
    http.closeAllConnections();
    return new Promise((resolve) => http.close(resolve));
  });
  return { station, serverClients };
}

const rpcCode = (promise: Promise<unknown>) => promise.then(() => 'answered', (error: { rpcErrorCode?: string }) => error.rpcErrorCode);

beforeAll(() => installLeanIncomingCalls(rpcModule));

describe('Installing the incoming-call path', () => {
  it('is in place for the ocpp-rpc version it was written against', () => {
    expect(leanIncomingCallsInstalled(ocppRpc as never)).toBe(true);
  });

  it('refuses another ocpp-rpc version with a message that says what to do, and leaves that library as it is', () => {
    const onCall = () => undefined;
    const other = { RPCClient: { prototype: { _onCall: onCall } }, createRPCError: () => new Error(), NOREPLY: Symbol('NOREPLY') };
    expect(() => installLeanIncomingCalls(other, '2.3.0')).toThrow(IncompatibleOcppRpcError);
    expect(() => installLeanIncomingCalls(other, '2.3.0')).toThrow(/ocpp-rpc 2\.3\.0 is installed.*install 2\.2\.1 \(npm ci\)/);
    expect(other.RPCClient.prototype._onCall).toBe(onCall);
  });

  it('is not installed by loading ocpp-rpc: a fresh copy of the library keeps its own path until the gateway installs it', async () => {
    const { createRequire } = await import('node:module');
    const require = createRequire(import.meta.url);
    const path = require.resolve('ocpp-rpc');
    const cached = Object.keys(require.cache).filter((key) => key.includes('/node_modules/ocpp-rpc/'));
    const saved = Object.fromEntries(cached.map((key) => [key, require.cache[key]]));
    for (const key of cached) delete require.cache[key];
    try {
      const fresh = require(path) as typeof ocppRpc;
      expect(leanIncomingCallsInstalled(fresh as never)).toBe(false);
    } finally {
      for (const key of Object.keys(require.cache)) if (key.includes('/node_modules/ocpp-rpc/')) delete require.cache[key];
      Object.assign(require.cache, saved);
    }
  });
});

describe('Answering incoming calls', () => {

  it('answers with the handler result, validated against the schema', async () => {
    const { station } = await connected({ Heartbeat: () => ({ currentTime: '2026-12-03T10:00:00.000Z' }) });
    expect(await station.call('Heartbeat', {})).toEqual({ currentTime: '2026-12-03T10:00:00.000Z' });
  });

  it("gives the handler the call's message id, action and params, as ocpp-rpc does", async () => {
    let seen: unknown;
    const { station } = await connected({
      Authorize: ({ messageId, method, params }) => {
        seen = { messageId, method, params };
        return { idTagInfo: { status: 'Accepted' } };
      },
    });
    await station.call('Authorize', { idTag: 'TAG' });
    expect(seen).toEqual({ messageId: expect.any(String), method: 'Authorize', params: { idTag: 'TAG' } });
  });

  it('refuses an action the version defines but nothing handles with NotSupported (NotImplemented is for undefined ones)', async () => {
    const { station } = await connected({});
    expect(await rpcCode(station.call('Heartbeat', {}))).toBe('NotSupported');
  });

  it('refuses a request that breaks the schema with its 1.6 errata code, and tells the strictValidationFailure listeners', async () => {
    const { station, serverClients } = await connected({ Authorize: () => ({ idTagInfo: { status: 'Accepted' } }) });
    const failures: unknown[] = [];
    serverClients[0].on('strictValidationFailure', (detail) => failures.push(detail));
    expect(await rpcCode(station.call('Authorize', { idTag: 42 }))).toBe('TypeConstraintViolation');
    expect(await rpcCode(station.call('Authorize', {}))).toBe('OccurrenceConstraintViolation');
    expect(failures).toHaveLength(2);
  });

  it('answers an invalid handler result with InternalError instead of sending it', async () => {
    const { station } = await connected({ Heartbeat: () => ({ currentTime: 'not a time' }) });
    expect(await rpcCode(station.call('Heartbeat', {}))).toBe('InternalError');
  });

  it("passes on a handler error's rpcErrorCode, and any other error as GenericError", async () => {
    const { station } = await connected({
      Heartbeat: () => {
        throw Object.assign(new Error('no'), { rpcErrorCode: 'SecurityError' });
      },
      Authorize: async () => {
        throw new Error('boom');
      },
    });
    expect(await rpcCode(station.call('Heartbeat', {}))).toBe('SecurityError');
    expect(await rpcCode(station.call('Authorize', { idTag: 'TAG' }))).toBe('GenericError');
  });

  it('takes the first of reply() and the returned value, and sends nothing for NOREPLY', async () => {
    const { station } = await connected({
      Heartbeat: ({ reply }) => {
        reply({ currentTime: '2026-12-03T10:00:00.000Z' });
        return { currentTime: '2000-01-01T00:00:00.000Z' };
      },
      Authorize: () => NOREPLY,
    });
    expect(await station.call('Heartbeat', {})).toEqual({ currentTime: '2026-12-03T10:00:00.000Z' });
    await expect(station.call('Authorize', { idTag: 'TAG' }, { callTimeoutMs: 300 })).rejects.toBeInstanceOf(TimeoutError);
  });

  it("gives a handler that reads it an AbortSignal, aborted when the socket goes during the call", async () => {
    let signal: AbortSignal | undefined;
    const { station } = await connected({
      Heartbeat: (call) => {
        signal = call.signal;
        return new Promise(() => undefined);
      },
    });
    void station.call('Heartbeat', {}).catch(() => undefined);
    await expect.poll(() => signal).toBeInstanceOf(AbortSignal);
    expect(signal?.aborted).toBe(false);
    await station.close({ force: true });
    await expect.poll(() => signal?.aborted).toBe(true);
  });

  it('gives a handler that reads its signal only after the call was cancelled an aborted one', async () => {
    let readSignal: (() => AbortSignal) | undefined;
    const { station } = await connected({
      Heartbeat: (call) => {
        readSignal = () => call.signal;
        return new Promise(() => undefined);
      },
    });
    void station.call('Heartbeat', {}).catch(() => undefined);
    await expect.poll(() => readSignal).toBeDefined();
    await station.close({ force: true });
    await expect.poll(() => readSignal?.().aborted).toBe(true);
  });

  it("keeps a connection's calls in progress in a CallsInProgress once it has answered one", async () => {
    const { station, serverClients } = await connected({ Heartbeat: () => ({ currentTime: '2026-12-03T10:00:00.000Z' }) });
    await station.call('Heartbeat', {});
    expect((serverClients[0] as unknown as { _pendingResponses: unknown })._pendingResponses).toBeInstanceOf(CallsInProgress);
  });

  it('refuses a call whose message id is still being answered, and answers the first', async () => {
    let release: (() => void) | undefined;
    const { station } = await connected({
      Heartbeat: () => new Promise((resolve) => (release = () => resolve({ currentTime: '2026-12-03T10:00:00.000Z' }))),
    });
    const frames: unknown[] = [];
    (station as unknown as { on(event: string, listener: (event: { message: string; outbound: boolean }) => void): void }).on(
      'message',
      ({ message, outbound }) => !outbound && frames.push(JSON.parse(message)),
    );
    const send = (frame: unknown[]) => (station as unknown as { sendRaw(message: string): void }).sendRaw(JSON.stringify(frame));
    send([2, 'same-id', 'Heartbeat', {}]);
    await expect.poll(() => release).toBeDefined();
    send([2, 'same-id', 'Heartbeat', {}]);
    await expect.poll(() => frames.length).toBe(1);
    expect(frames[0]).toEqual([4, 'same-id', 'RpcFrameworkError', expect.stringContaining('same-id'), {}]);
    release!();
    await expect.poll(() => frames.length).toBe(2);
    expect(frames[1]).toEqual([3, 'same-id', { currentTime: '2026-12-03T10:00:00.000Z' }]);
  });

  it('aborts every call in progress when the socket goes, however many there are', async () => {
    const signals: AbortSignal[] = [];
    const { station } = await connected({
      Heartbeat: (call) => {
        signals.push(call.signal);
        return new Promise(() => undefined);
      },
    });
    const send = (frame: unknown[]) => (station as unknown as { sendRaw(message: string): void }).sendRaw(JSON.stringify(frame));
    for (const id of ['one', 'two', 'three']) send([2, id, 'Heartbeat', {}]);
    await expect.poll(() => signals.length).toBe(3);
    await station.close({ force: true });
    await expect.poll(() => signals.every((signal) => signal.aborted)).toBe(true);
  });
});
