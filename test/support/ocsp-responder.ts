/**
 * An OCSP responder standing for a Mobility Operator's (an external party's): a root, a sub-CA, a delegated OCSP
 * signer and contract certificates made with the openssl command, and `openssl ocsp` answering from an index.txt in
 * which one certificate is valid (V) and one revoked (R); any other serial is unknown to it.
 *
 * `openssl ocsp -port` listens on every interface and cannot be bound to loopback, so the test serves HTTP itself
 * on 127.0.0.1 (port 0) and has openssl compute each answer from the request it received (`-reqin` / `-respout`,
 * the same responder code the `-port` mode runs). It also counts the requests, so a test can see what was asked.
 * Under a path with /tampered in it its answers have one byte of their signature changed; under /rogue they are signed by a
 * certificate of the sub-CA that is not an OCSP signer.
 */
import { execFile, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { BasicOCSPResponse, OCSPResponse } from '@peculiar/asn1-ocsp';
import { AsnConvert } from '@peculiar/asn1-schema';
import { OpensslWorkbench } from './openssl-csr.js';

const run = promisify(execFile);
const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
const EXTENSIONS = `[ca]
basicConstraints=critical,CA:TRUE
keyUsage=critical,keyCertSign,cRLSign
[ocsp]
basicConstraints=CA:FALSE
extendedKeyUsage=OCSPSigning
keyUsage=critical,digitalSignature
[rogue]
basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature
[leaf]
basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature
`;

/** OpenSSL index.txt time: YYMMDDHHMMSSZ. */
const indexTime = (date: Date) => date.toISOString().replace(/^\d\d(\d\d)-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d).*$/, '$1$2$3$4$5$6Z');

export interface ContractCertificate {
  serial: string;
  pem: string;
}

/** The DER with the last byte of its BasicOCSPResponse's signature changed (an ECDSA integer's last byte: still DER). */
function withSignatureChanged(der: Buffer): Buffer {
  const response = AsnConvert.parse(der, OCSPResponse);
  const basic = AsnConvert.parse(response.responseBytes!.response.buffer, BasicOCSPResponse);
  const signature = Buffer.from(basic.signature);
  const at = der.indexOf(signature) + signature.length - 1;
  const changed = Buffer.from(der);
  changed[at] ^= 0x01;
  return changed;
}

/** The PEM with the last byte of its signature changed: it no longer verifies with its issuer's key. */
export function withBadSignature(pem: string): string {
  const der = Buffer.from(pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64');
  der[der.length - 1] ^= 0x01;
  const body = der.toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '');
  return `-----BEGIN CERTIFICATE-----\n${body}\n-----END CERTIFICATE-----\n`;
}

export class OcspLab {
  readonly openssl = new OpensslWorkbench();
  private server: Server | undefined;
  url = '';
  /** OCSP requests the responder received */
  requests = 0;
  rootPem = '';
  subCaPem = '';
  good!: ContractCertificate;
  revoked!: ContractCertificate;
  unknown!: ContractCertificate;
  expired!: ContractCertificate;

