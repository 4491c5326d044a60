/**
 * An external CA reached over EST (RFC 7030), as Hubject's Plug & Charge PKI signs CPO certificates: the station's
 * CSR goes to the server's `simpleenroll`, and the certificates it answers (a certs-only PKCS#7) become the chain.
 *
 * The configured URL (PKI_EST_URL) may name:
 * - the server, e.g. `https://est.example` → `https://est.example/.well-known/est/simpleenroll`;
 * - its EST root or a CA label under it, e.g. `https://est.example/.well-known/est` or
 *   `https://est.example/.well-known/est/cpo` → that path + `/simpleenroll`;
 * - the operation itself, ending in `/simpleenroll` → used as it is.
 * A server that answers 202 (the request is pending, RFC 7030 4.2.3) is asked again after its Retry-After, a few
 * times and never after more than half a minute each; then the signing fails.
 */
import { excerpt, post, type PostAnswer } from './http-post.js';
import type { SignedCertificateType } from './settings.js';
import type { CertificateSigner, SignedChain, SigningRequest } from './signer.js';
import { x509 } from './x509.js';

export interface EstSettings {
  url: string;
  username: string | undefined;
  password: string | undefined;
  /** PEM of the CA(s) the server's TLS certificate chains to, when not the system's */
  ca: Buffer | undefined;
  types: SignedCertificateType[];
  timeoutMs: number;
}

const PENDING_RETRIES = 3;
const MAX_RETRY_AFTER_SECONDS = 30;

/** Where simpleenroll is, from the configured URL (see the header). */
export function simpleEnrollUrl(configured: string): string {
  const url = configured.replace(/\/+$/, '');
  if (/\/simpleenroll$/.test(url)) return url;
  if (/\/\.well-known\/est(\/[^/]+)?$/.test(url)) return `${url}/simpleenroll`;
  return `${url}/.well-known/est/simpleenroll`;
}

/** Seconds to wait from a Retry-After header: delta-seconds or an HTTP date. */
function retryAfterSeconds(header: string | undefined): number | undefined {
  if (!header) return undefined;
  if (/^\d+$/.test(header.trim())) return Number(header.trim());
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, Math.ceil((date - Date.now()) / 1000));
}

/** The PKCS#7 of a 200 answer: base64 as RFC 7030 sends it, or DER from servers that send it raw. */
function certificatesOfAnswer(answer: PostAnswer): x509.X509Certificate[] {
  const text = answer.body.toString('latin1').replace(/\s+/g, '');
  const base64 = /base64/i.test(String(answer.headers['content-transfer-encoding'] ?? '')) || /^[A-Za-z0-9+/]+={0,2}$/.test(text);
  const der = base64 ? Buffer.from(text, 'base64') : answer.body;
  try {
    return [...new x509.X509Certificates(der)];
  } catch {
    throw new Error(`the EST server's answer (${String(answer.headers['content-type'] ?? 'no content type')}) is not a PKCS#7 of certificates`);
  }
}

const isRoot = (certificate: x509.X509Certificate) => certificate.subject === certificate.issuer;

/** The certificate for the CSR's key, then its issuers up to (not including) a self-signed root. */
function chainFor(csr: x509.Pkcs10CertificateRequest, certificates: x509.X509Certificate[]): SignedChain {
  const key = Buffer.from(csr.publicKey.rawData);
  const leaf = certificates.find((certificate) => key.equals(Buffer.from(certificate.publicKey.rawData)));
  if (!leaf) throw new Error(`the EST server answered ${certificates.length} certificate(s), none for the CSR's key`);
  const chain = [leaf];
  for (let current = leaf; chain.length < certificates.length; ) {
    const issuer = certificates.find((candidate) => !chain.includes(candidate) && candidate.subject === current.issuer);
    if (!issuer || isRoot(issuer)) break;
    chain.push(issuer);
    current = issuer;
  }
  return { leaf, chainPem: chain.map((certificate) => certificate.toString('pem')).join('\n') + '\n' };
}

export class EstSigner implements CertificateSigner {
  readonly name = 'est';
  private readonly url: string;

  constructor(private readonly settings: EstSettings) {
    this.url = simpleEnrollUrl(settings.url);
  }

  async sign(request: SigningRequest): Promise<SignedChain> {
    const body = Buffer.from(request.csr.rawData).toString('base64').replace(/(.{64})/g, '$1\n');
    for (let attempt = 0; ; attempt += 1) {
      const answer = await this.enroll(body);
      if (answer.status === 200) return chainFor(request.csr, certificatesOfAnswer(answer));
      if (answer.status === 202) {
        const wait = retryAfterSeconds(answer.headers['retry-after'] as string | undefined);
        if (wait === undefined) throw new Error('the EST server answered 202 (pending) without a usable Retry-After');
        if (wait > MAX_RETRY_AFTER_SECONDS) throw new Error(`the EST server answered 202 (pending) and asks to come back after ${wait} s, more than the ${MAX_RETRY_AFTER_SECONDS} s Anode waits`);
        if (attempt >= PENDING_RETRIES) throw new Error(`the EST server still answered 202 (pending) after ${PENDING_RETRIES} retries`);
        await new Promise((resolve) => setTimeout(resolve, wait * 1000));
        continue;
      }
      throw new Error(`the EST server answered ${answer.status}${answer.body.length ? `: ${excerpt(answer.body)}` : ''}`);
    }
  }

  private enroll(body: string): Promise<PostAnswer> {
    const { username, password, ca, timeoutMs } = this.settings;
    const headers: Record<string, string> = { 'Content-Type': 'application/pkcs10', 'Content-Transfer-Encoding': 'base64', Accept: 'application/pkcs7-mime' };
    if (username !== undefined) headers.Authorization = `Basic ${Buffer.from(`${username}:${password ?? ''}`).toString('base64')}`;
    return post(this.url, { headers, body, timeoutMs, ca }).catch((error: unknown) => {
      throw new Error(`the EST server ${error instanceof Error ? error.message : String(error)}`);
    });
  }
}
