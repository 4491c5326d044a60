/**
 * The OCPP WebSocket gateway: one endpoint for OCPP 1.6J and 2.0.1 on the HTTP server's port, built on ocpp-rpc
 * (framing, strict schema validation both ways, keep-alive). It authenticates stations at the upgrade, routes each
 * message to its version's handler table, and is the StationLink through which Anode calls stations.
 */
import { createRequire } from 'node:module';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { reportProfileChange } from './charging-profile-calls.js';
import { RPCServer, TimeoutError, createValidator, rpcModule } from './rpc.js';
import type { Bus } from '../cluster/bus.js';
import { isDatabaseUnavailable } from '../db/availability.js';
import { NotFoundError } from '../domain/errors.js';
import type { Domain } from '../domain/index.js';
import {
  InvalidStationCallError,
  StationCallError,
  StationNotConnectedError,
  StationTimeoutError,
  StationWentAwayError,
  type StationLink,
} from '../domain/station-calls.js';
import type { Logger } from '../log.js';
import { authenticateStation } from './auth.js';
import type { ForwardedCertificates } from './client-certificate.js';
import { callValueRules, type CallValueRules } from './call-values.js';
import { StationPacing } from './pacing.js';
import { faultKind, guardedWebSocket, takeLastGuardedWebSocket } from './socket-guard.js';
import { OCPP_VERSIONS, type OcppSettings, type OcppVersion, type StationContext, type StationSession } from './context.js';
import { DataTransferVendors } from './data-transfer.js';
import { v16Handlers } from './v16/handlers.js';
import { v16Requests } from './v16/operator-requests.js';
import { v201Handlers } from './v201/handlers.js';
import { v201Requests } from './v201/operator-requests.js';
import { RequestDelivery, type RequestWording } from './operator-requests.js';
import { installLeanIncomingCalls } from './rpc-incoming-calls.js';

export interface GatewayOptions {
  nodeId: string;
  settings: OcppSettings;
  /** frames larger than this close the socket (1009) */
  maxMessageBytes: number;
  /** malformed frames or schema-violating calls in a row before the socket is closed */
  maxBadMessages: number;
  /** a station's unanswered calls at which its socket is no longer read until one is answered (pacing.ts) */
  maxCallsInProgress: number;
  /** labs only: admit any station id without authentication */
  allowUnregistered: boolean;
  pingIntervalMs: number;
  /** told of every station connection this gateway gains or loses (the cluster's station directory listens) */
  connections?: ConnectionObserver;
  /** the vendors whose DataTransfer messages Anode answers (none: every one is UnknownVendorId) */
  dataTransferVendors?: DataTransferVendors;
  /** the client certificates a load balancer that ends TLS forwards (none: no trusted proxies) */
  forwardedCertificates?: ForwardedCertificates;
}

export interface ConnectionObserver {
  connected(stationId: string, version: OcppVersion, connectionId: number): void;
  disconnected(stationId: string, connectionId: number): void;
}

type AnyHandler = (ctx: StationContext, request: never) => Promise<unknown>;

interface VersionWiring {
  handlers: Record<string, AnyHandler>;
  requests: RequestWording;
  validator: { validate(schemaId: string, params: unknown): unknown };
  values: CallValueRules;
}

/** What the upgrade learnt of a station, handed to its connection. */
interface AdmittedStation {
  stationId: string;
  version: OcppVersion;
  /** its registration is Accepted: it may be sent operator requests without booting again */
  accepted: boolean;
  /** the operator's requests were waiting for it when it was admitted */
  requestsWaiting: boolean;
  /** when it was last seen before this connection */
  lastSeenAt: Date | null;
}

interface RpcClient {
  session: AdmittedStation;
  handshake: { request: IncomingMessage };
  handle(action: string, handler: (call: { method: string; params: unknown }) => Promise<unknown>): void;
  call(action: string, params: unknown, options?: { callTimeoutMs?: number }): Promise<unknown>;
  close(options?: { code?: number; reason?: string; force?: boolean }): Promise<unknown>;
  on<E extends keyof ClientEvents>(event: E, listener: (detail: ClientEvents[E]) => void): void;
  once<E extends keyof ClientEvents>(event: E, listener: (detail: ClientEvents[E]) => void): void;
}

/** The events of an ocpp-rpc client the gateway listens to, with what each carries. */
interface ClientEvents {
  close: unknown;
  socketError: Error;
  badMessage: { buffer: Buffer; error: Error };
  strictValidationFailure: { method: string; outbound: boolean; isCall: boolean; error: Error };
  callResult: { outbound: boolean };
}

