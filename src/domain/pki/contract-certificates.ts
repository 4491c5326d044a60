/**
 * ISO 15118 contract certificates: a car's certificate installation or update request (EXI, base64) is forwarded to a
 * contract-certificate provider and its answer handed back as it came.
 *
 * The provider (PKI_CONTRACT_PROVIDER_URL) is called in the manner of an OPCP contract-certificate pool:
 *   POST <url>   Authorization: Bearer <PKI_CONTRACT_PROVIDER_TOKEN> (when set)   Content-Type: application/json
 *   { "exiRequest": "<base64>", "iso15118SchemaVersion": "urn:iso:15118:2:2013:MsgDef", "action": "Install" | "Update",
 *     "stationId": "<charge station id>" }
 * and answers 200 with { "status": "Accepted" | "Failed", "exiResponse": "<base64>", "reason"?: "<text>" }.
 * Anything else (no answer within PKI_CONTRACT_PROVIDER_TIMEOUT_MS, another status, a body of another shape) is
 * Failed with the reason. Every request is kept as the station's event `EvCertificateRequest`, with its answer.
 */
import type { StationEvents } from '../station-events.js';
import { excerpt, post } from './http-post.js';

export interface EvCertificateRequest {
  stationId: string;
  iso15118SchemaVersion: string;
  action: 'Install' | 'Update';
  exiRequest: string;
}

export interface EvCertificateAnswer {
  status: 'Accepted' | 'Failed';
  exiResponse: string;
  /** why it failed, for the station's statusInfo and the operator */
  reason?: string;
  /** false when no provider is configured */
  provided: boolean;
}

export interface ContractProviderSettings {
  url: string;
  token: string | undefined;
  timeoutMs: number;
}

/** The station event each request is kept as. */
export const EV_CERTIFICATE_EVENT = 'EvCertificateRequest';

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

function answerOf(status: number, body: Buffer): Omit<EvCertificateAnswer, 'provided'> {
  const failed = (reason: string) => ({ status: 'Failed' as const, exiResponse: '', reason });
  if (status !== 200) return failed(`the contract-certificate provider answered ${status}${body.length ? `: ${excerpt(body)}` : ''}`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    return failed(`the contract-certificate provider's answer is not JSON: ${excerpt(body)}`);
  }
  const { status: answered, exiResponse, reason } = (typeof parsed === 'object' && parsed !== null ? parsed : {}) as Record<string, unknown>;
  if ((answered !== 'Accepted' && answered !== 'Failed') || typeof exiResponse !== 'string' || !BASE64.test(exiResponse)) {
    return failed(`the contract-certificate provider's answer is not { status: Accepted | Failed, exiResponse: base64 }: ${excerpt(body)}`);
  }
  if (answered === 'Failed') {
    return { status: 'Failed', exiResponse, reason: `the contract-certificate provider answered Failed${typeof reason === 'string' && reason ? `: ${reason}` : ''}` };
  }
  return { status: 'Accepted', exiResponse };
}

export class ContractCertificates {
  constructor(
    private readonly provider: ContractProviderSettings | undefined,
    private readonly stationEvents: StationEvents,
  ) {}

  async request(request: EvCertificateRequest): Promise<EvCertificateAnswer> {
    const answer = await this.ask(request);
    const { stationId, ...asked } = request;
    await this.stationEvents.record(stationId, EV_CERTIFICATE_EVENT, { ...asked, answer: { status: answer.status, exiResponse: answer.exiResponse, ...(answer.reason && { reason: answer.reason }) } });
    return answer;
  }

  private async ask(request: EvCertificateRequest): Promise<EvCertificateAnswer> {
    if (!this.provider) return { status: 'Failed', exiResponse: '', reason: 'no contract-certificate provider is configured (PKI_CONTRACT_PROVIDER_URL)', provided: false };
    const { url, token, timeoutMs } = this.provider;
    const headers: Record<string, string> = { 'Content-Type': 'application/json', Accept: 'application/json', ...(token && { Authorization: `Bearer ${token}` }) };
    const body = JSON.stringify({ exiRequest: request.exiRequest, iso15118SchemaVersion: request.iso15118SchemaVersion, action: request.action, stationId: request.stationId });
    try {
      const answer = await post(url, { headers, body, timeoutMs });
      return { ...answerOf(answer.status, answer.body), provided: true };
    } catch (error) {
      return { status: 'Failed', exiResponse: '', reason: `the contract-certificate provider ${error instanceof Error ? error.message : String(error)}`, provided: true };
    }
  }
}
