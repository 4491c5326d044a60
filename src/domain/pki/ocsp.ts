/** OCSP (RFC 6960): is a certificate, named by its hash data, good, revoked or unknown to its responder? */
import { desc, eq } from 'drizzle-orm';
import type { Database } from '../../db/client.js';
import { certificateStatusChecks } from '../../db/schema.js';
import { examineChain } from './contract-chain.js';
import { post } from './http-post.js';
import { cacheKey, cacheUntil, OcspCache } from './ocsp-cache.js';
import type { CertificateStatus, ContractCertificateStatus, OcspAnswer, OcspRequestData, OcspSettings } from './ocsp-types.js';
import { OcspError, ocspRequestDer, readOcspResponse } from './ocsp-wire.js';
import type { x509 } from './x509.js';

export type { CertificateStatus, ContractCertificateStatus, OcspAnswer, OcspRequestData, OcspSettings } from './ocsp-types.js';

export type CertificateStatusCheck = typeof certificateStatusChecks.$inferSelect;

/** The longest ocspResult (base64) a station can be handed: GetCertificateStatusResponse allows 5,500 characters. */
export const MAX_OCSP_RESULT_LENGTH = 5500;
const MAX_RESPONSE_BYTES = 64 * 1024;
const CACHE_ENTRIES = 10_000;

type Fetched = { der: Uint8Array } | { error: string };

export class OcspChecker {
  private readonly cache = new OcspCache<OcspAnswer>(CACHE_ENTRIES);

  constructor(
    private readonly db: Database,
    private readonly settings: OcspSettings,
  ) {}

  /** The status of one certificate, from the cache while its last answer is current, else from its responder. */
  check(stationId: string | null, data: OcspRequestData): Promise<OcspAnswer> {
    return this.checkIssuedBy(stationId, data, undefined);
  }

  /** The newest checks made for a station, newest first. */
  history(stationId: string, limit = 100): Promise<CertificateStatusCheck[]> {
    return this.db
      .select()
      .from(certificateStatusChecks)
      .where(eq(certificateStatusChecks.stationId, stationId))
      .orderBy(desc(certificateStatusChecks.id))
      .limit(limit);
  }

  /**
   * The status of a car's contract certificate at Authorize: from the certificate chain itself (PEM, leaf first) or
   * from the hash data of its chain (leaf first), checked with each certificate's OCSP responder. The chain, when
   * given, is preferred: it also shows expiry and signatures, which hash data cannot.
   */
  async contractStatus(stationId: string | null, contract: { certificate?: string; hashData?: OcspRequestData[] }): Promise<ContractCertificateStatus> {
    if (contract.certificate) {
      const examination = await examineChain(contract.certificate);
      if (examination.verdict) return examination.verdict;
      const answers = await Promise.all(examination.checks.map((check) => this.checkIssuedBy(stationId, check.data, check.issuer)));
      const statuses = answers.map((answer) => answer.status);
      return contractVerdict(examination.leafUnchecked ? [...statuses, 'Failed'] : statuses);
    }
    if (!contract.hashData?.length) return 'NoCertificateAvailable';
    const answers = await Promise.all(contract.hashData.map((data) => this.check(stationId, data)));
    return contractVerdict(answers.map((answer) => answer.status));
  }

  private async checkIssuedBy(stationId: string | null, data: OcspRequestData, issuer: x509.X509Certificate | undefined): Promise<OcspAnswer> {
    const key = cacheKey(data);
    const cached = this.cache.get(key, Date.now());
    const answer = cached ? { ...cached, cached: true } : await this.ask(data, issuer);
    if (!cached && answer.status !== 'Failed') {
      const until = cacheUntil(answer.nextUpdate, Date.now(), this.settings.maxCacheSeconds);
      if (until > Date.now()) this.cache.set(key, answer, until);
    }
    await this.db.insert(certificateStatusChecks).values({
      stationId,
      hashAlgorithm: data.hashAlgorithm,
      issuerNameHash: data.issuerNameHash,
      issuerKeyHash: data.issuerKeyHash,
      serialNumber: data.serialNumber,
      responderUrl: data.responderURL,
      status: answer.status,
      error: answer.error ?? null,
      cached: Boolean(cached),
      thisUpdate: answer.thisUpdate ?? null,
      nextUpdate: answer.nextUpdate ?? null,
      checkedAt: new Date(),
    });
    return answer;
  }

  private async ask(data: OcspRequestData, issuer: x509.X509Certificate | undefined): Promise<OcspAnswer> {
    let request: Buffer;
    try {
      if (!/^https?:\/\/[^/]/i.test(data.responderURL)) throw new OcspError(`responderURL must be an http(s) URL, got "${data.responderURL}"`);
      request = ocspRequestDer(data);
    } catch (error) {
      return { status: 'Failed', error: (error as Error).message };
    }
    const fetched = await this.post(data.responderURL, request);
    if ('error' in fetched) return { status: 'Failed', error: fetched.error };
    const ocspResult = Buffer.from(fetched.der).toString('base64');
    try {
      const verdict = await readOcspResponse(fetched.der, data, issuer);
      if (ocspResult.length > MAX_OCSP_RESULT_LENGTH) {
        return { status: 'Failed', error: `the responder's answer is ${ocspResult.length} characters of base64, more than the ${MAX_OCSP_RESULT_LENGTH} a station can be given` };
      }
      return { status: verdict.status, ocspResult, thisUpdate: verdict.thisUpdate, nextUpdate: verdict.nextUpdate };
    } catch (error) {
      if (!(error instanceof OcspError)) return { status: 'Failed', error: `the responder's answer cannot be read: ${(error as Error).message}` };
      return { status: 'Failed', error: error.message };
    }
  }

  private async post(url: string, request: Buffer): Promise<Fetched> {
    try {
      const answer = await post(url, {
        headers: { 'Content-Type': 'application/ocsp-request', Accept: 'application/ocsp-response' },
        body: request,
        timeoutMs: this.settings.timeoutMs,
        maxBytes: MAX_RESPONSE_BYTES,
      });
      if (answer.status < 200 || answer.status > 299) return { error: `the responder at ${url} answered HTTP ${answer.status}` };
      return { der: new Uint8Array(answer.body) };
    } catch (error) {
      return { error: `the responder at ${(error as Error).message}` };
    }
  }
}

/**
 * OCPP's AuthorizeCertificateStatusEnumType from the OCSP statuses of a contract chain. Revoked anywhere: the chain is
 * revoked. Unknown: the responder does not know the certificate under that issuer, so the chain does not lead to a
 * CA it serves (CertChainError; ContractCancelled is the eMSP's word on the contract, which OCSP does not give).
 * Failed: no status could be had, which is not a fault of the chain (NoCertificateAvailable).
 */
function contractVerdict(statuses: CertificateStatus[]): ContractCertificateStatus {
  if (statuses.includes('Revoked')) return 'CertificateRevoked';
  if (statuses.includes('Unknown')) return 'CertChainError';
  if (statuses.includes('Failed') || statuses.length === 0) return 'NoCertificateAvailable';
  return 'Accepted';
}
