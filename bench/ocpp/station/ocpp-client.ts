/**
 * A simulated charge station's OCPP-J connection: the benchmark's own small client over `ws`, so that what bench:ocpp
 * measures is the server rather than a client library's per-call extras.
 *
 * It connects to `<endpoint>/<identity>` offering one subprotocol (ocpp1.6 or ocpp2.0.1; `ws` refuses a server that
 * picks another or none) with HTTP basic auth (identity:password). Its calls go out one at a time, like a station's
 * (OCPP-J allows one CALL in progress per direction): a call made while another is unanswered waits for it. A call is
 * validated against its schema before it is sent and its CALLRESULT when it comes (schemas.ts); the server's calls are
 * validated, answered through `answer`, and the answer validated. Timeouts are not per call: the owner calls
 * `expireOverdue` from one timer for all its clients.
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';
import { schemasFor, type SchemaSet, type Subprotocol } from './schemas.js';

export type Payload = Record<string, any>;

/** A call that got no answer to use; `kind` says why ("timeout", "CALLERROR:<code>", "strict:<code>", …). */
export class CallFailed extends Error {
  constructor(readonly kind: string, message = kind) {
    super(message);
  }
}

/** A connect that failed; `kind` is "http-<status>", an errno code, "handshake-timeout", or the error's message. */
export class ConnectFailed extends Error {
  constructor(readonly kind: string) {
    super(kind);
  }
}

export interface StationClientOptions {
  identity: string;
  /** ws://127.0.0.1:PORT/ocpp */
  endpoint: string;
  subprotocol: Subprotocol;
  password: string;
  handshakeTimeoutMs: number;
  /** WebSocket ping interval (0 = off); a ping unanswered by the next one terminates the socket. */
  pingIntervalMs: number;
  /** The answer to a call from the server, or null for NotImplemented. */
  answer(action: string, payload: Payload): Payload | null;
  /** A payload that failed its schema: "outbound:<Action>.req", "inbound:<Action>.conf", … */
  onStrictFailure(label: string): void;
  /** The socket closed (on purpose or not), after its calls have failed. */
  onClose(code: number): void;
}

/** The error codes of OCPP-J; a CALLERROR with another code counts as GenericError. */
const ERROR_CODES = new Set([
  'GenericError', 'NotImplemented', 'NotSupported', 'InternalError', 'ProtocolError', 'SecurityError', 'FormationViolation',
  'FormatViolation', 'PropertyConstraintViolation', 'OccurenceConstraintViolation', 'OccurrenceConstraintViolation',
  'TypeConstraintViolation', 'MessageTypeNotSupported', 'RpcFrameworkError',
]);

const CALL = 2;
const CALLRESULT = 3;
const CALLERROR = 4;

interface Call {
  id: string;
  action: string;
  payload: Payload;
  sentAt: number;
  resolve(result: Payload): void;
  reject(error: CallFailed): void;
}

export class StationClient {
  private ws?: WebSocket;
  /** Calls may be sent: the socket is open and not being closed. */
  private accepting = false;
  /** The socket opened and has not closed yet. */
  private connected = false;
  private current?: Call;
  private readonly waiting: Call[] = [];
  private readonly schemas: SchemaSet;
  private pingTimer?: NodeJS.Timeout;
  private closed?: Promise<void>;

  constructor(private readonly options: StationClientOptions) {
    this.schemas = schemasFor(options.subprotocol);
  }

  connect(): Promise<void> {
    const { identity, password, subprotocol } = this.options;
    const ws = new WebSocket(`${this.options.endpoint}/${encodeURIComponent(identity)}`, [subprotocol], {
      handshakeTimeout: this.options.handshakeTimeoutMs,
      headers: { authorization: `Basic ${Buffer.from(`${identity}:${password}`).toString('base64')}` },
    });
    this.ws = ws;
    return new Promise((resolve, reject) => {
      let settled = false;
      const fail = (error: ConnectFailed) => {
        if (settled) return;
        settled = true;
        reject(error);
      };
      ws.on('error', (error: Error & { code?: unknown }) => {
        if (typeof error.code === 'string') fail(new ConnectFailed(error.code));
        else if (/handshake has timed out/i.test(error.message)) fail(new ConnectFailed('handshake-timeout'));
        else fail(new ConnectFailed(error.message.slice(0, 80)));
      });
      ws.once('unexpected-response', (_request, response) => {
        fail(new ConnectFailed(`http-${response.statusCode}`));
        ws.terminate();
      });
      ws.once('open', () => {
        settled = true;
        this.connected = true;
        this.accepting = true;
        this.closed = new Promise((closed) => ws.once('close', () => closed()));
        ws.on('message', (data) => this.onMessage(String(data)));
        ws.once('close', (code) => this.onSocketClose(code));
        this.startPings(ws);
        resolve();
      });
    });
  }

