/**
 * OCSP messages (RFC 6960) in DER: the request for one certificate named by its hash data, and the responder's
 * answer read, matched to that certificate and its signature checked.
 */
import { createHash, createPublicKey, verify as verifySignature } from 'node:crypto';
import {
  BasicOCSPResponse,
  CertID,
  OCSPRequest,
  OCSPResponse,
  OCSPResponseStatus,
  Request,
  TBSRequest,
  id_kp_OCSPSigning,
  id_pkix_ocsp_basic,
} from '@peculiar/asn1-ocsp';
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import { AlgorithmIdentifier, SubjectPublicKeyInfo } from '@peculiar/asn1-x509';
import { serialHex, type CertificateHashData, type HashAlgorithm } from './hash-data.js';
import { x509 } from './x509.js';

const HASH_OID: Record<HashAlgorithm, string> = {
  SHA256: '2.16.840.1.101.3.4.2.1',
  SHA384: '2.16.840.1.101.3.4.2.2',
  SHA512: '2.16.840.1.101.3.4.2.3',
};
const HASH_BYTES: Record<HashAlgorithm, number> = { SHA256: 32, SHA384: 48, SHA512: 64 };
const NODE_HASH: Record<HashAlgorithm, string> = { SHA256: 'sha256', SHA384: 'sha384', SHA512: 'sha512' };
const DER_NULL = new Uint8Array([0x05, 0x00]).buffer;

/** Signature algorithms of responses Anode can check, OID → Node's digest name (null: the key decides, Ed25519). */
const SIGNATURE_DIGEST: Record<string, string | null> = {
  '1.2.840.113549.1.1.5': 'sha1',
  '1.2.840.113549.1.1.11': 'sha256',
  '1.2.840.113549.1.1.12': 'sha384',
  '1.2.840.113549.1.1.13': 'sha512',
  '1.2.840.10045.4.1': 'sha1',
  '1.2.840.10045.4.3.2': 'sha256',
  '1.2.840.10045.4.3.3': 'sha384',
  '1.2.840.10045.4.3.4': 'sha512',
  '1.3.101.112': null,
};

/** Allowed difference between the responder's clock and ours when judging thisUpdate and nextUpdate. */
const CLOCK_SKEW_MS = 5 * 60_000;

export class OcspError extends Error {}

export interface OcspVerdict {
  status: 'Good' | 'Revoked' | 'Unknown';
  thisUpdate: Date;
  nextUpdate: Date | undefined;
}

function hexBytes(hex: string, what: string, length?: number): Buffer {
  if (!/^([0-9a-fA-F]{2})+$/.test(hex)) throw new OcspError(`${what} is not hexadecimal bytes: "${hex}"`);
  const bytes = Buffer.from(hex, 'hex');
  if (length !== undefined && bytes.length !== length) throw new OcspError(`${what} has ${bytes.length} bytes, its hash algorithm makes ${length}`);
  return bytes;
}

/** The serial number as a DER INTEGER's content: no superfluous leading zeroes, a zero first when the top bit is set. */
function serialBytes(serialNumber: string): Buffer {
  if (!/^[0-9a-fA-F]+$/.test(serialNumber)) throw new OcspError(`serialNumber is not hexadecimal: "${serialNumber}"`);
  const digits = serialHex(serialNumber);
  const bytes = Buffer.from(digits.length % 2 ? `0${digits}` : digits, 'hex');
  return bytes[0] >= 0x80 ? Buffer.concat([Buffer.from([0]), bytes]) : bytes;
}

function certIdOf(data: CertificateHashData): CertID {
  const length = HASH_BYTES[data.hashAlgorithm];
  if (!length) throw new OcspError(`hashAlgorithm ${data.hashAlgorithm} is not SHA256, SHA384 or SHA512`);
  return new CertID({
    hashAlgorithm: new AlgorithmIdentifier({ algorithm: HASH_OID[data.hashAlgorithm], parameters: DER_NULL }),
    issuerNameHash: new OctetString(hexBytes(data.issuerNameHash, 'issuerNameHash', length)),
    issuerKeyHash: new OctetString(hexBytes(data.issuerKeyHash, 'issuerKeyHash', length)),
    serialNumber: new Uint8Array(serialBytes(data.serialNumber)).buffer,
  });
}

/** The DER OCSPRequest asking about this one certificate (unsigned, without a nonce: answers are cached anyway). */
export function ocspRequestDer(data: CertificateHashData): Buffer {
  const request = new OCSPRequest({ tbsRequest: new TBSRequest({ requestList: [new Request({ reqCert: certIdOf(data) })] }) });
  return Buffer.from(AsnConvert.serialize(request));
}

const hex = (data: ArrayBuffer) => Buffer.from(new Uint8Array(data)).toString('hex');

function sameCertId(id: CertID, data: CertificateHashData): boolean {
  return (
    id.hashAlgorithm.algorithm === HASH_OID[data.hashAlgorithm] &&
    hex(id.issuerNameHash.buffer) === data.issuerNameHash.toLowerCase() &&
    hex(id.issuerKeyHash.buffer) === data.issuerKeyHash.toLowerCase() &&
    serialHex(hex(id.serialNumber)) === serialHex(data.serialNumber)
  );
}

function keyBits(certificate: x509.X509Certificate): ArrayBuffer {
  return AsnConvert.parse(certificate.publicKey.rawData, SubjectPublicKeyInfo).subjectPublicKey;
}

function digest(algorithm: string, data: ArrayBuffer): string {
  return createHash(algorithm).update(new Uint8Array(data)).digest('hex');
}

