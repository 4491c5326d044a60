/** Keys, CSRs and chain checks made with the openssl command, as a station maker's tooling would. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export type KeyKind = 'ec-p256' | 'ec-p384' | 'rsa-2048' | 'rsa-1024' | 'ec-p521';

const KEY_ARGS: Record<KeyKind, string[]> = {
  'ec-p256': ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1'],
  'ec-p384': ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:secp384r1'],
  'ec-p521': ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:secp521r1'],
  'rsa-2048': ['-newkey', 'rsa:2048'],
  'rsa-1024': ['-newkey', 'rsa:1024'],
};

export interface StationKey {
  keyPath: string;
  key: string;
  csr: string;
  csrPath: string;
}

export class OpensslWorkbench {
  readonly dir = mkdtempSync(join(tmpdir(), 'anode-csr-'));
  private count = 0;

  run(args: string[], input?: string): string {
    return execFileSync('openssl', args, { cwd: this.dir, stdio: 'pipe', ...(input !== undefined && { input }) }).toString('utf8');
  }

  file(name: string, content: string): string {
    const path = join(this.dir, name);
    writeFileSync(path, content);
    return path;
  }

  /** A new key and a CSR for it with this subject, e.g. `/CN=CS-1/O=Anode`. */
  csr(subject: string, kind: KeyKind = 'ec-p256'): StationKey {
    this.count += 1;
    const name = `station-${this.count}`;
    this.run(['req', '-new', ...KEY_ARGS[kind], '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subject]);
    return { keyPath: join(this.dir, `${name}.key`), key: readFileSync(join(this.dir, `${name}.key`), 'utf8'), csr: readFileSync(join(this.dir, `${name}.csr`), 'utf8'), csrPath: join(this.dir, `${name}.csr`) };
  }

  /** The same CSR with one byte of its signature changed: it no longer verifies. */
  tampered(csrPem: string): string {
    const der = Buffer.from(csrPem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64');
    der[der.length - 5] ^= 0xff;
    const body = der.toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '');
    return `-----BEGIN CERTIFICATE REQUEST-----\n${body}\n-----END CERTIFICATE REQUEST-----\n`;
  }

  /** `openssl verify` of the chain's leaf against the root, the chain's other certificates as intermediates. */
  verify(rootPem: string, chainPem: string): string {
    const blocks = chainPem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
    this.count += 1;
    const root = this.file(`root-${this.count}.pem`, rootPem);
    const leaf = this.file(`leaf-${this.count}.pem`, `${blocks[0]}\n`);
    const rest = blocks.slice(1);
    const untrusted = rest.length ? ['-untrusted', this.file(`chain-${this.count}.pem`, rest.join('\n') + '\n')] : [];
    return this.run(['verify', '-CAfile', root, ...untrusted, leaf]).trim();
  }

  /** A field of the leaf: `-subject`, `-pubkey`, `-enddate`, … */
  leafField(chainPem: string, ...options: string[]): string {
    const [leaf] = chainPem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/) ?? [''];
    return this.run(['x509', '-noout', ...options], `${leaf}\n`).trim();
  }

  /** The public key of a private key file, PEM. */
  publicKeyOf(keyPath: string): string {
    return this.run(['pkey', '-in', keyPath, '-pubout']).trim();
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