  /** One call; resolves with the CALLRESULT's payload, rejects with CallFailed. */
  call(action: string, payload: Payload): Promise<Payload> {
    return new Promise((resolve, reject) => {
      const call: Call = { id: '', action, payload, sentAt: 0, resolve, reject };
      if (this.current) this.waiting.push(call);
      else this.send(call);
    });
  }

  /** Fails the unanswered call with "timeout" when it was sent more than `timeoutMs` before `now`. */
  expireOverdue(now: number, timeoutMs: number): void {
    if (this.current && now - this.current.sentAt > timeoutMs) this.settle(undefined, new CallFailed('timeout'));
  }

  /** Closes with 1000 and waits for the close (10 s at most, then the socket is terminated: 2 s more at most). */
  async close(): Promise<void> {
    const ws = this.ws;
    if (!ws || !this.connected) return;
    this.stopCalls('aborted:Client going away');
    ws.close(1000, 'bench done');
    if (await within(this.closed!, 10_000)) return;
    ws.terminate();
    await within(this.closed!, 2_000);
  }

  private send(call: Call): void {
    this.current = call;
    if (!this.accepting) return this.settle(undefined, new CallFailed('socket-closed', 'Cannot make call while socket not open'));
    const failure = this.schemas.check(call.action, 'req', call.payload);
    if (failure) {
      this.options.onStrictFailure(`outbound:${call.action}.req`);
      return this.settle(undefined, new CallFailed(`strict:${failure.code}`, failure.message));
    }
    call.id = randomUUID();
    call.sentAt = performance.now();
    this.ws!.send(JSON.stringify([CALL, call.id, call.action, call.payload]));
  }

  /** Ends the current call (with its result or an error) and sends the next waiting one. */
  private settle(result: Payload | undefined, error?: CallFailed): void {
    const call = this.current!;
    this.current = undefined;
    if (error) call.reject(error);
    else call.resolve(result!);
    const next = this.waiting.shift();
    if (next) this.send(next);
  }

  /** Fails the current call with `kind`, and every waiting one as "socket-closed". */
  private stopCalls(kind: string): void {
    this.accepting = false;
    if (this.current) this.settle(undefined, new CallFailed(kind));
  }

  private onSocketClose(code: number): void {
    this.connected = false;
    clearInterval(this.pingTimer);
    this.stopCalls('disconnected');
    this.options.onClose(code);
  }

  private startPings(ws: WebSocket): void {
    if (!(this.options.pingIntervalMs > 0)) return;
    let awaitingPong = false;
    ws.on('pong', () => (awaitingPong = false));
    this.pingTimer = setInterval(() => {
      if (awaitingPong) return ws.terminate();
      awaitingPong = true;
      ws.ping();
    }, this.options.pingIntervalMs);
  }

  private onMessage(text: string): void {
    let frame: unknown;
    try {
      frame = JSON.parse(text);
    } catch {
      return; // not OCPP-J: nothing to answer
    }
    if (!Array.isArray(frame) || typeof frame[1] !== 'string') return;
    const [type, id] = frame as [unknown, string];
    if (type === CALL) {
      if (typeof frame[2] === 'string') this.onCall(id, frame[2], frame[3]);
      return;
    }
    if (this.current?.id !== id) return; // an answer to a call that has timed out, or to none
    if (type === CALLRESULT) this.onResult(frame[2]);
    else if (type === CALLERROR) this.settle(undefined, new CallFailed(`CALLERROR:${ERROR_CODES.has(frame[2]) ? frame[2] : 'GenericError'}`));
  }

  private onResult(result: Payload): void {
    const action = this.current!.action;
    const failure = this.schemas.check(action, 'conf', result);
    if (!failure) return this.settle(result);
    this.options.onStrictFailure(`inbound:${action}.conf`);
    this.settle(undefined, new CallFailed(`strict:${failure.code}`, failure.message));
  }

  private onCall(id: string, action: string, payload: Payload): void {
    if (!this.accepting) return;
    const invalid = this.schemas.check(action, 'req', payload);
    if (invalid) {
      this.options.onStrictFailure(`inbound:${action}.req`);
      return this.replyError(id, invalid.code, invalid.message);
    }
    const answer = this.options.answer(action, payload);
    if (!answer) return this.replyError(id, 'NotImplemented', `Unable to handle '${action}' calls`);
    if (this.schemas.check(action, 'conf', answer)) {
      this.options.onStrictFailure(`outbound:${action}.conf`);
      return this.replyError(id, 'InternalError', '');
    }
    this.ws!.send(JSON.stringify([CALLRESULT, id, answer]));
  }

  private replyError(id: string, code: string, description: string): void {
    // OCPP 1.6 names this code FormationViolation (the 1.6 JSON specification's own spelling).
    const named = code === 'FormatViolation' && this.options.subprotocol === 'ocpp1.6' ? 'FormationViolation' : code;
    this.ws!.send(JSON.stringify([CALLERROR, id, named, description, {}]));
  }
}

/** True when `promise` settled within `ms`. */
async function within(promise: Promise<void>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([promise.then(() => true as const), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
