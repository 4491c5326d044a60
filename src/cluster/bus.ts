/**
 * Domain events, published by the domain and consumed by the protocol wings. In-process by default; the interface
 * is what a NATS-backed bus implements when several nodes share the load.
 */
import { EventEmitter } from 'node:events';

export interface DomainEvents {
  /** the operator asked something of a station (reconfigure, certificates, trigger) */
  'station.request.created': { stationId: string; requestId: number };
  /** the operator registered an OCPI party with its versions URL: Anode is to start the credentials handshake */
  'ocpi.party.registered': { partyId: number };
  /** tokens were created, changed or deleted in the token store (stations' local lists may follow them) */
  'tokens.changed': { uids: string[] };
}

export interface Bus {
  publish<K extends keyof DomainEvents>(topic: K, event: DomainEvents[K]): void;
  subscribe<K extends keyof DomainEvents>(topic: K, handler: (event: DomainEvents[K]) => void): () => void;
}

export class InProcessBus implements Bus {
  private readonly emitter = new EventEmitter().setMaxListeners(0);

  publish<K extends keyof DomainEvents>(topic: K, event: DomainEvents[K]): void {
    this.emitter.emit(topic, event);
  }

  subscribe<K extends keyof DomainEvents>(topic: K, handler: (event: DomainEvents[K]) => void): () => void {
    this.emitter.on(topic, handler);
    return () => this.emitter.off(topic, handler);
  }
}
