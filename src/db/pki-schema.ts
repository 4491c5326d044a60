/** Anode's certificate authorities, the certificates it signs for stations, their inventory and OCSP checks. */
import { sql } from 'drizzle-orm';
import { bigint, boolean, index, integer, jsonb, pgTable, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { timestamptz } from './columns.js';

/**
 * The CAs Anode made for itself (`csms`, `v2g-root`, `v2g-sub`), created once and kept. The private key is encrypted
 * with the PKI key secret (AES-256-GCM) and never leaves the domain's authority module.
 */
export const pkiAuthorities = pgTable('pki_authorities', {
  name: text('name').primaryKey(),
  certificate: text('certificate').notNull(),
  encryptedKey: text('encrypted_key').notNull(),
  createdAt: timestamptz('created_at').notNull().defaultNow(),
});

export const certificateSigningStatuses = ['Signing', 'Rejected', 'Signed', 'Failed', 'Installed', 'InstallRejected'] as const;

/**
 * A station's certificate signing request and what became of it: Rejected (the CSR failed a check), Signing (with
 * the signer), Failed (the signer could not sign), Signed (waiting to be delivered in CertificateSigned), Installed
 * or InstallRejected (the station's answer to CertificateSigned).
 */
export const certificateSignings = pgTable(
  'certificate_signings',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    stationId: text('station_id').notNull(),
    /** ChargingStationCertificate or V2GCertificate */
    certificateType: text('certificate_type').notNull(),
    /** how the station asked: ocpp2.0.1, ocpp1.6 (security extension) or ocpp1.6-pnc (DataTransfer) */
    channel: text('channel').notNull(),
    csr: text('csr').notNull(),
    status: text('status', { enum: certificateSigningStatuses }).notNull(),
    reason: text('reason'),
    signer: text('signer'),
    certificateChain: text('certificate_chain'),
    serialNumber: text('serial_number'),
    validTo: timestamptz('valid_to'),
    /** the operator's trigger request this CSR answered, when there was one */
    stationRequestId: integer('station_request_id'),
    createdAt: timestamptz('created_at').notNull(),
    updatedAt: timestamptz('updated_at').notNull(),
  },
  (table) => [index('certificate_signings_station_idx').on(table.stationId, table.id)],
);

/**
 * What Anode knows a station holds: certificates it issued and the station installed, roots it installed at the
 * operator's request, and what GetInstalledCertificateIds reported. Identified as OCPP does, by hash data.
 */
export const stationCertificates = pgTable(
  'station_certificates',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    stationId: text('station_id').notNull(),
    /** ChargingStationCertificate, V2GCertificate, V2GRootCertificate, MORootCertificate, CSMSRootCertificate, … */
    certificateType: text('certificate_type').notNull(),
    hashAlgorithm: text('hash_algorithm').notNull(),
    issuerNameHash: text('issuer_name_hash').notNull(),
    issuerKeyHash: text('issuer_key_hash').notNull(),
    serialNumber: text('serial_number').notNull(),
    /** Issued (by Anode's signing), Installed (an operator's InstallCertificate), Reported (GetInstalledCertificateIds) */
    source: text('source').notNull(),
    pem: text('pem'),
    subject: text('subject'),
    validTo: timestamptz('valid_to'),
    /** child certificates' hash data as reported (OCPP 2.0.1 childCertificateHashData) */
    children: jsonb('children').$type<Record<string, unknown>[]>(),
    renewalRequestedAt: timestamptz('renewal_requested_at'),
    updatedAt: timestamptz('updated_at').notNull(),
  },
  (table) => [
    uniqueIndex('station_certificates_identity_idx').on(table.stationId, table.hashAlgorithm, table.issuerNameHash, table.issuerKeyHash, table.serialNumber),
    index('station_certificates_expiry_idx')
      .on(table.validTo)
      .where(sql`${table.renewalRequestedAt} is null and ${table.validTo} is not null`),
  ],
);

/** Every OCSP request Anode made for a station (or for Authorize), with its answer or why there was none. */
export const certificateStatusChecks = pgTable(
  'certificate_status_checks',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    stationId: text('station_id'),
    hashAlgorithm: text('hash_algorithm').notNull(),
    issuerNameHash: text('issuer_name_hash').notNull(),
    issuerKeyHash: text('issuer_key_hash').notNull(),
    serialNumber: text('serial_number').notNull(),
    responderUrl: text('responder_url').notNull(),
    /** Good, Revoked, Unknown, or Failed (no usable answer) */
    status: text('status').notNull(),
    error: text('error'),
    /** answered from the cache, without asking the responder */
    cached: boolean('cached').notNull().default(false),
    thisUpdate: timestamptz('this_update'),
    nextUpdate: timestamptz('next_update'),
    checkedAt: timestamptz('checked_at').notNull(),
  },
  (table) => [index('certificate_status_checks_station_idx').on(table.stationId, table.id)],
);
