/**
 * No byte sequence a station sends may end the process. ws reports a frame it refuses (over the size limit, invalid
 * UTF-8, a bad opcode, an unmasked frame …) by closing the socket with the right code and emitting 'error' on the
 * WebSocket; an 'error' with no listener is thrown, and thrown from a socket's event it is uncaught. So every
 * WebSocket the gateway's server makes has a listener from the moment it exists until it is gone (`GuardedWebSocket`,
 * through ws's documented `WebSocket` option), and every upgrading socket has one from the moment the gateway sees it.
 */
import type { RPCServer } from 'ocpp-rpc';
import WebSocket from 'ws';

/** The WebSocket class option of ocpp-rpc's server (typed from ws's CommonJS declarations, not its ESM ones). */
type ServerWebSocketClass = NonNullable<NonNullable<NonNullable<ConstructorParameters<typeof RPCServer>[0]>['wssOptions']>['WebSocket']>;

/** Errors that belong to one connection and have already closed it: nothing else is affected by them. */
const CONNECTION_ERROR_CODES = new Set(['ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ECONNABORTED', 'ERR_STREAM_DESTROYED', 'ERR_STREAM_WRITE_AFTER_END']);

export function isConnectionFault(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (code.startsWith('WS_ERR_') || CONNECTION_ERROR_CODES.has(code));
}

/** What went wrong with a connection's socket, for counting: ws's error code, or the error's name. */
export function faultKind(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : ((error as Error | null)?.name ?? 'unknown');
}

/** A WebSocket class for ws's `WebSocket` server option: each instance reports its errors to `onError` from birth. */
export function guardedWebSocket(onError: (error: Error) => void): ServerWebSocketClass {
  class GuardedWebSocket extends WebSocket {
    // ws's server makes its WebSockets with (null, undefined, options), which the typed overloads do not name.
    constructor(...args: unknown[]) {
      super(...(args as ConstructorParameters<typeof WebSocket>));
      this.on('error', onError);
      lastGuardedWebSocket = this;
    }
  }
  // ws only calls `new` on it; its typings want the class with ws's namespace (createWebSocketStream …) merged in.
  return GuardedWebSocket as unknown as ServerWebSocketClass;
}

let lastGuardedWebSocket: WebSocket | undefined;

/**
 * The WebSocket made for the connection being set up right now. ws makes it and hands it to ocpp-rpc, which makes its
 * client and announces it, all in one synchronous step; the gateway takes it from here when it is told of the client.
 */
export function takeLastGuardedWebSocket(): WebSocket | undefined {
  const socket = lastGuardedWebSocket;
  lastGuardedWebSocket = undefined;
  return socket;
}
