/** Simulated charge stations: ocpp-rpc clients in strict mode, as real stations would talk. */
import { createHash } from 'node:crypto';
import { RPCClient } from 'ocpp-rpc';
import WebSocket from 'ws';
import type { TestAnode } from './anode.js';

export type OcppVersion = 'ocpp1.6' | 'ocpp2.0.1';

export const passwordHash = (password: string) => createHash('sha256').update(password).digest('base64');

export interface StationOptions {
  id: string;
  version?: OcppVersion;
  password?: string;
  /** the path prefix; default /ocpp */
  endpointPath?: string;
  /** answers to calls from the CSMS, by action */
  handlers?: Record<string, (params: Record<string, unknown>) => unknown>;
  wsOpts?: Record<string, unknown>;
  baseUrl?: string;
}

export interface SimulatedStation {
  client: RPCClient;
  /** every call the CSMS made, in order */
  received: Array<{ action: string; params: Record<string, unknown> }>;
  call<T = Record<string, unknown>>(action: string, params: Record<string, unknown>): Promise<T>;
  close(): Promise<void>;
}

export async function connectStation(anode: TestAnode, options: StationOptions): Promise<SimulatedStation> {
  const base = (options.baseUrl ?? anode.url).replace(/^http/, 'ws');
  const client = new RPCClient({
    endpoint: `${base}${options.endpointPath ?? '/ocpp'}`,
    identity: options.id,
    protocols: [options.version ?? 'ocpp1.6'],
    strictMode: true,
    password: options.password ?? null,
    reconnect: false,
    callTimeoutMs: 10_000,
    ...(options.wsOpts && { wsOpts: options.wsOpts }),
  } as never);
  const received: SimulatedStation['received'] = [];
  const handlers = options.handlers ?? {};
  client.handle(async ({ method, params }) => {
    received.push({ action: method!, params: params as Record<string, unknown> });
    const handler = handlers[method!];
    if (!handler) throw Object.assign(new Error(`station does not handle ${method}`), { rpcErrorCode: 'NotImplemented' });
    return (await handler(params as Record<string, unknown>)) as Record<string, unknown>;
  });
  await client.connect();
  return {
    client,
    received,
    call: async <T>(action: string, params: Record<string, unknown>) => (await client.call(action, params)) as T,
    close: async () => {
      await client.close({ force: true });
    },
  };
}

/** Registers a station with basic auth (profile 0) through the admin API. */
export async function registerStation(anode: TestAnode, id: string, password = 'station-password'): Promise<string> {
  const { response } = await anode.admin.POST('/cs/{csId}', {
    params: { path: { csId: id } },
    body: { securityProfile: 0, base64SHA256Password: passwordHash(password) },
  });
  if (response.status !== 201) throw new Error(`registering ${id} failed: ${response.status}`);
  return password;
}

/** Registers and connects a station; it boots unless asked not to. */
export async function bootedStation(
  anode: TestAnode,
  id: string,
  options: Omit<StationOptions, 'id' | 'password'> & { boot?: boolean } = {},
): Promise<SimulatedStation> {
  const password = await registerStation(anode, id);
  const station = await connectStation(anode, { ...options, id, password });
  if (options.boot !== false) {
    const boot =
      (options.version ?? 'ocpp1.6') === 'ocpp1.6'
        ? await station.call('BootNotification', { chargePointVendor: 'Anode', chargePointModel: 'Test' })
        : await station.call('BootNotification', { reason: 'PowerUp', chargingStation: { vendorName: 'Anode', model: 'Test' } });
    if (boot.status !== 'Accepted') throw new Error(`${id} was not accepted at boot: ${JSON.stringify(boot)}`);
  }
  return station;
}

/** Opens a raw WebSocket (no ocpp-rpc) for frames a well-behaved client never sends. */
export function rawSocket(
  anode: TestAnode,
  id: string,
  password: string,
  protocol: string | string[] = 'ocpp1.6',
): Promise<WebSocket> {
  const url = `${anode.url.replace(/^http/, 'ws')}/ocpp/${encodeURIComponent(id)}`;
  const authorization = `Basic ${Buffer.from(`${id}:${password}`).toString('base64')}`;
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, protocol, { headers: { Authorization: authorization } });
    socket.once('open', () => resolve(socket));
    socket.once('error', reject);
    socket.once('unexpected-response', (_request, response) => reject(new Error(`HTTP ${response.statusCode}`)));
  });
}

/** Sends a raw frame and resolves with the next frame the CSMS sends. */
export function exchange(socket: WebSocket, frame: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const onMessage = (data: WebSocket.RawData) => {
      socket.off('close', onClose);
      resolve(JSON.parse(String(data)));
    };
    const onClose = (code: number) => {
      socket.off('message', onMessage);
      reject(new Error(`closed with ${code}`));
    };
    socket.once('message', onMessage);
    socket.once('close', onClose);
    socket.send(frame);
  });
}

/** Tries a WebSocket upgrade and resolves with the HTTP status it got (101 when it succeeded). */
export function upgradeStatus(url: string, protocols: string[] | undefined, headers: Record<string, string> = {}, options: Record<string, unknown> = {}): Promise<number> {
  return new Promise((resolve) => {
    const socket = new WebSocket(url, protocols, { headers, ...options });
    socket.once('open', () => {
      socket.close();
      resolve(101);
    });
    socket.once('unexpected-response', (_request, response) => {
      resolve(response.statusCode ?? 0);
      socket.terminate();
    });
    socket.once('error', () => resolve(0));
  });
}

/** Polls until `check` passes or the time runs out (for work the CSMS does after answering). */
export async function eventually<T>(check: () => Promise<T>, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}
