/** Throw-away test PKI made with the openssl command: a CA, a server certificate, station client certificates. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface KeyPair {
  cert: string;
  key: string;
  certPath: string;
  keyPath: string;
}

export interface TestPki {
  dir: string;
  ca: KeyPair;
  server: KeyPair;
  /** a client certificate signed by the CA, with this common name and optional DNS subject alternative names */
  client(commonName: string, altNames?: string[]): KeyPair;
  /** a client certificate from an unrelated, self-signed issuer */
  stranger(commonName: string): KeyPair;
  remove(): void;
}

const openssl = (dir: string, args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
const newKey = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

function pair(dir: string, name: string): KeyPair {
  const certPath = join(dir, `${name}.pem`);
  const keyPath = join(dir, `${name}.key`);
  return { cert: readFileSync(certPath, 'utf8'), key: readFileSync(keyPath, 'utf8'), certPath, keyPath };
}

function signed(dir: string, name: string, subject: string, extensions: string): KeyPair {
  openssl(dir, ['req', ...newKey, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subject]);
  writeFileSync(join(dir, `${name}.ext`), extensions);
  openssl(dir, ['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${name}.pem`, '-days', '2', '-extfile', `${name}.ext`]);
  return pair(dir, name);
}

export function createTestPki(): TestPki {
  const dir = mkdtempSync(join(tmpdir(), 'anode-pki-'));
  openssl(dir, ['req', '-x509', ...newKey, '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=Anode Test CA']);
  const server = signed(dir, 'server', '/CN=localhost', 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
  let serial = 0;
  return {
    dir,
    ca: pair(dir, 'ca'),
    server,
    client: (commonName, altNames = []) => {
      serial += 1;
      const san = altNames.length > 0 ? `subjectAltName=${altNames.map((name) => `DNS:${name}`).join(',')}\n` : '';
      return signed(dir, `client-${serial}`, `/CN=${commonName}`, `${san}extendedKeyUsage=clientAuth\n`);
    },
    stranger: (commonName) => {
      serial += 1;
      const name = `stranger-${serial}`;
      openssl(dir, ['req', '-x509', ...newKey, '-keyout', `${name}.key`, '-out', `${name}.pem`, '-days', '2', '-subj', `/CN=${commonName}`]);
      return pair(dir, name);
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
