/**
 * Station client certificates that a load balancer ending TLS in front of Anode passes on in a header (TLS offload).
 * The header is believed only from the configured proxies' addresses; from any other peer it is ignored. It carries
 * either the URL-encoded PEM (nginx's `$ssl_client_escaped_cert`, AWS ALB, HAProxy) or Envoy's
 * `x-forwarded-client-cert` form `By=…;Hash=…;Cert="<URL-encoded PEM>";…`. A certificate is trusted when the operator
 * uploaded it (its base64 SHA-256), or when it chains to TLS_CLIENT_CA or to Anode's CSMS CA.
 */
import { X509Certificate } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { BlockList, isIP } from 'node:net';
import { certificateHash } from '../domain/certificates.js';
import type { Domain } from '../domain/index.js';

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----([A-Za-z0-9+/=\s]+?)-----END CERTIFICATE-----/g;
const CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';
/** A chain longer than this (leaf, intermediates, root) is not followed. */
const MAX_CHAIN = 6;

export interface ForwardedCertificateSettings {
  /** addresses or IPv4 CIDR ranges of the proxies whose header is believed */
  trustedProxies: string[];
  /** the header's name, lower case */
  header: string;
  /** PEM certificates a forwarded certificate may chain to (TLS_CLIENT_CA, Anode's CSMS CA and the chain above it) */
  trustedCas: string[];
  /** whether the operator uploaded the certificate with this base64 SHA-256 of its DER */
  isUploaded(hash: string): Promise<boolean>;
}

/** Whether a station is admitted, and why not. */
export type AuthVerdict = { ok: true } | { ok: false; reason: string };

const fail = (reason: string): AuthVerdict => ({ ok: false, reason });

/** The peer's address, an IPv4-mapped IPv6 address written as IPv4. */
export function peerAddress(request: IncomingMessage): string {
  const address = request.socket.remoteAddress ?? '';
  return address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
}

/** Every certificate of a PEM text, in order. */
export function pemCertificates(text: string): X509Certificate[] {
  return [...text.matchAll(PEM_CERTIFICATE)].map((match) => new X509Certificate(Buffer.from(match[1].replace(/\s+/g, ''), 'base64')));
}

/** The fields of each element of an XFCC header: elements split on commas, fields on semicolons, outside quotes. */
export function xfccElements(value: string): Array<Record<string, string>> {
  const elements: Array<Record<string, string>> = [];
  let fields: Record<string, string> = {};
  let token = '';
  let quoted = false;
  const endField = () => {
    const equals = token.indexOf('=');
    if (equals > 0) fields[token.slice(0, equals).trim().toLowerCase()] = token.slice(equals + 1).trim();
    token = '';
  };
  for (let index = 0; index < value.length; index += 1) {
    const char = value[index];
    if (quoted && char === '\\' && index + 1 < value.length) token += value[++index];
    else if (char === '"') quoted = !quoted;
    else if (!quoted && char === ';') endField();
    else if (!quoted && char === ',') {
      endField();
      elements.push(fields);
      fields = {};
    } else token += char;
  }
  endField();
  elements.push(fields);
  return elements.filter((element) => Object.keys(element).length > 0);
}

/**
 * The PEM text of the certificate in the header: URL-encoded PEM as it stands, or the `Cert` of the last XFCC element
 * that has one (each proxy appends its element; the last is the one the trusted proxy added).
 */
export function forwardedPem(value: string): string | undefined {
  const trimmed = value.trim();
  const encoded = /^(-----BEGIN|%2D%2D%2D%2D%2DBEGIN)/i.test(trimmed)
    ? trimmed
    : xfccElements(trimmed).reverse().find((element) => element.cert)?.cert;
  if (!encoded) return undefined;
  try {
    return decodeURIComponent(encoded);
  } catch {
    return undefined;
  }
}

/** The names a certificate gives its holder: the subject's CNs and its DNS, URI and email subject alternative names. */
export function namesOf(commonNames: string[], subjectAltName: string | undefined): string[] {
  const names = [...commonNames];
  for (const entry of (subjectAltName ?? '').split(',')) {
    const [, value] = /^\s*(?:DNS|URI|email):(.+)$/.exec(entry) ?? [];
    if (value) names.push(value.trim());
  }
  return names;
}

