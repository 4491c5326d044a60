/**
 * DataTransfer, both versions: vendors' extensions to OCPP. A vendor's handler answers the messages of its
 * vendorId; every DataTransfer is kept with the answer it got, and one of a vendor Anode does not know is answered
 * UnknownVendorId (never a CALLERROR).
 */
import type { Domain } from '../domain/index.js';

export type DataTransferStatus = 'Accepted' | 'Rejected' | 'UnknownMessageId' | 'UnknownVendorId';

export interface DataTransferAnswer {
  status: DataTransferStatus;
  /** OCPP 1.6 carries text here, OCPP 2.0.1 any JSON value */
  data?: unknown;
  /** why the message was not Accepted: kept with the event, never sent to the station */
  reason?: string;
}

export interface DataTransferMessage {
  stationId: string;
  ocppVersion: string;
  messageId?: string;
  data?: unknown;
}

/** Answers one vendor's messages; a handler that throws is answered Rejected. */
export type VendorHandler = (message: DataTransferMessage) => DataTransferAnswer | Promise<DataTransferAnswer>;

export class DataTransferVendors {
  private readonly vendors: ReadonlyMap<string, VendorHandler>;

  constructor(vendors: Record<string, VendorHandler> = {}) {
    this.vendors = new Map(Object.entries(vendors));
  }

  async answer(
    domain: Pick<Domain, 'stationEvents'>,
    message: DataTransferMessage & { vendorId: string },
    log: (error: unknown) => void,
  ): Promise<DataTransferAnswer> {
    const handler = this.vendors.get(message.vendorId);
    let answer: DataTransferAnswer = { status: 'UnknownVendorId' };
    if (handler) {
      try {
        answer = await handler(message);
      } catch (error) {
        log(error);
        answer = { status: 'Rejected' };
      }
    }
    const { stationId, ocppVersion: _, ...request } = message;
    await domain.stationEvents.record(stationId, 'DataTransfer', { ...request, answer });
    return answer;
  }
}
