/**
 * What the workers of one Anode node (WORKERS > 1) and their primary process say to each other over the cluster's IPC
 * channel. The primary keeps the directory of which worker holds which station's socket, relays calls to the
 * worker that holds the station, and passes on the bus events every worker must see.
 */
import type { DomainEvents } from './bus.js';

export type CallOutcome =
  | { ok: true; response: Record<string, unknown> }
  | { ok: false; error: 'not-connected' | 'went-away' | 'timeout' | 'invalid' | 'failed'; message: string }
  | { ok: false; error: 'call-error'; message: string; code: string; description: string };

export interface RoutedCall {
  callId: number;
  stationId: string;
  action: string;
  payload: Record<string, unknown>;
  options: { timeoutMs?: number; stationRequestId?: number };
}

export type BusMessage = { [K in keyof DomainEvents]: { kind: 'bus'; topic: K; event: DomainEvents[K] } }[keyof DomainEvents];

export type WorkerToPrimary =
  | { kind: 'connected'; stationId: string; version: string; connectionId: number }
  | { kind: 'disconnected'; stationId: string; connectionId: number }
  | BusMessage
  | ({ kind: 'call' } & RoutedCall)
  | { kind: 'call-answer'; callId: number; requester: number; outcome: CallOutcome };

/** A station's socket: which worker holds it, and that worker's id for the connection. */
export interface DirectoryEntry {
  stationId: string;
  version: string;
  worker: number;
  connectionId: number;
}

export type PrimaryToWorker =
  | { kind: 'directory'; entries: DirectoryEntry[] }
  | ({ kind: 'connected' } & DirectoryEntry)
  | { kind: 'disconnected'; stationId: string; worker: number; connectionId: number }
  | { kind: 'replaced'; stationId: string; connectionId: number }
  | BusMessage
  | ({ kind: 'call'; requester: number } & RoutedCall)
  | { kind: 'call-answer'; callId: number; outcome: CallOutcome };

/** Bus topics every worker must see (the rest stay in the worker that published them). */
export const CLUSTER_WIDE_TOPICS: ReadonlySet<keyof DomainEvents> = new Set(['station.request.created', 'tokens.changed']);
