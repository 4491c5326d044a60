/**
 * ocpp-rpc's answer to each incoming call, with the per-call cost taken out.
 *
 * ocpp-rpc 2.2.1 hands every handler an AbortSignal, built before the handler runs. On Node 20 building one costs a
 * fresh hidden class in the old generation (its AbortSignal is an EventTarget whose prototype is set afterwards):
 * 256 bytes of old-generation garbage per call, the largest single source of it in a sampled heap profile of
 * bench:ocpp's meter-values window, and 5.8% of the server's CPU in a CPU profile of that window. Here the signal is
 * made only when a handler reads it (Anode's never do) and is aborted then if the call was cancelled before.
 *
 * Each connection's table of calls in progress becomes a CallsInProgress, whose deletes allocate nothing.
 *
 * Everything else is what the library does: the same checks in the same order, the same CALLRESULT / CALLERROR
 * frames (error codes spelled as each version's specification spells them), the same events. It replaces the
 * library's method only for the version it was written against: with any other, the gateway refuses to start.
 */
import { createRequire } from 'node:module';
import { asCallsInProgress } from './calls-in-progress.js';

const OCPP_RPC_VERSION = '2.2.1';

/** What of the loaded ocpp-rpc module this file uses. */
export interface OcppRpcModule {
  RPCClient: { prototype: object };
  createRPCError(code: string, message?: string, details?: unknown): unknown;
  NOREPLY: unknown;
}

let createRPCError: OcppRpcModule['createRPCError'];
let NOREPLY: unknown;

const WEBSOCKET_OPEN = 1;
const CALLRESULT = 3;
const CALLERROR = 4;

interface Validator {
  validate(schemaId: string, payload: unknown): unknown;
  /** ocpp-rpc's compiled schemas of the version: which actions it defines */
  _ajv?: { getSchema(id: string): unknown };
}

interface CallHandler {
  (call: { messageId: string; method: string; params: unknown; signal: AbortSignal; reply: (value: unknown) => void }): unknown;
}

/** The fields of ocpp-rpc's RPCClient that its incoming-call path reads. */
interface ClientInternals {
  _state: number;
  _protocol: string | undefined;
  _strictProtocols: string[];
  _strictValidators: Map<string, Validator>;
  _handlers: Map<string, CallHandler>;
  _wildcardHandler: CallHandler | null;
  _pendingResponses: Map<string, { abort(reason?: unknown): void; promise: Promise<unknown> }>;
  _options: { respondWithDetailedErrors?: boolean };
  emit(event: string, detail: unknown): boolean;
  sendRaw(message: string): void;
  close(options: { code: number; reason: string }): unknown;
}

interface RpcErrorLike {
  message?: string;
  rpcErrorCode?: string;
  rpcErrorMessage?: string;
  details?: unknown;
}

/**
 * Error codes as each version spells them: the schemas' validator says FormatViolation (1.6: FormationViolation) and
 * misspells OccurrenceConstraintViolation (the spelling of 2.0.1 and of 1.6's errata).
 */
const ERROR_CODES: Record<string, Record<string, string>> = {
  'ocpp1.6': { FormatViolation: 'FormationViolation', OccurenceConstraintViolation: 'OccurrenceConstraintViolation' },
  'ocpp2.0.1': { OccurenceConstraintViolation: 'OccurrenceConstraintViolation' },
};

/**
 * What a handler is given for one call, whose AbortController is made only if the handler asks for the signal.
 * A class, not an object literal with a getter: on Node 20 such a literal is built by the runtime every time (30 times
 * slower than a class instance, about 475 bytes, some of it in the old generation, measured with 3 million of each).
 */
class IncomingCall {
  private controller: AbortController | undefined;
  private aborted = false;
  private abortReason: unknown;

  constructor(
    readonly messageId: string,
    readonly method: string,
    readonly params: unknown,
    readonly reply: (value: unknown) => void,
  ) {}

  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.aborted) this.controller.abort(this.abortReason);
    }
    return this.controller.signal;
  }

  abort(reason?: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.abortReason = reason;
    this.controller?.abort(reason);
  }
}

function plainError(error: unknown): unknown {
  try {
    return JSON.parse(JSON.stringify(error, Object.getOwnPropertyNames(error)));
  } catch {
    return { stack: (error as Error)?.stack, message: (error as Error)?.message };
  }
}

