/**
 * The checks a station's certificate signing request passes before Anode signs it: a PKCS#10 request whose
 * signature holds, whose CN is the station's id (and O the operator's, when one is configured), over an RSA key of
 * at least 2048 bits or an EC key on P-256 or P-384.
 */
import { createPublicKey } from 'node:crypto';
import { pemBlocks, x509 } from './x509.js';

export type CsrVerdict = { ok: true; csr: x509.Pkcs10CertificateRequest } | { ok: false; reason: string };

const CURVES = new Set(['prime256v1', 'secp384r1']);

/** The request's DER: PEM (either label), or bare base64 as some stations send it. */
function csrDer(text: string): Buffer | undefined {
  const [pem] = [...pemBlocks(text, 'CERTIFICATE REQUEST'), ...pemBlocks(text, 'NEW CERTIFICATE REQUEST')];
  if (pem) return pem;
  const bare = text.replace(/\\n/g, '').replace(/\s+/g, '');
  return /^[A-Za-z0-9+/]+={0,2}$/.test(bare) ? Buffer.from(bare, 'base64') : undefined;
}

function keyProblem(csr: x509.Pkcs10CertificateRequest): string | undefined {
  let key;
  try {
    key = createPublicKey({ key: Buffer.from(csr.publicKey.rawData), format: 'der', type: 'spki' });
  } catch {
    return 'its public key cannot be read';
  }
  if (key.asymmetricKeyType === 'rsa') {
    const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
    return bits >= 2048 ? undefined : `its RSA key has ${bits} bits; at least 2048 are required`;
  }
  if (key.asymmetricKeyType === 'ec') {
    const curve = key.asymmetricKeyDetails?.namedCurve ?? 'unknown';
    return CURVES.has(curve) ? undefined : `its EC key is on ${curve}; P-256 or P-384 is required`;
  }
  return `its key is ${key.asymmetricKeyType ?? 'of an unknown type'}; RSA or EC is required`;
}

/** EVSE ids are written with and without their `*` separators (ISO 15118-2 allows both). */
const comparable = (name: string) => name.replace(/\*/g, '').toUpperCase();

/** `commonNames`: the names the CN may be (the station id; for an SECC certificate, also its EVSE ids). */
export async function inspectCsr(text: string, expected: { commonNames: string[]; organization: string | undefined }): Promise<CsrVerdict> {
  const der = csrDer(text);
  if (!der) return { ok: false, reason: 'the CSR is not a PEM or base64 PKCS#10 request' };
  let csr: x509.Pkcs10CertificateRequest;
  try {
    csr = new x509.Pkcs10CertificateRequest(der);
  } catch {
    return { ok: false, reason: 'the CSR is not a valid PKCS#10 request' };
  }
  const problem = keyProblem(csr);
  if (problem) return { ok: false, reason: `the CSR is refused: ${problem}` };
  let signed = false;
  try {
    signed = await csr.verify();
  } catch {
    signed = false;
  }
  if (!signed) return { ok: false, reason: 'the CSR is refused: its signature does not verify with its public key' };
  const commonNames = csr.subjectName.getField('CN');
  const [stationId, ...evseIds] = expected.commonNames;
  const allowed = new Set([stationId, ...evseIds.map(comparable)]);
  if (commonNames.length !== 1 || !(allowed.has(commonNames[0]) || (evseIds.length > 0 && allowed.has(comparable(commonNames[0]))))) {
    const what = evseIds.length > 0 ? `the station id "${stationId}" or one of its EVSE ids` : `the station id "${stationId}"`;
    return { ok: false, reason: `the CSR is refused: its CN is ${commonNames.length ? `"${commonNames.join('", "')}"` : 'missing'}, not ${what}` };
  }
  if (expected.organization !== undefined) {
    const organizations = csr.subjectName.getField('O');
    if (organizations.length !== 1 || organizations[0] !== expected.organization) {
      return { ok: false, reason: `the CSR is refused: its O is ${organizations.length ? `"${organizations.join('", "')}"` : 'missing'}, not "${expected.organization}"` };
    }
  }
  return { ok: true, csr };
}
