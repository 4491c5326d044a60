import { createHash, X509Certificate } from 'node:crypto';
import { eq } from 'drizzle-orm';
import type { Database } from '../db/client.js';
import { certificates } from '../db/schema.js';
import { InvalidInputError, NotFoundError } from './errors.js';
import { pemBlocks, toPem } from './pki/x509.js';

export interface ParsedCertificate {
  /** base64 SHA-256 of the DER bytes */
  hash: string;
  pem: string;
  subject: string;
  validTo: Date;
}

/**
 * Parses one PEM certificate. Operators often paste PEM with its newlines written as `\n`, as the MaEVe API
 * describes, so those are turned back into newlines first.
 */
export function parsePemCertificate(text: string): ParsedCertificate {
  const [der] = pemBlocks(text, 'CERTIFICATE');
  if (!der) throw new InvalidInputError('certificate is not a PEM encoded certificate (BEGIN/END CERTIFICATE)');
  let parsed: X509Certificate;
  try {
    parsed = new X509Certificate(der);
  } catch {
    throw new InvalidInputError('certificate is not a valid X.509 certificate');
  }
  return {
    hash: certificateHash(der),
    pem: toPem(der, 'CERTIFICATE'),
    subject: parsed.subject,
    validTo: new Date(parsed.validTo),
  };
}

export function certificateHash(der: Buffer): string {
  return createHash('sha256').update(der).digest('base64');
}

/** Accepts the base64url alphabet and a missing `=` too, since the hash travels in URLs. */
export function normaliseCertificateHash(hash: string): string {
  const standard = hash.replace(/-/g, '+').replace(/_/g, '/');
  return standard.endsWith('=') ? standard : `${standard}=`;
}

export class Certificates {
  constructor(private readonly db: Database) {}

  /** Stores the certificate (again, harmlessly, when it is known) and returns its hash. */
  async upload(text: string): Promise<string> {
    const certificate = parsePemCertificate(text);
    await this.db.insert(certificates).values(certificate).onConflictDoNothing();
    return certificate.hash;
  }

  async get(hash: string): Promise<{ pem: string }> {
    const [row] = await this.db.select().from(certificates).where(eq(certificates.hash, normaliseCertificateHash(hash)));
    if (!row) throw new NotFoundError(`no certificate with hash ${hash}`);
    return { pem: row.pem };
  }

  /** Whether a certificate with this base64 SHA-256 (standard alphabet, padded) was uploaded. */
  async isUploaded(hash: string): Promise<boolean> {
    const [row] = await this.db.select({ hash: certificates.hash }).from(certificates).where(eq(certificates.hash, hash));
    return row !== undefined;
  }

  async delete(hash: string): Promise<void> {
    const deleted = await this.db
      .delete(certificates)
      .where(eq(certificates.hash, normaliseCertificateHash(hash)))
      .returning({ hash: certificates.hash });
    if (deleted.length === 0) throw new NotFoundError(`no certificate with hash ${hash}`);
  }
}
