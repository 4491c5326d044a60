/**
 * The certificate and ISO 15118 Plug & Charge messages a station sends, as OCPP 2.0.1 words them, answered by the
 * domain whatever envelope carried them: a 2.0.1 frame (v201/handlers.ts) or an OCPP 1.6 DataTransfer (v16/pnc.ts).
 */
import type { components, Ocpp201Actions } from '../../generated/ocpp201.js';
import type { Domain } from '../domain/index.js';
import type { OcspRequestData } from '../domain/pki/ocsp.js';
import type { SigningChannel } from '../domain/pki/signings.js';
import { statusInfo } from './status-info.js';
import { idTokenInfo } from './v201/id-token-info.js';

export type PncDomain = Pick<Domain, 'authorizer' | 'pki'>;

type Message<A extends keyof Ocpp201Actions> = (domain: PncDomain, stationId: string, request: Ocpp201Actions[A]['request']) => Promise<Ocpp201Actions[A]['response']>;

/** exiResponse's maxLength in the OCPP 2.0.1 schema */
const MAX_EXI_RESPONSE = 5600;

function ocspData({ hashAlgorithm, issuerNameHash, issuerKeyHash, serialNumber, responderURL }: components['schemas']['OCSPRequestDataType']): OcspRequestData {
  return { hashAlgorithm, issuerNameHash, issuerKeyHash, serialNumber, responderURL };
}

/**
 * C07: the token's authorization as the token store gives it and, when the station sent the car's contract
 * certificate or its chain's hash data, its certificateStatus. A contract certificate that is not Accepted makes an
 * accepted token Invalid (C07.FR.16 says so of a revoked one; a certificate that cannot be shown valid must not start
 * charging either), without a cache expiry, so that a station does not keep a verdict a responder's outage caused.
 */
export const authorizeContract: Message<'Authorize'> = async (domain, stationId, request) => {
  const hashData = request.iso15118CertificateHashData?.map(ocspData);
  const [authorization, certificateStatus] = await Promise.all([
    domain.authorizer.authorize(request.idToken.idToken, { stationId, idTokenType: request.idToken.type }),
    request.certificate || hashData ? domain.pki.ocsp.contractStatus(stationId, { certificate: request.certificate, hashData }) : undefined,
  ]);
  const info = idTokenInfo(authorization);
  if (!certificateStatus) return { idTokenInfo: info };
  if (certificateStatus === 'Accepted' || info.status !== 'Accepted') return { idTokenInfo: info, certificateStatus };
  const { cacheExpiryDateTime: _, ...rest } = info;
  return { idTokenInfo: { ...rest, status: 'Invalid' }, certificateStatus };
};

/** A02/A03: a CSR, checked now and signed once the station has its answer; the chain goes back the way the CSR came. */
export function signCertificateVia(channel: SigningChannel, defaultType: 'ChargingStationCertificate' | 'V2GCertificate'): Message<'SignCertificate'> {
  return async (domain, stationId, request) => {
    const verdict = await domain.pki.signings.request(stationId, request.certificateType ?? defaultType, request.csr, channel);
    return verdict.accepted ? { status: 'Accepted' } : { status: 'Rejected', statusInfo: statusInfo('InvalidCSR', verdict.reason) };
  };
}

/** M01/M02: a car's contract certificate installed or updated; the provider's EXI answer comes back as it is. */
export const get15118EVCertificate: Message<'Get15118EVCertificate'> = async (domain, stationId, request) => {
  const { iso15118SchemaVersion, action, exiRequest } = request;
  const answer = await domain.pki.contractCertificates.request({ stationId, iso15118SchemaVersion, action, exiRequest });
  if (answer.exiResponse.length > MAX_EXI_RESPONSE) {
    return { status: 'Failed', exiResponse: '', statusInfo: statusInfo('ProviderFailed', `the provider's exiResponse has ${answer.exiResponse.length} characters, more than OCPP's ${MAX_EXI_RESPONSE}`) };
  }
  if (answer.status === 'Accepted') return { status: 'Accepted', exiResponse: answer.exiResponse };
  return { status: 'Failed', exiResponse: answer.exiResponse, statusInfo: statusInfo(answer.provided ? 'ProviderFailed' : 'NoProvider', answer.reason) };
};

/** M06: Accepted whenever the responder gave a usable answer, good, revoked or unknown: the station reads which from ocspResult. */
export const getCertificateStatus: Message<'GetCertificateStatus'> = async (domain, stationId, request) => {
  const answer = await domain.pki.ocsp.check(stationId, ocspData(request.ocspRequestData));
  if (answer.status === 'Failed' || !answer.ocspResult) return { status: 'Failed', statusInfo: statusInfo('OcspCheckFailed', answer.error) };
  return { status: 'Accepted', ocspResult: answer.ocspResult };
};