async function answerCall(this: ClientInternals, messageId: string, method: string, params: unknown): Promise<void> {
  try {
    let frame: unknown[];
    if (this._state !== WEBSOCKET_OPEN) throw new Error('Call received while client state not OPEN');
    try {
      if (this._pendingResponses.has(messageId)) {
        throw createRPCError('RpcFrameworkError', `Already processing a call with message ID: ${messageId}`, {});
      }
      const handler = this._handlers.get(method) ?? this._wildcardHandler;
      const validator = this._protocol && this._strictProtocols.includes(this._protocol) ? this._strictValidators.get(this._protocol) : undefined;
      if (!handler) {
        // NotImplemented is for an action the version does not define; one it defines that is not ours to answer
        // (a CSMS→station message sent by a station) is NotSupported.
        if (validator?._ajv?.getSchema(`urn:${method}.req`)) throw createRPCError('NotSupported', `'${method}' is not a message a charging station sends`, {});
        throw createRPCError('NotImplemented', `Unable to handle '${method}' calls`, {});
      }
      if (validator) {
        try {
          validator.validate(`urn:${method}.req`, params);
        } catch (error) {
          this.emit('strictValidationFailure', { messageId, method, params, result: null, error, outbound: false, isCall: true });
          throw error;
        }
      }

      let reply!: (value: unknown) => void;
      const answered = new Promise<unknown>((resolve, reject) => {
        reply = (value) => (value instanceof Error ? reject(value) : resolve(value));
      });
      const call = new IncomingCall(messageId, method, params, reply);
      this._pendingResponses = asCallsInProgress(this._pendingResponses);
      this._pendingResponses.set(messageId, { abort: (reason) => call.abort(reason), promise: answered });
      try {
        Promise.resolve(handler(call)).then(reply, reply);
      } catch (error) {
        reply(error);
      }
      const result = await answered;

      this.emit('callResult', { outbound: false, messageId, method, params, result });
      if (result === NOREPLY) return;
      frame = [CALLRESULT, messageId, result];
      if (validator) {
        try {
          validator.validate(`urn:${method}.conf`, result);
        } catch (error) {
          this.emit('strictValidationFailure', { messageId, method, params, result, error, outbound: true, isCall: false });
          throw createRPCError('InternalError');
        }
      }
    } catch (caught) {
      const error = (caught ?? {}) as RpcErrorLike;
      const details = error.details || (this._options.respondWithDetailedErrors ? plainError(caught) : {});
      let code = error.rpcErrorCode || 'GenericError';
      code = (this._protocol && ERROR_CODES[this._protocol]?.[code]) ?? code;
      frame = [CALLERROR, messageId, code, error.message || error.rpcErrorMessage || '', details ?? {}];
      this.emit('callError', { outbound: false, messageId, method, params, error: caught });
    } finally {
      this._pendingResponses.delete(messageId);
    }
    this.emit('response', { outbound: true, payload: frame });
    this.sendRaw(JSON.stringify(frame));
  } catch {
    Promise.resolve(this.close({ code: 1000, reason: 'Unable to send call result' })).catch(() => {});
  }
}

export class IncompatibleOcppRpcError extends Error {}

/** The version of ocpp-rpc that is installed. */
export const installedOcppRpcVersion = (): string =>
  (createRequire(import.meta.url)('ocpp-rpc/package.json') as { version: string }).version;

/**
 * Puts `answerCall` in place of the loaded ocpp-rpc's own. Called by the gateway when it starts; fails when the
 * installed ocpp-rpc is not the version `answerCall` was written against, since it reads that version's private fields.
 */
export function installLeanIncomingCalls(rpc: OcppRpcModule, version = installedOcppRpcVersion()): void {
  const client = rpc.RPCClient.prototype as Record<string, unknown>;
  if (client._onCall === answerCall) return;
  if (version !== OCPP_RPC_VERSION || typeof client._onCall !== 'function') {
    throw new IncompatibleOcppRpcError(
      `ocpp-rpc ${version} is installed, but src/ocpp/rpc-incoming-calls.ts replaces the incoming-call path of ocpp-rpc ${OCPP_RPC_VERSION}: ` +
        `install ${OCPP_RPC_VERSION} (npm ci), or review that file against ${version} and change OCPP_RPC_VERSION there`,
    );
  }
  ({ createRPCError, NOREPLY } = rpc);
  client._onCall = answerCall;
}

/** Whether this ocpp-rpc's clients answer incoming calls with `answerCall` (for tests). */
export const leanIncomingCallsInstalled = (rpc: OcppRpcModule): boolean =>
  (rpc.RPCClient.prototype as Record<string, unknown>)._onCall === answerCall;
