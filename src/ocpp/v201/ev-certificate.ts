/**
 * Get15118EVCertificate (use case M01/M02, a car's contract certificate installed or updated): the EXI request goes
 * to the contract-certificate provider and its EXI answer comes back as it is.
 */
import type { Ocpp201Actions } from '../../../generated/ocpp201.js';
import type { StationContext } from '../context.js';
import { statusInfo } from './sign-certificate.js';

type Action = Ocpp201Actions['Get15118EVCertificate'];

/** exiResponse's maxLength in the OCPP 2.0.1 schema */
const MAX_EXI_RESPONSE = 5600;

export async function get15118EVCertificate(ctx: StationContext, request: Action['request']): Promise<Action['response']> {
  const { iso15118SchemaVersion, action, exiRequest } = request;
  const answer = await ctx.domain.pki.contractCertificates.request({ stationId: ctx.session.stationId, iso15118SchemaVersion, action, exiRequest });
  if (answer.exiResponse.length > MAX_EXI_RESPONSE) {
    return { status: 'Failed', exiResponse: '', statusInfo: statusInfo('ProviderFailed', `the provider's exiResponse has ${answer.exiResponse.length} characters, more than OCPP's ${MAX_EXI_RESPONSE}`) };
  }
  if (answer.status === 'Accepted') return { status: 'Accepted', exiResponse: answer.exiResponse };
  return { status: 'Failed', exiResponse: answer.exiResponse, statusInfo: statusInfo(answer.provided ? 'ProviderFailed' : 'NoProvider', answer.reason) };
}
