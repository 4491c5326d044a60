/**
 * The simulated stations' outgoing calls without ocpp-rpc's per-call extras, so that what bench:ocpp measures is the
 * server rather than its own load generator.
 *
 * ocpp-rpc 2.2.1 makes an AbortController for every call, timeout or not (on Node 20 each one's signal takes a hidden
 * class of its own in the old generation), plus closures for its cleanup and abort, and keeps calls in a Map whose
 * table V8 reallocates when its last entry goes. Those lived until the station's next call, about a second, so the
 * load generator's scavenges promoted them: its old generation grew ~9 MB/s per worker and every ~15 s a mark-compact
 * stalled it (up to 130 ms) while the answers it was to time waited in its sockets (bench:ocpp --gc-probe).
 *
 * Here a call is the same frame, validated strictly the same way before it is sent and its answer after (by the
 * library's `_onCallResult`), with the same events; what it does not support (a signal, noReply, ocpp-rpc's own
 * timeout) goes to the library's method. Call timeouts come from one sweep per worker: `expireOverdueCalls`.
 */
import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';
import { asCallsInProgress } from '../../../src/ocpp/calls-in-progress.js';

const OCPP_RPC_VERSION = '2.2.1';
const CALL = 2;
const CLOSING = 2;
const CLOSED = 3;

interface ClientInternals {
  _state: number;
  _protocol: string | undefined;
  _strictProtocols: string[];
  _strictValidators: Map<string, { validate(schemaId: string, payload: unknown): unknown }>;
  _pendingCalls: Map<string, unknown>;
  _options: { callTimeoutMs?: number };
  emit(event: string, detail: unknown): boolean;
  sendRaw(message: string): void;
}

interface CallOptions {
  callTimeoutMs?: number;
  signal?: AbortSignal;
  noReply?: boolean;
}

/** One call awaiting its answer, in the shape the library's answer and disconnect paths use. */
class PendingCall {
  readonly sentAt = performance.now();
  readonly promise: Promise<unknown>;
  private settle!: { resolve: (value: unknown) => void; reject: (error: unknown) => void };

  constructor(
    private readonly client: ClientInternals,
    readonly msgId: string,
    readonly method: string,
    readonly params: unknown,
  ) {
    this.promise = new Promise((resolve, reject) => (this.settle = { resolve, reject }));
  }

  resolve(value: unknown): void {
    this.client._pendingCalls.delete(this.msgId);
    this.settle.resolve(value);
  }

  reject(error: unknown): void {
    this.client._pendingCalls.delete(this.msgId);
    this.settle.reject(error);
  }

  abort(reason?: unknown): void {
    const error = Error(String(reason));
    error.name = 'AbortError';
    this.reject(error);
  }
}

type CallMethod = (this: ClientInternals, method: string, params: unknown, options?: CallOptions) => Promise<unknown>;
let libraryCall: CallMethod;

async function leanCall(this: ClientInternals, method: string, params: unknown, options: CallOptions = {}): Promise<unknown> {
  const timeoutMs = options.callTimeoutMs ?? this._options.callTimeoutMs;
  if (options.signal || options.noReply || (timeoutMs && timeoutMs > 0 && timeoutMs < Infinity)) {
    return libraryCall.call(this, method, params, options);
  }
  if (this._state === CLOSED || this._state === CLOSING) throw Error('Cannot make call while socket not open');
  const msgId = randomUUID();
  const payload = [CALL, msgId, method, params];
  if (this._protocol && this._strictProtocols.includes(this._protocol)) {
    try {
      this._strictValidators.get(this._protocol)!.validate(`urn:${method}.req`, params);
    } catch (error) {
      this.emit('strictValidationFailure', { messageId: msgId, method, params, result: null, error, outbound: true, isCall: true });
      throw error;
    }
  }
  this._pendingCalls = asCallsInProgress(this._pendingCalls);
  const pending = new PendingCall(this, msgId, method, params);
  this._pendingCalls.set(msgId, pending);
  this.emit('call', { outbound: true, payload });
  this.sendRaw(JSON.stringify(payload));
  try {
    const result = await pending.promise;
    this.emit('callResult', { outbound: true, messageId: msgId, method, params, result });
    return result;
  } catch (error) {
    this.emit('callError', { outbound: true, messageId: msgId, method, params, error });
    throw error;
  }
}

/** Puts `leanCall` in place of the loaded ocpp-rpc's `_call`, for the version it was written against. */
export function installLeanStationCalls(rpc: { RPCClient: { prototype: object } }): boolean {
  const { version } = createRequire(import.meta.url)('ocpp-rpc/package.json') as { version: string };
  const prototype = rpc.RPCClient.prototype as Record<string, unknown>;
  if (version !== OCPP_RPC_VERSION || typeof prototype._call !== 'function') return false;
  libraryCall = prototype._call as CallMethod;
  prototype._call = leanCall;
  return true;
}

/** Rejects with `makeError()` each call of these clients that has waited longer than `timeoutMs`. */
export function expireOverdueCalls(clients: Iterable<object | undefined>, timeoutMs: number, makeError: () => Error): void {
  const now = performance.now();
  for (const client of clients) {
    const pendingCalls = (client as ClientInternals | undefined)?._pendingCalls;
    if (!pendingCalls?.size) continue;
    for (const pending of [...pendingCalls.values()]) {
      if (pending instanceof PendingCall && now - pending.sentAt > timeoutMs) pending.reject(makeError());
    }
  }
}