function commonNamesOf(certificate: X509Certificate): string[] {
  return certificate.subject
    .split('\n')
    .filter((line) => line.startsWith('CN='))
    .map((line) => line.slice(3));
}

function isCurrent(certificate: X509Certificate, now: number): boolean {
  return Date.parse(certificate.validFrom) <= now && now <= Date.parse(certificate.validTo);
}

export class ForwardedCertificates {
  private readonly proxies = new BlockList();
  private readonly cas: X509Certificate[];

  constructor(private readonly settings: ForwardedCertificateSettings) {
    for (const entry of settings.trustedProxies) {
      const [address, bits] = entry.split('/');
      const family = isIP(address) === 6 ? 'ipv6' : 'ipv4';
      if (bits === undefined) this.proxies.addAddress(address, family);
      else this.proxies.addSubnet(address, Number(bits), family);
    }
    this.cas = settings.trustedCas.flatMap(pemCertificates).filter((certificate) => certificate.ca);
  }

  /** The header, when the request comes from a trusted proxy and carries it; otherwise undefined (it is ignored). */
  headerOf(request: IncomingMessage): string | undefined {
    if (this.settings.trustedProxies.length === 0) return undefined;
    const value = request.headers[this.settings.header];
    if (value === undefined) return undefined;
    const address = peerAddress(request);
    if (!this.proxies.check(address, isIP(address) === 6 ? 'ipv6' : 'ipv4')) return undefined;
    return Array.isArray(value) ? value.join(',') : value;
  }

  /** Whether the request comes from a trusted proxy (which ended the station's TLS). */
  fromTrustedProxy(request: IncomingMessage): boolean {
    const address = peerAddress(request);
    return this.settings.trustedProxies.length > 0 && this.proxies.check(address, isIP(address) === 6 ? 'ipv6' : 'ipv4');
  }

  /** Admits the station when the forwarded certificate is current, names it, and was uploaded or chains to a trusted CA. */
  async verify(header: string, stationId: string): Promise<AuthVerdict> {
    const pem = forwardedPem(header);
    if (!pem) return fail('forwarded client certificate header holds no certificate');
    let certificate: X509Certificate;
    try {
      [certificate] = pemCertificates(pem);
    } catch {
      return fail('forwarded client certificate is not a valid X.509 certificate');
    }
    if (!certificate) return fail('forwarded client certificate header holds no PEM certificate');
    const now = Date.now();
    if (!isCurrent(certificate, now)) return fail('forwarded client certificate is outside its validity period');
    if (certificate.keyUsage && !certificate.keyUsage.includes(CLIENT_AUTH)) return fail('forwarded client certificate is not for TLS clients');
    if (!namesOf(commonNamesOf(certificate), certificate.subjectAltName).includes(stationId)) return fail('forwarded client certificate does not name this station');
    if (await this.settings.isUploaded(certificateHash(certificate.raw))) return { ok: true };
    return this.chainsToTrustedCa(certificate, now) ? { ok: true } : fail('forwarded client certificate is neither uploaded nor issued by a trusted CA');
  }

  /** Follows issuers among the trusted CAs up to a self-signed one, each signature verified and each CA current. */
  private chainsToTrustedCa(leaf: X509Certificate, now: number): boolean {
    let current = leaf;
    for (let depth = 0; depth < MAX_CHAIN; depth += 1) {
      const issuer = this.cas.find((ca) => current.checkIssued(ca) && isCurrent(ca, now) && current.verify(ca.publicKey));
      if (!issuer) return false;
      if (issuer.checkIssued(issuer)) return true;
      current = issuer;
    }
    return false;
  }
}

/** What TLS_TRUSTED_PROXIES, TLS_CLIENT_CERT_HEADER and TLS_CLIENT_CA configure; none without trusted proxies. */
export function forwardedCertificates(
  offload: { trustedProxies: string[]; header: string; clientCa: Buffer | undefined },
  domain: Pick<Domain, 'pki' | 'certificates'>,
): ForwardedCertificates | undefined {
  if (offload.trustedProxies.length === 0) return undefined;
  return new ForwardedCertificates({
    trustedProxies: offload.trustedProxies,
    header: offload.header,
    trustedCas: [...(offload.clientCa ? [offload.clientCa.toString('utf8')] : []), domain.pki.authority.stationTrustPem()],
    isUploaded: (hash) => domain.certificates.isUploaded(hash),
  });
}