interface Connection {
  id: number;
  client: RpcClient;
  session: StationSession;
  invalidCallsInARow: number;
  pacing: StationPacing | undefined;
}

/** What the gateway has refused or lost since it started, by kind (for /health and the log). */
export interface GatewayFaults {
  /** errors of stations' WebSockets (a refused frame: WS_ERR_…; a reset connection: ECONNRESET …) */
  socketErrors: Record<string, number>;
  /** errors of sockets before their upgrade completed */
  upgradeErrors: number;
  /** calls refused for a value Anode cannot store */
  refusedValues: number;
  /** times a station's socket was not read because it had too many calls unanswered or answers unread */
  pacingPauses: number;
}

/** `/ocpp/{id}`, and the path of stations configured for `/ws/CentralSystemService/{id}`. */
const STATION_PATH = /^\/(?:ocpp|ws\/CentralSystemService)\/([^/]+)$/;
const STATION_ID = /^[A-Za-z0-9*\-_=:+|@.]{1,48}$/;

const NO_VENDORS = new DataTransferVendors();

const requireJson = createRequire(import.meta.url);
const SCHEMAS = { 'ocpp1.6': requireJson('ocpp-rpc/lib/schemas/ocpp1_6.json'), 'ocpp2.0.1': requireJson('ocpp-rpc/lib/schemas/ocpp2_0_1.json') };
const VERSION_WIRING: Record<OcppVersion, VersionWiring> = {
  'ocpp1.6': {
    handlers: v16Handlers,
    requests: v16Requests,
    validator: createValidator('ocpp1.6', SCHEMAS['ocpp1.6']),
    values: callValueRules(SCHEMAS['ocpp1.6']),
  },
  'ocpp2.0.1': {
    handlers: v201Handlers,
    requests: v201Requests,
    validator: createValidator('ocpp2.0.1', SCHEMAS['ocpp2.0.1']),
    values: callValueRules(SCHEMAS['ocpp2.0.1']),
  },
};

function stationIdOf(url: string | undefined): string | undefined {
  const path = (url ?? '/').split('?')[0];
  const match = STATION_PATH.exec(path);
  if (!match) return undefined;
  try {
    return decodeURIComponent(match[1]);
  } catch {
    return undefined;
  }
}

function refuseUpgrade(socket: Duplex, status: number, reason: string): void {
  const body = JSON.stringify({ status: reason });
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Type: application/json\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}

/**
 * Closes a station's connection. ocpp-rpc's close waits for the socket's 'close' and rejects if an 'error' comes first
 * (a frame ws refused while the close was under way): the socket is gone either way, and an unhandled rejection would
 * end the process.
 */
function closeConnection(client: RpcClient, options: { code: number; reason: string }): void {
  client.close(options).catch(() => {});
}

function rpcErrorCode(error: unknown): string | undefined {
  const code = (error as { rpcErrorCode?: unknown } | null)?.rpcErrorCode;
  return typeof code === 'string' ? code : undefined;
}

export class OcppGateway implements StationLink {
  private readonly server: RPCServer;
  private readonly connections = new Map<string, Connection>();
  private lastConnectionId = 0;
  private readonly requests: RequestDelivery;
  private unsubscribe = () => {};
  private readonly faults: GatewayFaults = { socketErrors: {}, upgradeErrors: 0, refusedValues: 0, pacingPauses: 0 };

  /** Throws IncompatibleOcppRpcError when the installed ocpp-rpc is not the version its incoming-call path replaces. */
  constructor(
    private readonly domain: Domain,
    private readonly bus: Bus,
    private readonly logger: Logger,
    private readonly options: GatewayOptions,
  ) {
    installLeanIncomingCalls(rpcModule);
    this.server = new RPCServer({
      protocols: OCPP_VERSIONS,
      strictMode: true,
      callTimeoutMs: options.settings.callTimeoutMs,
      pingIntervalMs: options.pingIntervalMs,
      // A station whose messages arrive is alive: ping it only after an interval without any. Each ping round costs
      // a frame each way and, in ocpp-rpc, an AbortController, listeners and a promise that live the whole interval.
      deferPingsOnActivity: true,
      maxBadMessages: options.maxBadMessages,
      wssOptions: {
        maxPayload: options.maxMessageBytes,
        WebSocket: guardedWebSocket((error) => {
          const kind = faultKind(error);
          this.faults.socketErrors[kind] = (this.faults.socketErrors[kind] ?? 0) + 1;
        }),
      },
    });
    this.server.auth((accept, reject, handshake) => {
      this.authenticate(handshake.identity, handshake.protocols, handshake.request).then(
        (verdict) => (verdict.ok ? accept(verdict.session, verdict.session.version) : reject(verdict.status, verdict.reason)),
        (error: unknown) => {
          this.logger.error({ err: error, stationId: handshake.identity }, 'station authentication failed');
          reject(503, 'Service Unavailable');
        },
      );
    });
    this.server.on('client', (client: RpcClient) => this.onConnection(client));
    this.server.on('error', (error: unknown) => this.logger.error({ err: error }, 'OCPP server error'));
    this.requests = new RequestDelivery(domain, logger);
  }

