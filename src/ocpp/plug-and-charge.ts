/**
 * The ISO 15118 Plug & Charge messages a station sends, as OCPP 2.0.1 words them, answered by the domain whatever
 * envelope carried them (a 2.0.1 frame, or an OCPP 1.6 DataTransfer: v16/pnc.ts).
 */
import type { Ocpp201Actions } from '../../generated/ocpp201.js';
import type { Domain } from '../domain/index.js';
import type { SigningChannel } from '../domain/pki/signings.js';
import { idTokenInfo } from './v201/id-token-info.js';
import { statusInfo } from './v201/sign-certificate.js';

export type PncDomain = Pick<Domain, 'authorizer' | 'pki'>;

type Message<A extends keyof Ocpp201Actions> = (domain: PncDomain, stationId: string, request: Ocpp201Actions[A]['request']) => Promise<Ocpp201Actions[A]['response']>;

/**
 * The token's verdict and, when the car presented its contract certificate (or its hash data), that certificate's
 * status. A contract whose certificate is not Accepted is not authorized (idTokenInfo Invalid), whatever the token
 * store says of its eMAID: the certificate is what proves the car holds the contract.
 */
export const authorizeContract: Message<'Authorize'> = async (domain, stationId, request) => {
  const info = idTokenInfo(await domain.authorizer.authorize(request.idToken.idToken, { stationId }));
  if (request.certificate === undefined && request.iso15118CertificateHashData === undefined) return { idTokenInfo: info };
  const certificateStatus = await domain.pki.ocsp.contractStatus(stationId, { certificate: request.certificate, hashData: request.iso15118CertificateHashData });
  const status = certificateStatus === 'Accepted' || info.status !== 'Accepted' ? info.status : 'Invalid';
  return { idTokenInfo: { ...info, status }, certificateStatus };
};

/** A CSR, checked now and signed once the station has its answer; the chain goes back the way the CSR came. */
export function signCertificateVia(channel: SigningChannel, defaultType: 'ChargingStationCertificate' | 'V2GCertificate'): Message<'SignCertificate'> {
  return async (domain, stationId, request) => {
    const verdict = await domain.pki.signings.request(stationId, request.certificateType ?? defaultType, request.csr, channel);
    return verdict.accepted ? { status: 'Accepted' } : { status: 'Rejected', statusInfo: statusInfo('InvalidCSR', verdict.reason) };
  };
}

/** The car's certificate installation or update request, forwarded to the contract-certificate provider. */
export const get15118EVCertificate: Message<'Get15118EVCertificate'> = async (domain, stationId, request) => {
  const answer = await domain.pki.contractCertificates.request({
    stationId,
    iso15118SchemaVersion: request.iso15118SchemaVersion,
    action: request.action,
    exiRequest: request.exiRequest,
  });
  return { status: answer.status, exiResponse: answer.exiResponse, ...(answer.reason && { statusInfo: statusInfo('ContractProvider', answer.reason) }) };
};

/** The OCSP status of one certificate, for the station to hand to the car. */
export const getCertificateStatus: Message<'GetCertificateStatus'> = async (domain, stationId, request) => {
  const answer = await domain.pki.ocsp.check(stationId, request.ocspRequestData);
  // Accepted carries the responder's answer; without one there is nothing the station could staple.
  if (answer.status !== 'Failed' && answer.ocspResult) return { status: 'Accepted', ocspResult: answer.ocspResult };
  return { status: 'Failed', statusInfo: statusInfo('OcspFailed', answer.error ?? 'the OCSP responder gave no usable answer') };
};
