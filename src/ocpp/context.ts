/** What a handler of a station's message gets: who is speaking, and the protocol-neutral core. */
import type { Domain } from '../domain/index.js';
import type { DataTransferVendors } from './data-transfer.js';
import type { Transaction } from '../domain/transactions.js';
import type { Logger } from '../log.js';

export type OcppVersion = 'ocpp1.6' | 'ocpp2.0.1';
export const OCPP_VERSIONS: OcppVersion[] = ['ocpp2.0.1', 'ocpp1.6'];

export interface OcppSettings {
  /** seconds between heartbeats asked of an Accepted station */
  heartbeatIntervalSeconds: number;
  /** seconds a Pending station waits before it boots again */
  pendingIntervalSeconds: number;
  /** how long a call to a station may take before it is a timeout */
  callTimeoutMs: number;
  /** the base report (GetBaseReport reportBase) a 2.0.1 station is asked for at its first boot; none when empty */
  baseReportOnFirstBoot?: string;
}

/** One connection of one station. */
export interface StationSession {
  stationId: string;
  version: OcppVersion;
  connectedAt: Date;
  /** the station has booted (or reconnected after an Accepted boot), so it may be sent operator requests */
  ready: boolean;
  /**
   * Transactions this connection has started or referred to, by OCPP id (1.6 transactionId or 2.0.1 station
   * transactionId): MeterValues and TransactionEvent Updated need no database read to find theirs.
   */
  transactions: Map<string, Transaction>;
}

const MAX_KNOWN_TRANSACTIONS = 64;

/** Remembers a transaction of this connection (a station has a handful open at most). */
export function rememberTransaction(session: StationSession, key: string | number, transaction: Transaction): void {
  if (session.transactions.size >= MAX_KNOWN_TRANSACTIONS) session.transactions.clear();
  session.transactions.set(String(key), transaction);
}

export interface StationContext {
  session: StationSession;
  domain: Domain;
  settings: OcppSettings;
  logger: Logger;
  /** the vendors whose DataTransfer messages Anode answers */
  dataTransfer: DataTransferVendors;
  /** Delivers the operator's open requests once the current message has been answered. */
  deliverOpenRequestsSoon(): void;
}
