/**
 * Plug & Charge on OCPP 1.6 (the OCA application note "Using ISO 15118 Plug & Charge with OCPP 1.6"), the messages a
 * station sends: a DataTransfer under PNC_VENDOR_ID whose messageId names the OCPP 2.0.1 message and whose data is
 * that message's payload as JSON text. They are answered as on 2.0.1 (../plug-and-charge.ts), the 2.0.1 response as
 * JSON text in the DataTransfer's data. Both payloads are held to the 2.0.1 schemas: an invalid request is answered
 * Rejected, never a CALLERROR, with the reason kept in the DataTransfer event.
 */
import type { Ocpp201Actions } from '../../../generated/ocpp201.js';
import type { DataTransferAnswer, VendorHandler } from '../data-transfer.js';
import { problemWith201Payload } from '../ocpp201-payloads.js';
import { authorizeContract, get15118EVCertificate, getCertificateStatus, signCertificateVia, type PncDomain } from '../plug-and-charge.js';

export { PNC_VENDOR_ID } from './pnc-calls.js';

type StationMessage = (domain: PncDomain, stationId: string, request: never) => Promise<Ocpp201Actions[keyof Ocpp201Actions]['response']>;

/** The application note's messages from the station; SignCertificate over DataTransfer asks for a V2G certificate unless it names another type. */
const FROM_STATION: Record<string, StationMessage> = {
  Authorize: authorizeContract,
  SignCertificate: signCertificateVia('ocpp1.6-pnc', 'V2GCertificate'),
  Get15118EVCertificate: get15118EVCertificate,
  GetCertificateStatus: getCertificateStatus,
};

const rejected = (reason: string): DataTransferAnswer => ({ status: 'Rejected', reason });

function parsed(data: unknown): { payload: unknown } | { problem: string } {
  if (typeof data !== 'string') return { problem: 'data must be the 2.0.1 request payload as JSON text' };
  try {
    return { payload: JSON.parse(data) as unknown };
  } catch (error) {
    return { problem: `data is not JSON: ${error instanceof Error ? error.message : String(error)}` };
  }
}

export function pncVendor(domain: PncDomain): VendorHandler {
  return async ({ stationId, ocppVersion, messageId, data }) => {
    if (ocppVersion !== 'ocpp1.6') return { status: 'UnknownVendorId', reason: `${ocppVersion} sends Plug & Charge messages as such, not in DataTransfer` };
    const handle = messageId !== undefined && Object.hasOwn(FROM_STATION, messageId) ? FROM_STATION[messageId] : undefined;
    if (!handle || messageId === undefined) return { status: 'UnknownMessageId', reason: `no Plug & Charge message ${messageId ?? '(none)'} from a station` };
    const request = parsed(data);
    if ('problem' in request) return rejected(request.problem);
    const invalid = problemWith201Payload(messageId, 'req', request.payload);
    if (invalid) return rejected(`not a valid ${messageId}Request: ${invalid}`);
    const response = await handle(domain, stationId, request.payload as never);
    // What Anode answers is held to the schema too: a bug here must not reach the station as a valid-looking answer.
    const unfit = problemWith201Payload(messageId, 'conf', response);
    if (unfit) throw new Error(`Anode's ${messageId}Response does not fit the OCPP 2.0.1 schema: ${unfit}`);
    return { status: 'Accepted', data: JSON.stringify(response) };
  };
}
