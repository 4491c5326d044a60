/**
 * A station's certificate signing requests, from the CSR to the installed certificate. The CSR is checked while the
 * station waits for its answer; signing happens after that answer, and the signed chain reaches the station as a
 * stored request (`certificate-signed`) that the gateway holding it delivers at once, or when it is next back.
 */
import { and, desc, eq, gt, inArray, isNull, sql } from 'drizzle-orm';
import type { SignedCertificateType } from './settings.js';
import type { Database } from '../../db/client.js';
import { certificateSignings, evses, stationRequests, type certificateSigningStatuses } from '../../db/schema.js';
import { NotFoundError } from '../errors.js';
import type { StationEvents } from '../station-events.js';
import type { Stations } from '../stations.js';
import type { CertificateAuthority } from './authority.js';
import { inspectCsr } from './csr.js';
import type { StationCertificates } from './inventory.js';
import type { Signers } from './signer.js';
import { certificatesOf } from './x509.js';

export type CertificateSigning = typeof certificateSignings.$inferSelect;
export type CertificateSigningStatus = (typeof certificateSigningStatuses)[number];
/** how the station asked; the same channel carries the signed chain back */
export type SigningChannel = 'ocpp2.0.1' | 'ocpp1.6' | 'ocpp1.6-pnc';

/** The operator's trigger that asks a station for a CSR of each type (renewal sends the same). */
export const SIGN_TRIGGERS: Record<SignedCertificateType, string> = {
  ChargingStationCertificate: 'SignChargingStationCertificate',
  V2GCertificate: 'SignV2GCertificate',
};
/** The triggers a CSR of each type answers: its own, and the one asking for both types. */
const ANSWERED_TRIGGERS = (type: SignedCertificateType) => [SIGN_TRIGGERS[type], 'SignCombinedCertificate'];
/** A CSR answers a trigger sent at most this long before it. */
const TRIGGER_WINDOW_MS = 60 * 60_000;

export interface SigningSettings {
  organization: string | undefined;
  onError: (error: unknown, signingId: number) => void;
}

