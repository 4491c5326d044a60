/**
 * Delivers what the operator asked of a station (reconfigure, certificates, trigger) and records the outcome.
 * Version-specific wording lives in v16/operator-requests.ts and v201/operator-requests.ts; the order and bookkeeping live here.
 */
import { StationNotConnectedError, StationCallError, StationTimeoutError, InvalidStationCallError } from '../domain/station-calls.js';
import type { StationRequest, StationRequestStatus } from '../domain/stations.js';
import type { Domain } from '../domain/index.js';
import { readRootCertificate } from '../domain/pki/inventory.js';
import type { Logger } from '../log.js';

/** Sends one call to the station for a request, and resolves with the answer. */
export type CallStation = (action: string, payload: Record<string, unknown>) => Promise<Record<string, unknown>>;

/** A chain Anode signed, and how the station asked for it (the same channel carries it back). */
export interface SignedCertificateDelivery {
  certificateType: string;
  certificateChain: string;
  channel: string;
}

export interface CertificateToInstall {
  type: 'V2G' | 'MO' | 'MF' | 'CSMS';
  certificate: string;
}

/** How one OCPP version words each kind of operator request. */
export interface RequestWording {
  /** applies one setting; answers the station's status for it (Accepted, Rejected, RebootRequired, …) */
  applySetting(call: CallStation, key: string, value: string): Promise<string>;
  installCertificate(call: CallStation, certificate: CertificateToInstall): Promise<string>;
  trigger(call: CallStation, trigger: string): Promise<string>;
  /** CertificateSigned: answers the station's status (Accepted, Rejected) */
  certificateSigned(call: CallStation, delivery: SignedCertificateDelivery): Promise<string>;
  reboot(call: CallStation): Promise<string>;
  /** asks for a base report (OCPP 2.0.1 GetBaseReport) under the given requestId */
  baseReport(call: CallStation, reportBase: string, requestId: number): Promise<string>;
}

/** The inventory names roots as OCPP 2.0.1 does. */
const INVENTORY_TYPES: Record<CertificateToInstall['type'], string> = {
  V2G: 'V2GRootCertificate',
  MO: 'MORootCertificate',
  CSMS: 'CSMSRootCertificate',
  MF: 'ManufacturerRootCertificate',
};

/** Setting statuses that mean the setting is in place (perhaps after a reboot). */
const APPLIED = new Set(['Accepted', 'RebootRequired']);

/** Something went wrong that is not the station's verdict: the item fails with this reason. */
export class RequestItemUnsupported extends Error {}

function failureReason(error: unknown): string {
  if (error instanceof StationCallError) return `${error.code}: ${error.description}`;
  if (error instanceof StationTimeoutError) return 'Timeout: the station did not answer in time';
  return error instanceof Error ? error.message : String(error);
}

/** The PEM as stored may have its newlines written as `\n` (as the MaEVe API describes). */
export function pemWithNewlines(text: string): string {
  return text.replace(/\\n/g, '\n');
}

export class RequestDelivery {
  private readonly queues = new Map<string, Promise<void>>();

  constructor(
    private readonly domain: Domain,
    private readonly logger: Logger,
  ) {}

  /** Runs the station's open requests, one delivery at a time per station. */
  deliver(stationId: string, translator: RequestWording, callerFor: (requestId: number) => CallStation): Promise<void> {
    const previous = this.queues.get(stationId) ?? Promise.resolve();
    const next = previous
      .then(() => this.deliverOpenRequests(stationId, translator, callerFor))
      .catch((error: unknown) => this.logger.error({ err: error, stationId }, 'delivering operator requests failed'));
    this.queues.set(stationId, next);
    void next.finally(() => {
      if (this.queues.get(stationId) === next) this.queues.delete(stationId);
    });
    return next;
  }

  private async deliverOpenRequests(
    stationId: string,
    translator: RequestWording,
    callerFor: (requestId: number) => CallStation,
  ): Promise<void> {
    const { stations } = this.domain;
    const open = await stations.openRequests(stationId);
    if (open.length === 0) return;
    let configured = false;
    let rebooted = false;
    for (const request of open) {
      const call = callerFor(request.id);
      await stations.settleRequest(request.id, 'Delivered');
      try {
        const { status, outcome, reboot } = await this.run(request, translator, call);
        if (reboot) rebooted = (await this.reboot(translator, call, outcome)) || rebooted;
        configured ||= request.kind === 'reconfigure';
        await stations.settleRequest(request.id, status, outcome);
      } catch (error) {
        if (error instanceof StationNotConnectedError) {
          // The socket went away mid-delivery: the request stays open for the next connection.
          await stations.settleRequest(request.id, 'Pending');
          return;
        }
        await stations.settleRequest(request.id, 'Failed', { error: failureReason(error) });
      }
    }
    if (configured) {
      await stations.markAccepted(stationId);
      // A Pending station learns it is Accepted when it boots again: ask it to, unless it is rebooting anyway.
      if (!rebooted) await translator.trigger(callerFor(0), 'BootNotification').catch(() => undefined);
    }
  }

