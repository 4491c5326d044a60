/** SignCertificate (use cases A02, A03 and the 15118 certificate update): the CSR is checked now, signed after the answer. */
import type { Ocpp201Actions } from '../../../generated/ocpp201.js';
import type { StationContext } from '../context.js';

type Action = Ocpp201Actions['SignCertificate'];

/** OCPP's StatusInfo: a short reason code and the detail, cut to the schema's lengths. */
export function statusInfo(reasonCode: string, additionalInfo?: string): { reasonCode: string; additionalInfo?: string } {
  return { reasonCode: reasonCode.slice(0, 20), ...(additionalInfo && { additionalInfo: additionalInfo.slice(0, 512) }) };
}

export async function signCertificate(ctx: StationContext, request: Action['request']): Promise<Action['response']> {
  const certificateType = request.certificateType ?? 'ChargingStationCertificate';
  const verdict = await ctx.domain.pki.signings.request(ctx.session.stationId, certificateType, request.csr, 'ocpp2.0.1');
  return verdict.accepted ? { status: 'Accepted' } : { status: 'Rejected', statusInfo: statusInfo('InvalidCSR', verdict.reason) };
}