  async start(): Promise<void> {
    this.server = createServer((request, response) => {
      const parts: Buffer[] = [];
      request.on('data', (part: Buffer) => parts.push(part));
      request.on('end', () => {
        this.requests += 1;
        this.answer(Buffer.concat(parts), request.url ?? '/').then(
          (der) => response.writeHead(200, { 'Content-Type': 'application/ocsp-response' }).end(der),
          () => response.writeHead(500).end(),
        );
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/ocsp`;
    this.makeCertificates();
  }

  private makeCertificates(): void {
    const o = this.openssl;
    o.file('ext.cnf', `${EXTENSIONS}authorityInfoAccess=OCSP;URI:${this.url}\n`);
    const sign = (name: string, ca: string, serial: string, section: string, days = 30) =>
      o.run(['x509', '-req', '-in', `${name}.csr`, '-CA', `${ca}.crt`, '-CAkey', `${ca}.key`, '-set_serial', `0x${serial}`, '-days', String(days), '-extfile', 'ext.cnf', '-extensions', section, '-out', `${name}.crt`]);
    const request = (name: string, subject: string) => o.run(['req', '-new', ...EC, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subject]);

    o.run(['req', '-x509', ...EC, '-keyout', 'root.key', '-out', 'root.crt', '-subj', '/CN=Test MO Root', '-days', '30', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
    request('sub', '/CN=Test MO Sub-CA');
    sign('sub', 'root', '10', 'ca');
    request('ocsp', '/CN=Test MO OCSP Signer');
    sign('ocsp', 'sub', '20', 'ocsp');
    request('rogue', '/CN=Test MO Rogue Signer');
    sign('rogue', 'sub', '30', 'rogue');
    const contract = (serial: string, days = 30): ContractCertificate => {
      request(`contract-${serial}`, `/CN=EMAID${serial}`);
      sign(`contract-${serial}`, 'sub', serial, 'leaf', days);
      return { serial, pem: readFileSync(`${o.dir}/contract-${serial}.crt`, 'utf8') };
    };
    this.good = contract('1001');
    this.revoked = contract('1002');
    this.unknown = contract('1003');
    this.expired = contract('1004', -1);
    this.rootPem = readFileSync(`${o.dir}/root.crt`, 'utf8');
    this.subCaPem = readFileSync(`${o.dir}/sub.crt`, 'utf8');

    const expires = indexTime(new Date(Date.now() + 30 * 86_400_000));
    const revokedAt = indexTime(new Date(Date.now() - 86_400_000));
    o.file('index.txt', `V\t${expires}\t\t1001\tunknown\t/CN=EMAID1001\nR\t${expires}\t${revokedAt}\t1002\tunknown\t/CN=EMAID1002\n`);
    o.file('index.txt.attr', 'unique_subject = no\n');
  }

  /** PEM chain as a car presents it: the contract certificate, then the sub-CA (the root left out). */
  chain(certificate: ContractCertificate): string {
    return `${certificate.pem}${this.subCaPem}`;
  }

  private async answer(request: Buffer, path: string): Promise<Buffer> {
    const name = `request-${this.requests}`;
    writeFileSync(`${this.openssl.dir}/${name}.der`, request);
    const signer = path.includes('/rogue') ? 'rogue' : 'ocsp';
    const args = ['ocsp', '-index', 'index.txt', '-CA', 'sub.crt', '-rsigner', `${signer}.crt`, '-rkey', `${signer}.key`, '-ndays', '1', '-reqin', `${name}.der`, '-respout', `${name}.resp`];
    await run('openssl', args, { cwd: this.openssl.dir, timeout: 10_000 });
    const der = readFileSync(`${this.openssl.dir}/${name}.resp`);
    return path.includes('/tampered') ? withSignatureChanged(der) : der;
  }

  /** The certificate's OCSP hash data (SHA256) as openssl writes it into a request, the way a station computes it. */
  hashData(certificate: ContractCertificate): { hashAlgorithm: 'SHA256'; issuerNameHash: string; issuerKeyHash: string; serialNumber: string } {
    const name = `contract-${certificate.serial}`;
    this.openssl.run(['ocsp', '-sha256', '-issuer', 'sub.crt', '-cert', `${name}.crt`, '-no_nonce', '-reqout', `${name}.req`]);
    const text = this.openssl.run(['ocsp', '-reqin', `${name}.req`, '-req_text']);
    const field = (label: string) => text.match(new RegExp(`${label}: ([0-9A-F]+)`))![1].toLowerCase();
    return { hashAlgorithm: 'SHA256', issuerNameHash: field('Issuer Name Hash'), issuerKeyHash: field('Issuer Key Hash'), serialNumber: field('Serial Number') };
  }

  /** What an OCSPResponse (base64) says, as `openssl ocsp -resp_text` prints it, and whether its signature verifies up to the root. */
  readResult(ocspResult: string): string {
    const path = `${this.openssl.dir}/result-${this.requests}.der`;
    writeFileSync(path, Buffer.from(ocspResult, 'base64'));
    const result = spawnSync('openssl', ['ocsp', '-respin', path, '-resp_text', '-CAfile', 'root.crt', '-verify_other', 'sub.crt'], { cwd: this.openssl.dir, timeout: 10_000 });
    return `${result.stdout.toString('utf8')}${result.stderr.toString('utf8')}`;
  }

  /** Stops answering: the port closes, so a later request is refused. */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    await closed;
  }

  async remove(): Promise<void> {
    await this.stop();
    this.openssl.remove();
  }
}