  private async run(
    request: StationRequest,
    translator: RequestWording,
    call: CallStation,
  ): Promise<{ status: StationRequestStatus; outcome: Record<string, unknown>; reboot: boolean }> {
    switch (request.kind) {
      case 'reconfigure': {
        const settings = request.payload.settings as Record<string, string>;
        const results: Record<string, string> = {};
        for (const [key, value] of Object.entries(settings)) {
          results[key] = await this.item(() => translator.applySetting(call, key, value));
        }
        const statuses = Object.values(results);
        const reboot = request.payload.reboot === true || statuses.includes('RebootRequired');
        const status = statuses.every((value) => APPLIED.has(value)) ? 'Accepted' : 'Rejected';
        return { status, outcome: { settings: results }, reboot };
      }
      case 'certificates': {
        const certificates = request.payload.certificates as Array<CertificateToInstall & { status: string }>;
        const results = [];
        for (const certificate of certificates) {
          const status =
            certificate.status === 'Pending'
              ? await this.item(() => translator.installCertificate(call, certificate))
              : certificate.status;
          if (certificate.status === 'Pending' && status === 'Accepted') await this.keepInstalled(request.stationId, certificate);
          results.push({ type: certificate.type, status });
        }
        const status = results.every((result) => result.status === 'Accepted') ? 'Accepted' : 'Rejected';
        return { status, outcome: { certificates: results }, reboot: false };
      }
      case 'trigger': {
        const answer = await translator.trigger(call, String(request.payload.trigger));
        return { status: answer === 'Accepted' ? 'Accepted' : 'Rejected', outcome: { trigger: answer }, reboot: false };
      }
      case 'certificate-signed': {
        const signingId = Number(request.payload.signingId);
        const signing = await this.domain.pki.signings.get(signingId);
        let answer: string;
        try {
          answer = await translator.certificateSigned(call, { certificateType: signing.certificateType, certificateChain: signing.certificateChain ?? '', channel: signing.channel });
        } catch (error) {
          if (!(error instanceof StationNotConnectedError)) await this.domain.pki.signings.undelivered(signingId, failureReason(error));
          throw error;
        }
        await this.domain.pki.signings.installed(signingId, answer);
        return { status: answer === 'Accepted' ? 'Accepted' : 'Rejected', outcome: { certificateSigned: answer, signingId }, reboot: false };
      }
      case 'report': {
        const reportBase = String(request.payload.reportBase);
        const job = await this.domain.stationJobs.open(request.stationId, 'BaseReport');
        const answer = await this.item(() => translator.baseReport(call, reportBase, job.requestId!));
        await this.domain.stationJobs.answered(job.id, { requestId: job.requestId, reportBase }, answer, { finished: answer !== 'Accepted' });
        return { status: answer === 'Accepted' ? 'Accepted' : 'Rejected', outcome: { report: answer, jobId: job.id }, reboot: false };
      }
    }
  }

  /** A root the station took joins its certificate inventory (a certificate that is no root is not kept there). */
  private async keepInstalled(stationId: string, certificate: CertificateToInstall): Promise<void> {
    const root = await readRootCertificate(pemWithNewlines(certificate.certificate)).catch(() => undefined);
    if (root) await this.domain.pki.inventory.recordInstalled(stationId, INVENTORY_TYPES[certificate.type], root);
  }

  /** One item of a request: the station's verdict, or why there is none (the request goes on with the next item). */
  private async item(run: () => Promise<string>): Promise<string> {
    try {
      return await run();
    } catch (error) {
      if (error instanceof StationNotConnectedError) throw error;
      if (error instanceof RequestItemUnsupported || error instanceof InvalidStationCallError) return `Failed: ${error.message}`;
      return `Failed: ${failureReason(error)}`;
    }
  }

  private async reboot(translator: RequestWording, call: CallStation, outcome: Record<string, unknown>): Promise<boolean> {
    try {
      outcome.reboot = await translator.reboot(call);
      return outcome.reboot === 'Accepted' || outcome.reboot === 'Scheduled';
    } catch (error) {
      if (error instanceof StationNotConnectedError) throw error;
      outcome.reboot = `Failed: ${failureReason(error)}`;
      return false;
    }
  }
}
