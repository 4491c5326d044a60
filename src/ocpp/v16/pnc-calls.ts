/**
 * Plug & Charge on OCPP 1.6 (the OCA application note "Using ISO 15118 Plug & Charge with OCPP 1.6"): the OCPP 2.0.1
 * messages travel in DataTransfer under the vendorId below, the messageId naming the message and `data` holding its
 * JSON payload as a string.
 */
import type { CallStation } from '../operator-requests.js';
import { RequestItemUnsupported } from '../operator-requests.js';
import { problemWith201Payload } from '../ocpp201-payloads.js';

export const PNC_VENDOR_ID = 'org.openchargealliance.iso15118pnc';

/** Sends one 2.0.1 message to a 1.6 station over DataTransfer; answers the payload of the station's response, held to the 2.0.1 schema. */
export async function pncCall(call: CallStation, messageId: string, payload: Record<string, unknown>): Promise<Record<string, unknown>> {
  const answer = await call('DataTransfer', { vendorId: PNC_VENDOR_ID, messageId, data: JSON.stringify(payload) });
  if (answer.status !== 'Accepted') throw new RequestItemUnsupported(`the station answered the ${messageId} DataTransfer ${String(answer.status)}`);
  if (typeof answer.data !== 'string') throw new RequestItemUnsupported(`the station's ${messageId} DataTransfer answer carries no data`);
  let response: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(answer.data);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not an object');
    response = parsed as Record<string, unknown>;
  } catch {
    throw new RequestItemUnsupported(`the station's ${messageId} DataTransfer answer is not a JSON object`);
  }
  const invalid = problemWith201Payload(messageId, 'conf', response);
  if (invalid) throw new RequestItemUnsupported(`the station's ${messageId} DataTransfer answer is not a valid ${messageId}Response: ${invalid}`);
  return response;
}