function namedByResponderId(certificate: x509.X509Certificate, basic: BasicOCSPResponse): boolean {
  const id = basic.tbsResponseData.responderID;
  if (id.byKey) return digest('sha1', keyBits(certificate)) === hex(id.byKey.buffer);
  if (id.byName) return hex(AsnConvert.serialize(id.byName)) === hex(certificate.subjectName.toArrayBuffer());
  return false;
}

/**
 * May this certificate answer for the certificates of the issuer the hash data names (RFC 6960 4.2.2.2)? Either it
 * is that issuer, or it is a responder the issuer delegated to: it carries id-kp-OCSPSigning, names the issuer as
 * its own, and (when Anode has the issuer's certificate) is signed by it. With hash data alone Anode knows the
 * issuer only by the hashes of its name and key, so a delegated responder's certificate is then checked by name and
 * key usage only; the car checks the stapled answer against its own roots as well.
 */
async function authorizedSigner(signer: x509.X509Certificate, data: CertificateHashData, candidates: x509.X509Certificate[]): Promise<boolean> {
  const algorithm = NODE_HASH[data.hashAlgorithm];
  const issuerKeyHash = data.issuerKeyHash.toLowerCase();
  const issuerNameHash = data.issuerNameHash.toLowerCase();
  if (digest(algorithm, keyBits(signer)) === issuerKeyHash && digest(algorithm, signer.subjectName.toArrayBuffer()) === issuerNameHash) return true;
  const usage = signer.getExtension(x509.ExtendedKeyUsageExtension);
  if (!usage?.usages.includes(id_kp_OCSPSigning)) return false;
  if (digest(algorithm, signer.issuerName.toArrayBuffer()) !== issuerNameHash) return false;
  const issuer = candidates.find((candidate) => digest(algorithm, keyBits(candidate)) === issuerKeyHash);
  return issuer ? signer.verify({ publicKey: issuer.publicKey, signatureOnly: true }) : true;
}

function signatureVerifies(basic: BasicOCSPResponse, signer: x509.X509Certificate): boolean {
  const algorithm = basic.signatureAlgorithm.algorithm;
  if (!(algorithm in SIGNATURE_DIGEST)) throw new OcspError(`the response is signed with an algorithm Anode does not check (${algorithm})`);
  if (!basic.tbsResponseDataRaw) throw new OcspError('the response data could not be read for its signature');
  const key = createPublicKey({ key: Buffer.from(signer.publicKey.rawData), format: 'der', type: 'spki' });
  return verifySignature(SIGNATURE_DIGEST[algorithm], new Uint8Array(basic.tbsResponseDataRaw), key, new Uint8Array(basic.signature));
}

function parse<T>(der: ArrayBuffer | Uint8Array, type: new () => T, what: string): T {
  try {
    return AsnConvert.parse(der, type);
  } catch (error) {
    throw new OcspError(`the responder's answer is not ${what}: ${(error as Error).message}`);
  }
}

/**
 * Reads a DER OCSPResponse about the certificate `data` names: it must be successful, a BasicOCSPResponse signed by a
 * certificate authorized for that issuer, and carry a current SingleResponse for that certificate. `issuer` is the
 * issuer's certificate when Anode has it. Throws OcspError otherwise.
 */
export async function readOcspResponse(der: Uint8Array, data: CertificateHashData, issuer: x509.X509Certificate | undefined, now = new Date()): Promise<OcspVerdict> {
  const response = parse(der, OCSPResponse, 'an OCSPResponse');
  if (response.responseStatus !== OCSPResponseStatus.successful) {
    throw new OcspError(`the responder answered ${OCSPResponseStatus[response.responseStatus] ?? response.responseStatus}`);
  }
  if (!response.responseBytes || response.responseBytes.responseType !== id_pkix_ocsp_basic) throw new OcspError('the responder answered without a basic OCSP response');
  const basic = parse(response.responseBytes.response.buffer, BasicOCSPResponse, 'a BasicOCSPResponse');

  const included = (basic.certs ?? []).map((certificate) => new x509.X509Certificate(AsnConvert.serialize(certificate)));
  const candidates = issuer ? [...included, issuer] : included;
  const signer = candidates.find((certificate) => namedByResponderId(certificate, basic));
  if (!signer) throw new OcspError('the response does not include the certificate of the responder that signed it');
  if (!signatureVerifies(basic, signer)) throw new OcspError(`the response's signature does not verify with its responder's certificate (${signer.subject})`);
  if (!(await authorizedSigner(signer, data, candidates))) throw new OcspError(`the response is signed by ${signer.subject}, which may not answer for this certificate's issuer`);

  const single = basic.tbsResponseData.responses.find((candidate) => sameCertId(candidate.certID, data));
  if (!single) throw new OcspError('the response does not answer for the certificate asked about');
  if (single.thisUpdate.getTime() > now.getTime() + CLOCK_SKEW_MS) throw new OcspError(`the response is not valid before ${single.thisUpdate.toISOString()}`);
  if (single.nextUpdate && single.nextUpdate.getTime() < now.getTime() - CLOCK_SKEW_MS) throw new OcspError(`the response is stale: its nextUpdate was ${single.nextUpdate.toISOString()}`);
  const status = single.certStatus.good !== undefined ? 'Good' : single.certStatus.revoked ? 'Revoked' : 'Unknown';
  return { status, thisUpdate: single.thisUpdate, nextUpdate: single.nextUpdate };
}
