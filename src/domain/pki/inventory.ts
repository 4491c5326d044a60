/** The certificates each station holds, as far as Anode knows: what it issued and installed, and what stations report. */
import { and, desc, eq } from 'drizzle-orm';
import type { Database } from '../../db/client.js';
import { stationCertificates } from '../../db/schema.js';
import { hashDataOf } from './hash-data.js';
import type { x509 } from './x509.js';

export type StationCertificate = typeof stationCertificates.$inferSelect;

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
        target: [stationCertificates.stationId, stationCertificates.hashAlgorithm, stationCertificates.issuerNameHash, stationCertificates.issuerKeyHash, stationCertificates.serialNumber],
        set: { certificateType, source: 'Issued', pem: leaf.toString('pem'), subject: leaf.subject, validTo: leaf.notAfter, updatedAt: now },
      });
  }

  async list(stationId: string, certificateType?: string): Promise<StationCertificate[]> {
    return this.db
      .select()
      .from(stationCertificates)
      .where(and(eq(stationCertificates.stationId, stationId), certificateType ? eq(stationCertificates.certificateType, certificateType) : undefined))
      .orderBy(desc(stationCertificates.updatedAt), desc(stationCertificates.id));
  }
}
