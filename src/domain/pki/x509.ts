/**
 * The X.509 library (@peculiar/x509, over Node's WebCrypto), set up once. It needs the reflect-metadata polyfill
 * loaded before it; every PKI module imports the library from here.
 */
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';

export type CryptoKey = webcrypto.CryptoKey;
export type CryptoKeyPair = webcrypto.CryptoKeyPair;
export type SigningAlgorithm = webcrypto.Algorithm & { hash?: string; namedCurve?: string };
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

export { x509 };
export const subtle = webcrypto.subtle;

/** ECDSA P-256 with SHA-256: the algorithm of Anode's own CAs (ISO 15118-2 requires it of V2G certificates). */
export const EC_P256 = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----([A-Za-z0-9+/=\s]+?)-----END \1-----/g;

/** The DER of every PEM block of this label, in order. Text written with literal `\n` is accepted as well. */
export function pemBlocks(text: string, label: string): Buffer[] {
  const blocks: Buffer[] = [];
  for (const match of text.replace(/\\n/g, '\n').matchAll(PEM_BLOCK)) {
    if (match[1] === label) blocks.push(Buffer.from(match[2].replace(/\s+/g, ''), 'base64'));
  }
  return blocks;
}

export function toPem(der: Buffer | ArrayBuffer, label: string): string {
  const body = Buffer.from(der as ArrayBuffer).toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '');
  return `-----BEGIN ${label}-----\n${body}\n-----END ${label}-----\n`;
}

/** Certificates of a PEM chain, leaf first, as given. */
export function certificatesOf(text: string): x509.X509Certificate[] {
  return pemBlocks(text, 'CERTIFICATE').map((der) => new x509.X509Certificate(der));
}