export class CertificateSignings {
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly db: Database,
    private readonly deps: { stations: Stations; stationEvents: StationEvents; inventory: StationCertificates; authority: CertificateAuthority; signers: Signers },
    private readonly settings: SigningSettings,
  ) {}

  /**
   * Checks a station's CSR and, when it passes, has it signed once the station has its answer. A CSR that fails a
   * check is kept as Rejected, with a security event.
   */
  async request(stationId: string, certificateType: SignedCertificateType, csrText: string, channel: SigningChannel): Promise<{ accepted: boolean; reason?: string; signingId: number }> {
    const commonNames = [stationId, ...(certificateType === 'V2GCertificate' ? await this.evseIds(stationId) : [])];
    const verdict = await inspectCsr(csrText, { commonNames, organization: this.settings.organization });
    const now = new Date();
    const [row] = await this.db
      .insert(certificateSignings)
      .values({
        stationId,
        certificateType,
        channel,
        csr: csrText,
        status: verdict.ok ? 'Signing' : 'Rejected',
        reason: verdict.ok ? null : verdict.reason,
        signer: verdict.ok ? this.deps.signers[certificateType].name : null,
        createdAt: now,
        updatedAt: now,
      })
      .returning();
    await this.linkTrigger(row);
    if (!verdict.ok) {
      await this.deps.stationEvents.record(stationId, 'SecurityEvent', { type: 'InvalidCsr', certificateType, techInfo: verdict.reason, signingId: row.id });
      return { accepted: false, reason: verdict.reason, signingId: row.id };
    }
    const csr = verdict.csr;
    const job = new Promise<void>((resolve) => setImmediate(resolve))
      .then(() => this.sign(row, csr))
      .catch((error: unknown) => this.settings.onError(error, row.id))
      .finally(() => this.inFlight.delete(job));
    this.inFlight.add(job);
    return { accepted: true, signingId: row.id };
  }

  private async sign(row: CertificateSigning, csr: Parameters<Signers[SignedCertificateType]['sign']>[0]['csr']): Promise<void> {
    const type = row.certificateType as SignedCertificateType;
    let chain;
    try {
      chain = await this.deps.signers[type].sign({ stationId: row.stationId, certificateType: type, csr });
    } catch (error) {
      await this.update(row, { status: 'Failed', reason: `the ${this.deps.signers[type].name} signer failed: ${error instanceof Error ? error.message : String(error)}` });
      return;
    }
    await this.update(row, { status: 'Signed', certificateChain: chain.chainPem, serialNumber: chain.leaf.serialNumber, validTo: chain.leaf.notAfter });
    await this.deps.stations.addRequest(row.stationId, 'certificate-signed', { signingId: row.id });
  }

  /** An SECC certificate's CN is, by ISO 15118-2, the EVSE id of the charger it serves. */
  private async evseIds(stationId: string): Promise<string[]> {
    const rows = await this.db.select({ evseId: evses.evseId }).from(evses).where(eq(evses.stationId, stationId));
    return rows.flatMap((row) => (row.evseId ? [row.evseId] : []));
  }

  /** The station's answer to CertificateSigned: Accepted installs the certificate in the inventory. */
  async installed(signingId: number, answer: string): Promise<CertificateSigning> {
    const row = await this.get(signingId);
    if (answer !== 'Accepted') return this.update(row, { status: 'InstallRejected', reason: `the station answered ${answer}` });
    const [leaf, issuer = this.deps.authority.issuer(row.certificateType as SignedCertificateType).certificate] = certificatesOf(row.certificateChain ?? '');
    if (leaf) await this.deps.inventory.recordIssued(row.stationId, row.certificateType, leaf, issuer);
    return this.update(row, { status: 'Installed', reason: null });
  }

  /** CertificateSigned could not be delivered (an error other than the station being away). */
  async undelivered(signingId: number, reason: string): Promise<void> {
    await this.update(await this.get(signingId), { status: 'InstallRejected', reason });
  }

  async get(signingId: number): Promise<CertificateSigning> {
    const [row] = await this.db.select().from(certificateSignings).where(eq(certificateSignings.id, signingId));
    if (!row) throw new NotFoundError(`no certificate signing ${signingId}`);
    return row;
  }

  async list(stationId: string, limit = 100): Promise<CertificateSigning[]> {
    return this.db.select().from(certificateSignings).where(eq(certificateSignings.stationId, stationId)).orderBy(desc(certificateSignings.id)).limit(limit);
  }

  /** Waits for the signings under way (before the database closes). */
  async stop(): Promise<void> {
    await Promise.allSettled([...this.inFlight]);
  }

  private async update(row: CertificateSigning, changes: Partial<CertificateSigning>): Promise<CertificateSigning> {
    const [updated] = await this.db
      .update(certificateSignings)
      .set({ ...changes, updatedAt: new Date() })
      .where(eq(certificateSignings.id, row.id))
      .returning();
    await this.reportToTrigger(updated);
    return updated;
  }

  /** The newest recent trigger of the operator's this CSR answers, and no other CSR of its type answered yet. */
  private async linkTrigger(row: CertificateSigning): Promise<void> {
    const [trigger] = await this.db
      .select({ id: stationRequests.id })
      .from(stationRequests)
      .where(
        and(
          eq(stationRequests.stationId, row.stationId),
          eq(stationRequests.kind, 'trigger'),
          inArray(sql`${stationRequests.payload}->>'trigger'`, ANSWERED_TRIGGERS(row.certificateType as SignedCertificateType)),
          gt(stationRequests.createdAt, new Date(Date.now() - TRIGGER_WINDOW_MS)),
          isNull(sql`${stationRequests.outcome}->'certificates'->${row.certificateType}`),
        ),
      )
      .orderBy(desc(stationRequests.id))
      .limit(1);
    if (!trigger) return;
    const [linked] = await this.db
      .update(certificateSignings)
      .set({ stationRequestId: trigger.id })
      .where(eq(certificateSignings.id, row.id))
      .returning();
    await this.reportToTrigger(linked);
  }

  /** Each step shows in the trigger request's outcome, under `certificates.<type>`. */
  private async reportToTrigger(row: CertificateSigning): Promise<void> {
    if (row.stationRequestId === null) return;
    const step = { signingId: row.id, status: row.status, ...(row.reason && { reason: row.reason }), ...(row.validTo && { validTo: row.validTo.toISOString() }) };
    await this.db
      .update(stationRequests)
      .set({
        outcome: sql`coalesce(${stationRequests.outcome}, '{}'::jsonb) || jsonb_build_object('certificates', coalesce(${stationRequests.outcome}->'certificates', '{}'::jsonb) || jsonb_build_object(${row.certificateType}::text, ${JSON.stringify(step)}::jsonb))`,
      })
      .where(eq(stationRequests.id, row.stationRequestId));
  }
}
