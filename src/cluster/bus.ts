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
  /**
   * what limits charging at a station changed: a charging profile it accepted or cleared, or a limit it reported set
   * or cleared; at one EVSE, or at the whole station when `evseId` is 0 or not given. `profileId`: the profile set
   * or cleared, when one was named. Published on the node that learnt it.
   */
  'charging.limits.changed': { stationId: string; evseId?: number; profileId?: number };
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
