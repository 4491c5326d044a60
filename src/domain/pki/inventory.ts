/** The certificates each station holds, as far as Anode knows: what it issued and installed, and what stations report. */
import { and, desc, eq, inArray, sql } from 'drizzle-orm';
import type { Database } from '../../db/client.js';
import { stationCertificates } from '../../db/schema.js';
import { InvalidInputError } from '../errors.js';
import { hashDataOf, normalHashData, type CertificateHashData } from './hash-data.js';
import { certificatesOf, type x509 } from './x509.js';

export type StationCertificate = typeof stationCertificates.$inferSelect;

/** One certificate of a station's report: its type, its hash data and, for a chain, its children's. */
export interface ReportedCertificate {
  certificateType: string;
  hashData: CertificateHashData;
  children: CertificateHashData[];
}

/** A root certificate an operator wants installed, read from its PEM. */
export interface RootCertificate {
  pem: string;
  subject: string;
  validTo: Date;
  hashData: CertificateHashData;
}

const IDENTITY = [stationCertificates.stationId, stationCertificates.hashAlgorithm, stationCertificates.issuerNameHash, stationCertificates.issuerKeyHash, stationCertificates.serialNumber];

/**
 * The one certificate of a PEM, which must be self-signed: roots are named by hash data computed against
 * themselves, and a certificate whose issuer Anode does not have could not be named.
 */
export async function readRootCertificate(pem: string): Promise<RootCertificate> {
  let certificates: x509.X509Certificate[];
  try {
    certificates = certificatesOf(pem);
  } catch (error) {
    throw new InvalidInputError(`certificate: not a PEM X.509 certificate (${error instanceof Error ? error.message : String(error)})`);
  }
  if (certificates.length !== 1) throw new InvalidInputError(`certificate: one PEM certificate expected, found ${certificates.length}`);
  const [certificate] = certificates;
  const selfSigned = await certificate.isSelfSigned().catch(() => false);
  if (!selfSigned) {
    throw new InvalidInputError(`certificate: ${certificate.subject} is not self-signed; only root certificates are installed`);
  }
  return { pem: certificate.toString('pem'), subject: certificate.subject, validTo: certificate.notAfter, hashData: hashDataOf(certificate, certificate) };
}

export class StationCertificates {
  constructor(private readonly db: Database) {}

  /** A certificate Anode signed that the station installed. */
  async recordIssued(stationId: string, certificateType: string, leaf: x509.X509Certificate, issuer: x509.X509Certificate): Promise<void> {
    const now = new Date();
    await this.db
      .insert(stationCertificates)
      .values({
        stationId,
        certificateType,
        ...hashDataOf(leaf, issuer),
        source: 'Issued',
        pem: leaf.toString('pem'),
        subject: leaf.subject,
        validTo: leaf.notAfter,
        updatedAt: now,
      })
      .onConflictDoUpdate({
        target: IDENTITY,
        set: { certificateType, source: 'Issued', pem: leaf.toString('pem'), subject: leaf.subject, validTo: leaf.notAfter, updatedAt: now },
      });
  }

  /** A root certificate the station accepted at the operator's request. */
  async recordInstalled(stationId: string, certificateType: string, root: RootCertificate): Promise<StationCertificate> {
    const now = new Date();
    const [row] = await this.db
      .insert(stationCertificates)
      .values({ stationId, certificateType, ...root.hashData, source: 'Installed', pem: root.pem, subject: root.subject, validTo: root.validTo, updatedAt: now })
      .onConflictDoUpdate({
        target: IDENTITY,
        set: { certificateType, source: 'Installed', pem: root.pem, subject: root.subject, validTo: root.validTo, renewalRequestedAt: null, updatedAt: now },
      })
      .returning();
    return row;
  }

  /**
   * What the station reported it holds of these types (`all`: of every type) replaces what it reported of them
   * before. A reported certificate Anode issued or installed keeps its row, type and source, and takes the
   * reported children.
   */
  async replaceReported(stationId: string, types: string[] | 'all', reported: ReportedCertificate[]): Promise<void> {
    const now = new Date();
    await this.db.transaction(async (tx) => {
      await tx
        .delete(stationCertificates)
        .where(
          and(
            eq(stationCertificates.stationId, stationId),
            eq(stationCertificates.source, 'Reported'),
            types === 'all' ? undefined : inArray(stationCertificates.certificateType, types),
          ),
        );
      // A certificate reported twice is kept once (one statement cannot upsert a row twice).
      const unique = new Map(reported.map((entry) => [Object.values(normalHashData(entry.hashData)).join(' '), entry]));
      if (unique.size === 0) return;
      await tx
        .insert(stationCertificates)
        .values(
          [...unique.values()].map((entry) => ({
            stationId,
            certificateType: entry.certificateType,
            ...normalHashData(entry.hashData),
            source: 'Reported',
            children: entry.children.length > 0 ? entry.children.map((child): Record<string, unknown> => ({ ...normalHashData(child) })) : null,
            updatedAt: now,
          })),
        )
        .onConflictDoUpdate({
          target: IDENTITY,
          set: {
            certificateType: sql`case when ${stationCertificates.source} = 'Reported' then excluded.certificate_type else ${stationCertificates.certificateType} end`,
            children: sql`excluded.children`,
            updatedAt: now,
          },
        });
    });
  }

  /** The station's certificate of this hash data, if Anode knows it. */
  async find(stationId: string, hashData: CertificateHashData): Promise<StationCertificate | undefined> {
    const [row] = await this.db.select().from(stationCertificates).where(this.identified(stationId, hashData));
    return row;
  }

  /** The station deleted the certificate of this hash data; answers whether Anode knew it. */
  async remove(stationId: string, hashData: CertificateHashData): Promise<boolean> {
    const removed = await this.db.delete(stationCertificates).where(this.identified(stationId, hashData)).returning({ id: stationCertificates.id });
    return removed.length > 0;
  }

  async list(stationId: string, certificateType?: string): Promise<StationCertificate[]> {
    return this.db
      .select()
      .from(stationCertificates)
      .where(and(eq(stationCertificates.stationId, stationId), certificateType ? eq(stationCertificates.certificateType, certificateType) : undefined))
      .orderBy(desc(stationCertificates.updatedAt), desc(stationCertificates.id));
  }

  private identified(stationId: string, hashData: CertificateHashData) {
    const normal = normalHashData(hashData);
    return and(
      eq(stationCertificates.stationId, stationId),
      eq(stationCertificates.hashAlgorithm, normal.hashAlgorithm),
      eq(stationCertificates.issuerNameHash, normal.issuerNameHash),
      eq(stationCertificates.issuerKeyHash, normal.issuerKeyHash),
      eq(stationCertificates.serialNumber, normal.serialNumber),
    );
  }
}
