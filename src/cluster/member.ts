/**
 * A worker's side of a multi-process node (WORKERS > 1): its bus reaches the other workers for cluster-wide topics,
 * it tells the primary which stations it holds, and its StationLink reaches a station whichever worker holds it.
 */
import {
  InvalidStationCallError,
  StationCallError,
  StationNotConnectedError,
  StationTimeoutError,
  StationWentAwayError,
  type StationLink,
} from '../domain/station-calls.js';
import type { Logger } from '../log.js';
import type { ConnectionObserver } from '../ocpp/gateway.js';
import type { OcppVersion } from '../ocpp/context.js';
import { InProcessBus, type Bus, type DomainEvents } from './bus.js';
import { StationDirectory } from './directory.js';
import {
  CLUSTER_WIDE_TOPICS,
  type CallOutcome,
  type PrimaryToWorker,
  type RoutedCall,
  type WorkerToPrimary,
} from './messages.js';

/** What the member needs of the local OCPP gateway. */
export interface LocalStations extends StationLink {
  replaced(stationId: string, connectionId: number): void;
}

/** How long past the station's own call timeout a routed call waits for the other worker before giving up. */
const ROUTING_GRACE_MS = 5_000;

export class ClusterMember implements Bus, ConnectionObserver, StationLink {
  private readonly local = new InProcessBus();
  private readonly directory = new StationDirectory();
  private readonly waiting = new Map<number, (outcome: CallOutcome) => void>();
  private lastCallId = 0;
  private stations: LocalStations | undefined;

  constructor(
    /** this worker's id in the cluster */
    private readonly self: number,
    private readonly send: (message: WorkerToPrimary) => void,
    private readonly callTimeoutMs: number,
    private readonly logger: Logger,
  ) {}

  /** The local gateway, once it exists; routed calls before that find no station. */
  attach(stations: LocalStations): void {
    this.stations = stations;
  }

  receive(message: PrimaryToWorker): void {
    switch (message.kind) {
      case 'directory':
        this.directory.replaceAll(message.entries);
        return;
      case 'connected': {
        const { kind: _, ...entry } = message;
        this.directory.set(entry);
        return;
      }
      case 'disconnected':
        this.directory.drop(message.stationId, message.worker, message.connectionId);
        return;
      case 'replaced':
        this.stations?.replaced(message.stationId, message.connectionId);
        return;
      case 'bus':
        // The primary relays what another worker published: topic and event came in as one pair.
        this.local.publish(message.topic, message.event as never);
        return;
      case 'call':
        void this.serve(message).then((outcome) => this.send({ kind: 'call-answer', callId: message.callId, requester: message.requester, outcome }));
        return;
      case 'call-answer':
        this.waiting.get(message.callId)?.(message.outcome);
        this.waiting.delete(message.callId);
        return;
    }
  }

  // Bus

  publish<K extends keyof DomainEvents>(topic: K, event: DomainEvents[K]): void {
    this.local.publish(topic, event);
    if (CLUSTER_WIDE_TOPICS.has(topic)) this.send({ kind: 'bus', topic, event } as WorkerToPrimary);
  }

  subscribe<K extends keyof DomainEvents>(topic: K, handler: (event: DomainEvents[K]) => void): () => void {
    return this.local.subscribe(topic, handler);
  }

  // ConnectionObserver

  connected(stationId: string, version: OcppVersion, connectionId: number): void {
    this.directory.set({ stationId, version, worker: this.self, connectionId });
    this.send({ kind: 'connected', stationId, version, connectionId });
  }

  disconnected(stationId: string, connectionId: number): void {
    this.directory.drop(stationId, this.self, connectionId);
    this.send({ kind: 'disconnected', stationId, connectionId });
  }

  // StationLink

  connectedVersion(stationId: string): string | undefined {
    return this.stations?.connectedVersion(stationId) ?? this.directory.get(stationId)?.version;
  }

  async call(
    stationId: string,
    action: string,
    payload: Record<string, unknown>,
    options: { timeoutMs?: number; stationRequestId?: number } = {},
  ): Promise<Record<string, unknown>> {
    const owner = this.directory.get(stationId)?.worker;
    if (this.stations?.connectedVersion(stationId) || owner === undefined || owner === this.self) {
      if (!this.stations) throw new StationNotConnectedError(`charge station ${stationId} is not connected`);
      return this.stations.call(stationId, action, payload, options);
    }
    return unwrap(stationId, action, await this.route({ callId: ++this.lastCallId, stationId, action, payload, options }));
  }

  private route(call: RoutedCall): Promise<CallOutcome> {
    const patienceMs = (call.options.timeoutMs ?? this.callTimeoutMs) + ROUTING_GRACE_MS;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiting.delete(call.callId);
        resolve({ ok: false, error: 'timeout', message: `no answer from the worker holding ${call.stationId}` });
      }, patienceMs);
      this.waiting.set(call.callId, (outcome) => {
        clearTimeout(timer);
        resolve(outcome);
      });
      this.send({ kind: 'call', ...call });
    });
  }

  /** A call another worker routed here: made on the local socket, its outcome sent back as data. */
  private async serve(call: RoutedCall): Promise<CallOutcome> {
    try {
      if (!this.stations) throw new StationNotConnectedError(`charge station ${call.stationId} is not connected`);
      return { ok: true, response: await this.stations.call(call.stationId, call.action, call.payload, call.options) };
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (error instanceof StationCallError) return { ok: false, error: 'call-error', message, code: error.code, description: error.description };
      if (error instanceof StationWentAwayError) return { ok: false, error: 'went-away', message };
      if (error instanceof StationNotConnectedError) return { ok: false, error: 'not-connected', message };
      if (error instanceof StationTimeoutError) return { ok: false, error: 'timeout', message };
      if (error instanceof InvalidStationCallError) return { ok: false, error: 'invalid', message };
      this.logger.error({ err: error, stationId: call.stationId, action: call.action }, 'a call routed from another worker failed');
      return { ok: false, error: 'failed', message };
    }
  }
}

function unwrap(stationId: string, action: string, outcome: CallOutcome): Record<string, unknown> {
  if (outcome.ok) return outcome.response;
  switch (outcome.error) {
    case 'call-error':
      throw new StationCallError(outcome.code, outcome.description);
    case 'not-connected':
      throw new StationNotConnectedError(outcome.message);
    case 'went-away':
      throw new StationWentAwayError(outcome.message);
    case 'timeout':
      throw new StationTimeoutError(outcome.message);
    case 'invalid':
      throw new InvalidStationCallError(outcome.message);
    case 'failed':
      throw new Error(`calling ${action} on ${stationId} failed in the worker holding it: ${outcome.message}`);
  }
}
