/**
 * Anode's certificate authorities: the CSMS CA that signs charging-station certificates (security profile 3) and
 * the V2G sub-CA that signs SECC certificates (ISO 15118). Each is the operator's, from PEM files, or Anode's own,
 * made once on first start and kept in the database with its private key sealed (key-secret.ts).
 */
import { createPrivateKey, createPublicKey, randomBytes } from 'node:crypto';
import { eq } from 'drizzle-orm';
import type { CaFiles, SignedCertificateType } from './settings.js';
import type { Database } from '../../db/client.js';
import { pkiAuthorities } from '../../db/schema.js';
import type { KeySealer } from './key-secret.js';
import { EC_P256, certificatesOf, subtle, toPem, x509, type CryptoKey, type CryptoKeyPair, type SigningAlgorithm } from './x509.js';

/** A CA that signs: its certificate, its key, and the certificates above it up to (not including) the root. */
export interface Issuer {
  certificate: x509.X509Certificate;
  key: CryptoKey;
  signingAlgorithm: SigningAlgorithm;
  /** intermediates between the issuer and the root, issuer's parent first */
  intermediates: x509.X509Certificate[];
  /** the self-signed root the chain ends in (the issuer itself when it is one) */
  root: x509.X509Certificate;
}

export interface AuthorityOptions {
  organization: string | undefined;
  csmsCa: CaFiles | undefined;
  v2gCa: CaFiles | undefined;
}

const YEAR_MS = 365 * 86_400_000;

export class CertificateAuthority {
  private constructor(private readonly issuers: Record<SignedCertificateType, Issuer>) {}

  /** Loads the configured CAs, or Anode's own, creating those on the first start. */
  static async load(db: Database, sealer: KeySealer, options: AuthorityOptions): Promise<CertificateAuthority> {
    const organization = options.organization ?? 'Anode';
    const csms = options.csmsCa
      ? await issuerFromFiles(options.csmsCa, 'PKI_CSMS_CA')
      : await ownIssuer(db, sealer, { name: 'csms', subject: `CN=Anode CSMS Root CA, O=${organization}` });
    const v2g = options.v2gCa
      ? await issuerFromFiles(options.v2gCa, 'PKI_V2G_CA')
      : await ownIssuer(db, sealer, {
          name: 'v2g-sub',
          subject: `CN=Anode CPO Sub-CA, O=${organization}, DC=CPO`,
          parent: { name: 'v2g-root', subject: `CN=Anode V2G Root CA, O=${organization}, DC=V2G` },
        });
    return new CertificateAuthority({ ChargingStationCertificate: csms, V2GCertificate: v2g });
  }

  issuer(type: SignedCertificateType): Issuer {
    return this.issuers[type];
  }

  /** The root certificates operators hand to station makers, so stations trust what Anode signs. */
  roots(): { csms: string; v2g: string } {
    return { csms: this.issuers.ChargingStationCertificate.root.toString('pem'), v2g: this.issuers.V2GCertificate.root.toString('pem') };
  }

  /** What a TLS server needs to verify station certificates the CSMS CA issued: the CA and the chain above it. */
  stationTrustPem(): string {
    const { certificate, intermediates, root } = this.issuers.ChargingStationCertificate;
    const all = [certificate, ...intermediates, root];
    return [...new Map(all.map((entry) => [entry.serialNumber + entry.subject, entry.toString('pem')])).values()].join('\n');
  }

  /**
   * Signs a certificate for the CSR's subject and key. Station certificates are for TLS clients, V2G certificates for
   * the SECC, which is the TLS server towards the car. Answers the chain stations are sent: leaf, then the issuer
   * when it is not the root, then its intermediates.
   */
  async sign(type: SignedCertificateType, csr: x509.Pkcs10CertificateRequest, days: number): Promise<{ leaf: x509.X509Certificate; chainPem: string }> {
    const issuer = this.issuers[type];
    const now = Date.now();
    const notAfter = new Date(Math.min(now + days * 86_400_000, issuer.certificate.notAfter.getTime()));
    const publicKey = await csr.publicKey.export();
    const ec = publicKey.algorithm.name === 'ECDSA';
    const usages = ec ? x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyAgreement : x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment;
    const leaf = await x509.X509CertificateGenerator.create({
      serialNumber: serialNumber(),
      subject: csr.subjectName,
      issuer: issuer.certificate.subjectName,
      notBefore: new Date(now - 5 * 60_000),
      notAfter,
      publicKey: csr.publicKey,
      signingKey: issuer.key,
      signingAlgorithm: issuer.signingAlgorithm,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(usages, true),
        new x509.ExtendedKeyUsageExtension([type === 'V2GCertificate' ? x509.ExtendedKeyUsage.serverAuth : x509.ExtendedKeyUsage.clientAuth]),
        await x509.SubjectKeyIdentifierExtension.create(publicKey),
        await x509.AuthorityKeyIdentifierExtension.create(issuer.certificate),
      ],
    });
    const above = issuer.certificate === issuer.root ? [] : [issuer.certificate, ...issuer.intermediates];
    return { leaf, chainPem: [leaf, ...above].map((certificate) => certificate.toString('pem')).join('\n') + '\n' };
  }
}

async function isSelfSigned(certificate: x509.X509Certificate): Promise<boolean> {
  return certificate.subject === certificate.issuer && (await certificate.isSelfSigned());
}

/** A positive 16-byte serial number (RFC 5280 allows up to 20 octets). */
function serialNumber(): string {
  const bytes = randomBytes(16);
  bytes[0] &= 0x7f;
  bytes[0] |= 0x01;
  return bytes.toString('hex');
}

