/** Environment → the certificate authority's configuration, and the TLS offload settings that trust it. */
import { isIP } from 'node:net';
import { resolve } from 'node:path';
import { ConfigError, type Env, readFile, integer } from './config-values.js';
import type { CaFiles, PkiConfig, SignedCertificateType } from './domain/pki/settings.js';

export type { PkiConfig } from './domain/pki/settings.js';

/** TLS ended by a load balancer in front of Anode: the client certificate it saw comes in a header. */
export interface TlsOffloadConfig {
  /** addresses (or IPv4 CIDR ranges) of the proxies whose client-certificate header is believed */
  trustedProxies: string[];
  /** the header (lower case) carrying the client certificate, URL-encoded PEM or Envoy's XFCC */
  header: string;
  /** TLS_CLIENT_CA: besides Anode's CSMS CA, the CA a forwarded certificate may chain to */
  clientCa: Buffer | undefined;
}

function caFiles(env: Env, prefix: string): CaFiles | undefined {
  const cert = readFile(env, `${prefix}_CERT`);
  const key = readFile(env, `${prefix}_KEY`);
  if (!cert && !key) return undefined;
  if (!cert || !key) throw new ConfigError(`${prefix}_CERT and ${prefix}_KEY go together`);
  const chain = readFile(env, `${prefix}_CHAIN`);
  return { cert: cert.toString('utf8'), key: key.toString('utf8'), chain: chain?.toString('utf8') };
}

function httpUrl(env: Env, name: string): string | undefined {
  const raw = env[name];
  if (!raw) return undefined;
  if (!/^https?:\/\/[^/]+/.test(raw)) throw new ConfigError(`${name} must be an http(s) URL, got "${raw}"`);
  return raw.replace(/\/+$/, '');
}

const SIGNED_TYPES: SignedCertificateType[] = ['ChargingStationCertificate', 'V2GCertificate'];

function estTypes(env: Env): SignedCertificateType[] {
  const raw = env.PKI_EST_CERTIFICATE_TYPES || 'V2GCertificate';
  const types = raw.split(',').map((type) => type.trim()) as SignedCertificateType[];
  for (const type of types) {
    if (!SIGNED_TYPES.includes(type)) throw new ConfigError(`PKI_EST_CERTIFICATE_TYPES lists ${SIGNED_TYPES.join(' and/or ')}, got "${type}"`);
  }
  return types;
}

export function loadPkiConfig(env: Env): PkiConfig {
  const dataDir = env.ANODE_DATA_DIR || './.anode';
  const estUrl = httpUrl(env, 'PKI_EST_URL');
  const providerUrl = httpUrl(env, 'PKI_CONTRACT_PROVIDER_URL');
  const keySecret = env.PKI_KEY_SECRET || undefined;
  if (keySecret !== undefined && keySecret.length < 16) throw new ConfigError('PKI_KEY_SECRET must be at least 16 characters');
  return {
    csmsCa: caFiles(env, 'PKI_CSMS_CA'),
    v2gCa: caFiles(env, 'PKI_V2G_CA'),
    keySecret,
    keySecretFile: dataDir.startsWith('memory://') ? undefined : resolve(dataDir, 'pki-secret'),
    organization: env.PKI_ORGANIZATION || undefined,
    certificateDays: integer(env, 'PKI_CERTIFICATE_DAYS', 365, 1, 3650),
    renewBeforeDays: integer(env, 'PKI_RENEW_BEFORE_DAYS', 30, 0, 3650),
    renewSweepSeconds: integer(env, 'PKI_RENEW_SWEEP_SECONDS', 3600, 1, 86400),
    est: estUrl
      ? {
          url: estUrl,
          username: env.PKI_EST_USERNAME || undefined,
          password: env.PKI_EST_PASSWORD || undefined,
          ca: readFile(env, 'PKI_EST_CA'),
          types: estTypes(env),
          timeoutMs: integer(env, 'PKI_EST_TIMEOUT_MS', 30_000, 100, 120_000),
        }
      : undefined,
    contractProvider: providerUrl
      ? { url: providerUrl, token: env.PKI_CONTRACT_PROVIDER_TOKEN || undefined, timeoutMs: integer(env, 'PKI_CONTRACT_PROVIDER_TIMEOUT_MS', 10_000, 100, 60_000) }
      : undefined,
    ocsp: {
      timeoutMs: integer(env, 'PKI_OCSP_TIMEOUT_MS', 5000, 100, 60_000),
      maxCacheSeconds: integer(env, 'PKI_OCSP_MAX_CACHE_SECONDS', 3600, 0, 7 * 86400),
    },
  };
}

function proxyEntry(entry: string): string {
  const [address, bits, ...rest] = entry.split('/');
  const valid = rest.length === 0 && isIP(address) !== 0 && (bits === undefined || (isIP(address) === 4 && /^\d+$/.test(bits) && Number(bits) <= 32));
  if (!valid) throw new ConfigError(`TLS_TRUSTED_PROXIES lists IP addresses or IPv4 CIDR ranges, got "${entry}"`);
  return entry;
}

export function loadTlsOffloadConfig(env: Env): TlsOffloadConfig {
  const trustedProxies = (env.TLS_TRUSTED_PROXIES || '')
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean)
    .map(proxyEntry);
  const header = (env.TLS_CLIENT_CERT_HEADER || 'x-forwarded-client-cert').toLowerCase();
  if (!/^[a-z0-9-]+$/.test(header)) throw new ConfigError(`TLS_CLIENT_CERT_HEADER must be a header name, got "${header}"`);
  return { trustedProxies, header, clientCa: readFile(env, 'TLS_CLIENT_CA') };
}
