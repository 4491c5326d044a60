/**
 * How each OCPP version words the operator's certificate operations, and how the station's answer is read. OCPP 2.0.1
 * has the messages; OCPP 1.6 has them in its security extension for the CSMS and manufacturer roots, and carries the
 * 2.0.1 messages in Plug & Charge DataTransfer for the V2G types.
 */
import type { CertificateHashData, HashAlgorithm } from '../../domain/pki/hash-data.js';
import type { ReportedCertificate } from '../../domain/pki/inventory.js';
import type { OperationForm, StationAnswer } from './station-operation.js';

/** The vendorId of the OCA application note "Using ISO 15118 Plug & Charge with OCPP 1.6" (as in ocpp/v16/pnc-calls.ts). */
export const PNC_VENDOR_ID = 'org.openchargealliance.iso15118pnc';

/** The 2.0.1 names of the types the 1.6 security extension has, and its own names for them. */
export const SECURITY_EXTENSION_TYPES: Record<string, string | undefined> = {
  CSMSRootCertificate: 'CentralSystemRootCertificate',
  ManufacturerRootCertificate: 'ManufacturerRootCertificate',
};

/** Types that reach a 1.6 station only through Plug & Charge DataTransfer. */
export const V2G_TYPES = new Set(['V2GRootCertificate', 'MORootCertificate', 'V2GCertificateChain', 'V2GCertificate']);

const HASH_ALGORITHMS = new Set<string>(['SHA256', 'SHA384', 'SHA512']);

/** A certificate message on 1.6 through Plug & Charge: the 2.0.1 message and payload in a DataTransfer. */
export function pncForm(messageId: string, payload: Record<string, unknown>): OperationForm {
  return { action: 'DataTransfer', payload: { vendorId: PNC_VENDOR_ID, messageId, data: JSON.stringify(payload) } };
}

/** The station's answer to the certificate message, or why there is none. */
export type MessageAnswer = { payload: Record<string, unknown>; reason?: undefined } | { payload?: undefined; reason: string };

/** Reads the answer to the certificate message out of the call's answer (a DataTransfer's `data` on 1.6 Plug & Charge). */
export function messageAnswer(answer: StationAnswer, viaPnc: boolean): MessageAnswer {
  if (answer.status === 'CallError') return { reason: `the station answered with a CALLERROR: ${answer.errorCode ?? ''} ${answer.errorDescription ?? ''}`.trim() };
  const response = answer.response ?? {};
  if (!viaPnc) return { payload: response };
  if (response.status !== 'Accepted') return { reason: `the station answered the Plug & Charge DataTransfer ${String(response.status)}` };
  if (typeof response.data !== 'string') return { reason: "the station's Plug & Charge DataTransfer answer carries no data" };
  try {
    const parsed: unknown = JSON.parse(response.data);
    if (isObject(parsed)) return { payload: parsed };
  } catch {
    // reported below
  }
  return { reason: "the station's Plug & Charge DataTransfer answer is not a JSON object" };
}

/** The answer's `status` when it is one of `allowed`; else why it is not usable. */
export function statusOf(answer: MessageAnswer, allowed: readonly string[]): { status: string; reason?: undefined } | { status: null; reason: string } {
  if (answer.reason !== undefined) return { status: null, reason: answer.reason };
  const { status } = answer.payload;
  if (typeof status === 'string' && allowed.includes(status)) return { status };
  return { status: null, reason: `the station's answer carries no status of ${allowed.join(', ')}` };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Printable text of at most `maxLength` characters (what a station reports is kept, and shown). */
function text(value: unknown, maxLength: number): value is string {
  return typeof value === 'string' && value.length > 0 && value.length <= maxLength && /^[\x20-\x7e]+$/.test(value);
}

function hashDataOf(value: unknown): CertificateHashData | undefined {
  if (!isObject(value)) return undefined;
  const { hashAlgorithm, issuerNameHash, issuerKeyHash, serialNumber } = value;
  if (typeof hashAlgorithm !== 'string' || !HASH_ALGORITHMS.has(hashAlgorithm)) return undefined;
  if (!text(issuerNameHash, 128) || !text(issuerKeyHash, 128) || !text(serialNumber, 40)) return undefined;
  return { hashAlgorithm: hashAlgorithm as HashAlgorithm, issuerNameHash, issuerKeyHash, serialNumber };
}

/**
 * The certificates of a GetInstalledCertificateIds answer: 2.0.1's `certificateHashDataChain` (each with its type
 * and children), or the 1.6 security extension's `certificateHashData` (all of the one type asked for). Undefined
 * when an entry is not hash data (a DataTransfer's content is checked by no schema).
 */
export function reportedCertificates(payload: Record<string, unknown>, askedType: string | undefined): ReportedCertificate[] | undefined {
  if (askedType !== undefined) {
    const entries = payload.certificateHashData ?? [];
    if (!Array.isArray(entries)) return undefined;
    const hashData = entries.map(hashDataOf);
    return hashData.every((entry) => entry !== undefined) ? hashData.map((entry) => ({ certificateType: askedType, hashData: entry, children: [] })) : undefined;
  }
  const chains = payload.certificateHashDataChain ?? [];
  if (!Array.isArray(chains)) return undefined;
  const reported: ReportedCertificate[] = [];
  for (const chain of chains) {
    if (!isObject(chain) || !text(chain.certificateType, 64)) return undefined;
    const hashData = hashDataOf(chain.certificateHashData);
    const children = Array.isArray(chain.childCertificateHashData) ? chain.childCertificateHashData.map(hashDataOf) : chain.childCertificateHashData === undefined ? [] : [undefined];
    if (!hashData || !children.every((child) => child !== undefined)) return undefined;
    reported.push({ certificateType: chain.certificateType, hashData, children });
  }
  return reported;
}