  /** Delivers an operator's request as soon as it is stored, to a station connected here. */
  start(): void {
    this.unsubscribe = this.bus.subscribe('station.request.created', ({ stationId }) => {
      const connection = this.connections.get(stationId);
      if (connection) this.deliverOpenRequests(connection);
    });
  }

  /** For the HTTP server's 'upgrade' event. */
  readonly handleUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer): void => {
    // Node's HTTP server takes its own error listener off an upgrading socket: one reset now would be uncaught.
    socket.on('error', (error: Error) => {
      this.faults.upgradeErrors += 1;
      this.logger.debug({ stationId: stationIdOf(request.url), error: error.message }, 'station socket error during the upgrade');
    });
    if (stationIdOf(request.url) === undefined) {
      refuseUpgrade(socket, 404, 'Not Found');
      return;
    }
    // Node types an upgrading socket as a Duplex; it is the net.Socket ocpp-rpc's typings name.
    this.server.handleUpgrade(request, socket as never, head).catch((error: unknown) => {
      this.logger.warn({ err: error }, 'OCPP upgrade failed');
      socket.destroy();
    });
  };

  private async authenticate(
    identity: string,
    offered: Set<string>,
    request: IncomingMessage,
  ): Promise<{ ok: true; session: AdmittedStation } | { ok: false; status: number; reason: string }> {
    const version = OCPP_VERSIONS.find((candidate) => offered.has(candidate));
    if (!version) {
      this.logger.info({ stationId: identity, offered: [...offered] }, 'station refused: no supported OCPP subprotocol');
      return { ok: false, status: 400, reason: 'Bad Request: offer subprotocol ocpp1.6 or ocpp2.0.1' };
    }
    const refused = { ok: false as const, status: 401, reason: 'Unauthorized' };
    if (!STATION_ID.test(identity)) return refused;
    let admission;
    try {
      admission = await this.domain.stations.admission(identity);
    } catch (error) {
      if (!(error instanceof NotFoundError)) throw error;
      if (!this.options.allowUnregistered) {
        this.logger.info({ stationId: identity }, 'station refused: not registered');
        return refused;
      }
      await this.domain.stations.admitUnregistered(identity);
      this.logger.warn({ stationId: identity }, 'unregistered station admitted (OCPP_ALLOW_UNREGISTERED)');
      return { ok: true, session: { stationId: identity, version, accepted: true, requestsWaiting: false, lastSeenAt: null } };
    }
    // A station OCPP_ALLOW_UNREGISTERED recorded has no credentials to check: it is admitted as it was the first time.
    const session = {
      stationId: identity,
      version,
      accepted: admission.registrationStatus === 'Accepted',
      requestsWaiting: admission.requestsWaiting,
      lastSeenAt: admission.lastSeenAt,
    };
    if (this.options.allowUnregistered && admission.auth.securityProfile === 0 && !admission.auth.passwordHash) return { ok: true, session };
    let verdict = authenticateStation(request, identity, admission.auth, this.options.forwardedCertificates);
    if (verdict instanceof Promise) verdict = await verdict;
    if (!verdict.ok) {
      this.logger.info({ stationId: identity, reason: verdict.reason }, 'station refused');
      return refused;
    }
    return { ok: true, session };
  }

  private onConnection(client: RpcClient): void {
    const { stationId, version, accepted, requestsWaiting, lastSeenAt } = client.session;
    const session: StationSession = { stationId, version, connectedAt: new Date(), ready: false, transactions: new Map() };
    const connection: Connection = { id: ++this.lastConnectionId, client, session, invalidCallsInARow: 0, pacing: this.pacingOf(client) };
    const previous = this.connections.get(stationId);
    this.connections.set(stationId, connection);
    if (previous) this.closeReplaced(previous, 'station reconnected: the older connection is closed');
    const record = { stationId, nodeId: this.options.nodeId, ocppVersion: version, at: session.connectedAt };
    this.domain.stations
      .recordConnected(record)
      .then(
        // Once connected, EVSEs shown offline to partners show the station's status again.
        () => this.domain.offlineStations.back(stationId, lastSeenAt).catch((error: unknown) => this.logger.error({ err: error, stationId }, 'showing the station back online failed')),
        (error: unknown) => this.logger.error({ err: error, stationId }, 'recording the connection failed'),
      );
    this.wireHandlers(connection);
    this.watchBadInput(connection);
    this.options.connections?.connected(stationId, version, connection.id);
    client.once('close', () => {
      if (this.connections.get(stationId) === connection) this.connections.delete(stationId);
      this.options.connections?.disconnected(stationId, connection.id);
      this.domain.stations.recordDisconnected(record).catch((error: unknown) => this.logger.error({ err: error, stationId }, 'recording the disconnection failed'));
    });
    this.logger.info({ stationId, version }, 'station connected');
    // A station that reconnects without booting again may be sent operator requests at once when it is already Accepted.
    if (accepted) {
      session.ready = true;
      if (requestsWaiting) this.deliverOpenRequests(connection);
    }
  }

  private wireHandlers(connection: Connection): void {
    const { stationId, version } = connection.session;
    const ctx: StationContext = {
      session: connection.session,
      domain: this.domain,
      settings: this.options.settings,
      logger: this.logger,
      dataTransfer: this.options.dataTransferVendors ?? NO_VENDORS,
      deliverOpenRequestsSoon: () => setImmediate(() => this.deliverOpenRequests(connection)),
    };
    const { handlers, values } = VERSION_WIRING[version];
    // One function answers all of a connection's actions: one closure per action per connection was 13 more closures
    // and contexts per station (7 MB at 5,000 stations), for every full garbage collection to mark.
    const { pacing } = connection;
    const answer = async ({ method: action, params }: { method: string; params: unknown }) => {
      try {
        values.check(action, params);
      } catch (error) {
        this.faults.refusedValues += 1;
        this.logger.warn({ stationId, action, error: (error as Error).message }, 'call refused: a value Anode cannot store');
        this.countInvalidCall(connection);
        throw error;
      }
      pacing?.callStarted();
      try {
        // ocpp-rpc (strict mode) has validated params against this action's request schema: it is the handler's type.
        return await handlers[action](ctx, params as never);
      } catch (error) {
        if (rpcErrorCode(error)) {
          this.logger.info({ stationId, action, error: (error as Error).message }, 'call refused');
          throw error;
        }
        if (isDatabaseUnavailable(error)) {
          this.logger.warn({ err: error, stationId, action }, 'call answered InternalError: the database is unavailable');
          throw Object.assign(new Error('database unavailable, try again'), { rpcErrorCode: 'InternalError', details: {} });
        }
        this.logger.error({ err: error, stationId, action }, 'handling a station call failed');
        throw Object.assign(new Error('The CSMS could not process the call'), { rpcErrorCode: 'InternalError', details: {} });
      } finally {
        pacing?.callEnded();
      }
    };
    for (const action of Object.keys(handlers)) connection.client.handle(action, answer);
  }

  /** Paces the station through its WebSocket (pacing.ts); none when the WebSocket cannot be found. */
  private pacingOf(client: RpcClient): StationPacing | undefined {
    const websocket = takeLastGuardedWebSocket();
    if (!websocket || websocket.protocol !== client.session.version) {
      this.logger.warn({ stationId: client.session.stationId }, 'station connected without pacing: its WebSocket was not found');
      return undefined;
    }
    const limits = { maxCallsInProgress: this.options.maxCallsInProgress, maxUnsentBytes: this.options.maxMessageBytes };
    const pacing = new StationPacing(websocket, limits, () => (this.faults.pacingPauses += 1));
    client.handshake.request.socket.on('drain', () => pacing.drained());
    setImmediate(() => pacing.listening());
    return pacing;
  }

  /** What the gateway has refused or lost since it started. */
  faultCounts(): GatewayFaults {
    return { ...this.faults, socketErrors: { ...this.faults.socketErrors } };
  }

  /** Logs bad frames and schema violations; too many schema-violating calls in a row close the socket. */
  private watchBadInput(connection: Connection): void {
    const { client, session } = connection;
    client.on('socketError', (error) => {
      this.logger.warn({ stationId: session.stationId, code: faultKind(error), error: error.message }, 'station socket error: the connection is closed');
    });
    client.on('badMessage', (event) => {
      this.logger.warn({ stationId: session.stationId, error: event.error.message }, 'bad OCPP frame');
    });
    client.on('strictValidationFailure', (event) => {
      this.logger.warn(
        { stationId: session.stationId, action: event.method, outbound: event.outbound, error: event.error.message },
        'OCPP schema violation',
      );
      if (event.outbound || !event.isCall) return;
      this.countInvalidCall(connection);
    });
    client.on('callResult', (event) => {
      if (!event.outbound) connection.invalidCallsInARow = 0;
    });
  }

  /** Too many invalid calls in a row close the socket. */
  private countInvalidCall(connection: Connection): void {
    connection.invalidCallsInARow += 1;
    if (connection.invalidCallsInARow > this.options.maxBadMessages) {
      this.logger.warn({ stationId: connection.session.stationId }, 'too many invalid calls: closing the socket');
      closeConnection(connection.client, { code: 1008, reason: 'Too many invalid messages' });
    }
  }

  private deliverOpenRequests(connection: Connection): void {
    if (!connection.session.ready) return;
    const { stationId, version } = connection.session;
    void this.requests.deliver(stationId, VERSION_WIRING[version].requests, (requestId) => (action, payload) =>
      this.call(stationId, action, payload, requestId > 0 ? { stationRequestId: requestId } : {}),
    );
  }

  /** Closes this gateway's connection of the station, when it is this one: a newer one has opened elsewhere. */
  replaced(stationId: string, connectionId: number): void {
    const connection = this.connections.get(stationId);
    if (connection?.id === connectionId) this.closeReplaced(connection, 'station reconnected to another worker: the older connection is closed');
  }

  private closeReplaced(connection: Connection, why: string): void {
    this.logger.info({ stationId: connection.session.stationId }, why);
    closeConnection(connection.client, { code: 1000, reason: 'Replaced by a new connection' });
  }

  connectedVersion(stationId: string): string | undefined {
    return this.connections.get(stationId)?.session.version;
  }

  async call(
    stationId: string,
    action: string,
    payload: Record<string, unknown>,
    options: { timeoutMs?: number; stationRequestId?: number } = {},
  ): Promise<Record<string, unknown>> {
    const connection = this.connections.get(stationId);
    if (!connection) throw new StationNotConnectedError(`charge station ${stationId} is not connected`);
    const { version } = connection.session;
    try {
      VERSION_WIRING[version].validator.validate(`urn:${action}.req`, payload);
    } catch (error) {
      const message = (error as Error).message.includes('is missing')
        ? `${action} is not an ${version} action a CSMS can send`
        : `${action} payload is invalid for ${version}: ${(error as Error).message}`;
      throw new InvalidStationCallError(message);
    }
    const { stationCalls } = this.domain;
    const callId = await stationCalls.begin(stationId, action, payload, options.stationRequestId);
    try {
      const response = (await connection.client.call(action, payload, {
        callTimeoutMs: options.timeoutMs ?? this.options.settings.callTimeoutMs,
      })) as Record<string, unknown>;
      await stationCalls.finish(callId, { status: 'Answered', response });
      reportProfileChange(this.domain.chargingNotices, stationId, action, payload, response);
      return response;
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (error instanceof TimeoutError) {
        await stationCalls.finish(callId, { status: 'Timeout', errorDescription: message });
        throw new StationTimeoutError(`charge station ${stationId} did not answer ${action} in time`);
      }
      const code = rpcErrorCode(error);
      if (code) {
        await stationCalls.finish(callId, { status: 'CallError', errorCode: code, errorDescription: message });
        throw new StationCallError(code, message);
      }
      // ocpp-rpc rejects the calls it has sent with an AbortError when their socket closes; any other error here
      // means the call was never sent (the socket was already closing).
      if (error instanceof Error && error.name === 'AbortError') {
        await stationCalls.finish(callId, { status: 'WentAway', errorDescription: message });
        throw new StationWentAwayError(`charge station ${stationId} went away before answering ${action}: ${message}`);
      }
      await stationCalls.finish(callId, { status: 'Failed', errorDescription: message });
      throw new StationNotConnectedError(`charge station ${stationId} is not connected: ${action} could not be sent (${message})`);
    }
  }

  async close(): Promise<void> {
    this.unsubscribe();
    const shuttingDown = { code: 1001, reason: 'CSMS shutting down' };
    for (const { client } of this.connections.values()) closeConnection(client, shuttingDown);
    await this.server.close({ ...shuttingDown, awaitPending: false });
    await this.domain.stations.clearConnections(this.options.nodeId);
  }
}
