/**
 * ISO 15118 contract certificates: a car's Get15118EVCertificate request (EXI, base64) is forwarded to a
 * contract-certificate provider and its answer handed back as it came.
 */
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
}

export interface ContractProviderSettings {
  url: string;
  token: string | undefined;
}

export class ContractCertificates {
  constructor(private readonly provider: ContractProviderSettings | undefined) {}

  async request(_request: EvCertificateRequest): Promise<EvCertificateAnswer> {
    if (!this.provider) return { status: 'Failed', exiResponse: '', reason: 'no contract-certificate provider is configured (PKI_CONTRACT_PROVIDER_URL)' };
    return { status: 'Failed', exiResponse: '', reason: 'the contract-certificate provider is not built yet' };
  }
}
