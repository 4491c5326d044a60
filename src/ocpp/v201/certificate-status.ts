/**
 * OCSP for stations (use case M06, GetCertificateStatus) and the contract certificate of a car at Authorize (use case
 * C07, Plug & Charge): Anode asks the responder the station names and hands back its signed answer.
 */
import type { components, Ocpp201Actions } from '../../../generated/ocpp201.js';
import type { OcspRequestData } from '../../domain/pki/ocsp.js';
import type { StationContext } from '../context.js';
import { idTokenInfo } from './id-token-info.js';
import { statusInfo } from './sign-certificate.js';

type GetCertificateStatus = Ocpp201Actions['GetCertificateStatus'];
type Authorize = Ocpp201Actions['Authorize'];

function ocspData({ hashAlgorithm, issuerNameHash, issuerKeyHash, serialNumber, responderURL }: components['schemas']['OCSPRequestDataType']): OcspRequestData {
  return { hashAlgorithm, issuerNameHash, issuerKeyHash, serialNumber, responderURL };
}

/** Accepted whenever the responder gave a usable answer, good, revoked or unknown: the station reads which from ocspResult. */
export async function getCertificateStatus(ctx: StationContext, request: GetCertificateStatus['request']): Promise<GetCertificateStatus['response']> {
  const answer = await ctx.domain.pki.ocsp.check(ctx.session.stationId, ocspData(request.ocspRequestData));
  if (answer.status === 'Failed' || !answer.ocspResult) return { status: 'Failed', statusInfo: statusInfo('OcspCheckFailed', answer.error) };
  return { status: 'Accepted', ocspResult: answer.ocspResult };
}

/**
 * The token's authorization as the token store gives it, and, when the station sent the car's contract certificate
 * or its chain's hash data, its certificateStatus. A contract certificate that is not Accepted makes an accepted token
 * Invalid (C07.FR.16 says so of a revoked one; a certificate that cannot be shown valid must not start charging
 * either), without a cache expiry, so that a station does not keep a verdict a responder's outage may have caused.
 */
export async function authorize(ctx: StationContext, request: Authorize['request']): Promise<Authorize['response']> {
  const stationId = ctx.session.stationId;
  const hashData = request.iso15118CertificateHashData?.map(ocspData);
  const [authorization, certificateStatus] = await Promise.all([
    ctx.domain.authorizer.authorize(request.idToken.idToken, { stationId }),
    request.certificate || hashData ? ctx.domain.pki.ocsp.contractStatus(stationId, { certificate: request.certificate, hashData }) : undefined,
  ]);
  const info = idTokenInfo(authorization);
  if (!certificateStatus) return { idTokenInfo: info };
  if (certificateStatus === 'Accepted' || info.status !== 'Accepted') return { idTokenInfo: info, certificateStatus };
  const { cacheExpiryDateTime: _, ...rest } = info;
  return { idTokenInfo: { ...rest, status: 'Invalid' }, certificateStatus };
}
