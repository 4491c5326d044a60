/** The PKI's key sealing and its configuration: pure parts, no server. */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';
import { KeySealer, KeySecretError } from '../../src/domain/pki/key-secret.js';

const dir = mkdtempSync(join(tmpdir(), 'anode-pki-secret-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("the CA keys are sealed at rest with the PKI key secret", () => {
  it('a sealed key opens with the same secret, and is not readable in what is stored', () => {
    const sealed = new KeySealer('a-secret-of-sixteen+').seal('-----BEGIN PRIVATE KEY-----\nabc\n-----END PRIVATE KEY-----\n');
    expect(sealed).not.toContain('PRIVATE KEY');
    expect(new KeySealer('a-secret-of-sixteen+').open(sealed)).toContain('PRIVATE KEY');
  });

  it('another secret cannot open it, and says so', () => {
    const sealed = new KeySealer('a-secret-of-sixteen+').seal('key');
    expect(() => new KeySealer('another-secret-entirely').open(sealed)).toThrow(KeySecretError);
  });

  it('without PKI_KEY_SECRET, a secret file is made once (mode 0600) and every process that starts there reads the same', () => {
    const file = join(dir, 'data', 'pki-secret');
    const sealed = KeySealer.from(undefined, file).seal('key');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(KeySealer.from(undefined, file).open(sealed)).toBe('key');
  });
});

describe('PKI configuration is checked at start', () => {
  it.each([
    [{ PKI_KEY_SECRET: 'short' }, /PKI_KEY_SECRET must be at least 16/],
    [{ TLS_TRUSTED_PROXIES: '10.0.0.1,not-an-address' }, /TLS_TRUSTED_PROXIES/],
    [{ TLS_TRUSTED_PROXIES: '10.0.0.0/33' }, /TLS_TRUSTED_PROXIES/],
    [{ PKI_EST_URL: 'ftp://est.example' }, /PKI_EST_URL must be an http\(s\) URL/],
    [{ PKI_EST_URL: 'https://est.example', PKI_EST_CERTIFICATE_TYPES: 'MORootCertificate' }, /PKI_EST_CERTIFICATE_TYPES/],
    [{ PKI_CSMS_CA_CERT: '/nonexistent/ca.pem', PKI_CSMS_CA_KEY: '/nonexistent/ca.key' }, /cannot read/],
    [{ PKI_RENEW_BEFORE_DAYS: '-1' }, /PKI_RENEW_BEFORE_DAYS/],
  ])('%j is refused', (env, message) => {
    expect(() => loadConfig({ ANODE_DATA_DIR: 'memory://', ...env })).toThrow(ConfigError);
    expect(() => loadConfig({ ANODE_DATA_DIR: 'memory://', ...env })).toThrow(message);
  });

  it('reads trusted proxies, the client-certificate header and the EST settings', () => {
    const config = loadConfig({
      ANODE_DATA_DIR: 'memory://',
      TLS_TRUSTED_PROXIES: '10.0.0.1, 192.168.0.0/16',
      TLS_CLIENT_CERT_HEADER: 'X-Client-Cert',
      PKI_EST_URL: 'https://est.example/',
      PKI_EST_CERTIFICATE_TYPES: 'V2GCertificate,ChargingStationCertificate',
    });
    expect(config.tlsOffload).toEqual({ trustedProxies: ['10.0.0.1', '192.168.0.0/16'], header: 'x-client-cert' });
    expect(config.pki.est).toMatchObject({ url: 'https://est.example', types: ['V2GCertificate', 'ChargingStationCertificate'] });
    expect(config.pki.keySecretFile).toBeUndefined();
  });
});
