/**
 * OCPP's CertificateHashData: a certificate named by its issuer's name and key hashes and its serial number, as in
 * an OCSP CertID (RFC 6960). Stations report installed certificates this way and Anode keeps its inventory by it.
 */
import { createHash } from 'node:crypto';
import { AsnConvert } from '@peculiar/asn1-schema';
import { SubjectPublicKeyInfo } from '@peculiar/asn1-x509';
import type { x509 } from './x509.js';

export type HashAlgorithm = 'SHA256' | 'SHA384' | 'SHA512';

export interface CertificateHashData {
  hashAlgorithm: HashAlgorithm;
  issuerNameHash: string;
  issuerKeyHash: string;
  serialNumber: string;
}

const NODE_HASH: Record<HashAlgorithm, string> = { SHA256: 'sha256', SHA384: 'sha384', SHA512: 'sha512' };

/** The serial number as OCPP writes it: hexadecimal, lower case, no 0x, no leading zeroes. */
export function serialHex(serialNumber: string): string {
  return serialNumber.toLowerCase().replace(/^0+(?=.)/, '');
}

/** Hash data of `certificate`, issued by `issuer`. */
export function hashDataOf(certificate: x509.X509Certificate, issuer: x509.X509Certificate, hashAlgorithm: HashAlgorithm = 'SHA256'): CertificateHashData {
  const hash = (data: ArrayBuffer | Uint8Array) => createHash(NODE_HASH[hashAlgorithm]).update(new Uint8Array(data)).digest('hex');
  const issuerKey = AsnConvert.parse(issuer.publicKey.rawData, SubjectPublicKeyInfo).subjectPublicKey;
  return {
    hashAlgorithm,
    issuerNameHash: hash(certificate.issuerName.toArrayBuffer()),
    issuerKeyHash: hash(issuerKey),
    serialNumber: serialHex(certificate.serialNumber),
  };
}

/**
 * Hash data in one spelling, hex in lower case and the serial number without leading zeroes: how the inventory keeps
 * it and the OCSP cache keys it, so that the same certificate written two ways is one.
 */
export function normalHashData(hashData: CertificateHashData): CertificateHashData {
  return {
    hashAlgorithm: hashData.hashAlgorithm,
    issuerNameHash: hashData.issuerNameHash.toLowerCase(),
    issuerKeyHash: hashData.issuerKeyHash.toLowerCase(),
    serialNumber: serialHex(hashData.serialNumber),
  };
}
