/**
 * A car's contract certificate chain as Authorize carries it (PEM, leaf first, up to but not including the root):
 * what can be told of it without asking anybody, and which of its certificates to ask OCSP responders about.
 */
import { hashDataOf } from './hash-data.js';
import type { ContractCertificateStatus, OcspRequestData } from './ocsp-types.js';
import { certificatesOf, x509 } from './x509.js';

/** One certificate of the chain to check with its responder, and the certificate that issued it. */
export interface ChainCheck {
  data: OcspRequestData;
  issuer: x509.X509Certificate;
}

export type ChainExamination = { verdict: ContractCertificateStatus; reason: string } | { verdict?: undefined; checks: ChainCheck[]; leafUnchecked?: string };

function ocspUrlOf(certificate: x509.X509Certificate): string | undefined {
  const access = certificate.getExtension(x509.AuthorityInfoAccessExtension);
  return access?.ocsp.find((name) => name.type === 'url' && /^https?:\/\//i.test(name.value))?.value;
}

const sameBytes = (a: ArrayBuffer, b: ArrayBuffer) => Buffer.from(a).equals(Buffer.from(b));

export async function examineChain(pem: string, now = new Date()): Promise<ChainExamination> {
  let chain: x509.X509Certificate[];
  try {
    chain = certificatesOf(pem);
  } catch (error) {
    return { verdict: 'CertChainError', reason: `the certificate chain cannot be read: ${(error as Error).message}` };
  }
  if (chain.length === 0) return { verdict: 'NoCertificateAvailable', reason: 'no PEM certificate was given' };
  // Not yet valid is reported as expired too: the enumeration has no closer value, and either way the date is wrong.
  const outdated = chain.find((certificate) => certificate.notAfter < now || certificate.notBefore > now);
  if (outdated) return { verdict: 'CertificateExpired', reason: `${outdated.subject} is valid from ${outdated.notBefore.toISOString()} to ${outdated.notAfter.toISOString()}` };
  if (chain.length === 1) return { verdict: 'CertChainError', reason: "the chain holds only the leaf: its issuer is needed to ask the leaf's OCSP responder" };

  const checks: ChainCheck[] = [];
  let leafUnchecked: string | undefined;
  for (let index = 0; index < chain.length - 1; index += 1) {
    const [certificate, issuer] = [chain[index], chain[index + 1]];
    if (!sameBytes(certificate.issuerName.toArrayBuffer(), issuer.subjectName.toArrayBuffer())) {
      return { verdict: 'CertChainError', reason: `${certificate.subject} is issued by ${certificate.issuer}, but the next certificate is ${issuer.subject}` };
    }
    const signed = await certificate.verify({ publicKey: issuer.publicKey, signatureOnly: true }).catch(() => false);
    if (!signed) return { verdict: 'SignatureError', reason: `the signature of ${certificate.subject} does not verify with the key of ${issuer.subject}` };
    const responderURL = ocspUrlOf(certificate);
    // A sub-CA without an OCSP responder is left to the car's own checks; the contract certificate itself must name one.
    if (responderURL) checks.push({ data: { ...hashDataOf(certificate, issuer), responderURL }, issuer });
    else if (index === 0) leafUnchecked = `${certificate.subject} names no OCSP responder (Authority Information Access)`;
  }
  return { checks, ...(leafUnchecked && { leafUnchecked }) };
}