/** The WebCrypto form of a PEM private key (PKCS#8, or the SEC1 / PKCS#1 forms openssl writes), with its algorithm. */
async function importPrivateKey(pem: string, what: string): Promise<{ key: CryptoKey; signingAlgorithm: SigningAlgorithm }> {
  let keyObject;
  try {
    keyObject = createPrivateKey(pem);
  } catch (error) {
    throw new Error(`${what}: not a PEM private key (${(error as Error).message})`);
  }
  const pkcs8 = keyObject.export({ format: 'der', type: 'pkcs8' });
  if (keyObject.asymmetricKeyType === 'ec') {
    const curve = { prime256v1: 'P-256', secp384r1: 'P-384' }[keyObject.asymmetricKeyDetails?.namedCurve ?? ''];
    if (!curve) throw new Error(`${what}: EC keys must be on P-256 or P-384`);
    const algorithm = { name: 'ECDSA', namedCurve: curve };
    const key = await subtle.importKey('pkcs8', pkcs8, algorithm, true, ['sign']);
    return { key, signingAlgorithm: { name: 'ECDSA', hash: curve === 'P-384' ? 'SHA-384' : 'SHA-256' } };
  }
  if (keyObject.asymmetricKeyType === 'rsa') {
    const algorithm = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' };
    return { key: await subtle.importKey('pkcs8', pkcs8, algorithm, true, ['sign']), signingAlgorithm: algorithm };
  }
  throw new Error(`${what}: the key must be RSA or EC, not ${keyObject.asymmetricKeyType}`);
}

async function issuerFromFiles(files: CaFiles, prefix: string): Promise<Issuer> {
  const [certificate] = certificatesOf(files.cert);
  if (!certificate) throw new Error(`${prefix}_CERT holds no PEM certificate`);
  const { key, signingAlgorithm } = await importPrivateKey(files.key, `${prefix}_KEY`);
  const certificateKey = createPublicKey(toPem(certificate.publicKey.rawData, 'PUBLIC KEY')).export({ format: 'der', type: 'spki' });
  const derivedKey = createPublicKey(createPrivateKey(files.key)).export({ format: 'der', type: 'spki' });
  if (!certificateKey.equals(derivedKey)) throw new Error(`${prefix}_KEY is not the key of ${prefix}_CERT`);
  const chain = files.chain ? certificatesOf(files.chain).filter((entry) => entry.serialNumber !== certificate.serialNumber || entry.subject !== certificate.subject) : [];
  const selfSigned = await isSelfSigned(certificate);
  const last = chain.at(-1);
  const root = selfSigned ? certificate : last && (await isSelfSigned(last)) ? last : (last ?? certificate);
  const intermediates = selfSigned ? [] : chain.filter((entry) => entry !== root);
  return { certificate, key, signingAlgorithm, intermediates, root };
}

interface OwnCa {
  name: string;
  subject: string;
  parent?: { name: string; subject: string };
}

/** Anode's own CA by this name: read back, or made and stored (the first node to store it wins). */
async function ownIssuer(db: Database, sealer: KeySealer, ca: OwnCa): Promise<Issuer> {
  const parent = ca.parent ? await ownIssuer(db, sealer, { name: ca.parent.name, subject: ca.parent.subject }) : undefined;
  const stored = await readOwn(db, sealer, ca.name);
  if (stored) return { ...stored, intermediates: parent ? parent.intermediates.concat(parent.certificate === parent.root ? [] : [parent.certificate]) : [], root: parent?.root ?? stored.certificate };
  const keys = (await subtle.generateKey(EC_P256, true, ['sign', 'verify'])) as CryptoKeyPair;
  const now = Date.now();
  const extensions = [
    new x509.BasicConstraintsExtension(true, parent ? 0 : 1, true),
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
    await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
  ];
  const certificate = parent
    ? await x509.X509CertificateGenerator.create({
        serialNumber: serialNumber(),
        subject: ca.subject,
        issuer: parent.certificate.subjectName,
        notBefore: new Date(now - 5 * 60_000),
        notAfter: new Date(Math.min(now + 10 * YEAR_MS, parent.certificate.notAfter.getTime())),
        publicKey: keys.publicKey,
        signingKey: parent.key,
        signingAlgorithm: parent.signingAlgorithm,
        extensions: [...extensions, await x509.AuthorityKeyIdentifierExtension.create(parent.certificate)],
      })
    : await x509.X509CertificateGenerator.createSelfSigned({
        serialNumber: serialNumber(),
        name: ca.subject,
        notBefore: new Date(now - 5 * 60_000),
        notAfter: new Date(now + 20 * YEAR_MS),
        keys,
        signingAlgorithm: EC_P256,
        extensions,
      });
  const pkcs8 = Buffer.from(await subtle.exportKey('pkcs8', keys.privateKey));
  await db
    .insert(pkiAuthorities)
    .values({ name: ca.name, certificate: certificate.toString('pem'), encryptedKey: sealer.seal(toPem(pkcs8, 'PRIVATE KEY')) })
    .onConflictDoNothing();
  // Another node may have stored its own first: everyone uses the stored one.
  return ownIssuer(db, sealer, ca);
}

async function readOwn(db: Database, sealer: KeySealer, name: string): Promise<Omit<Issuer, 'intermediates' | 'root'> | undefined> {
  const [row] = await db.select().from(pkiAuthorities).where(eq(pkiAuthorities.name, name));
  if (!row) return undefined;
  const [certificate] = certificatesOf(row.certificate);
  const { key, signingAlgorithm } = await importPrivateKey(sealer.open(row.encryptedKey), `the stored ${name} CA key`);
  return { certificate, key, signingAlgorithm };
}
