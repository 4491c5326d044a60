/**
 * The operator's certificate operations on a station (M03 GetInstalledCertificateIds, M05 InstallCertificate, M04
 * DeleteCertificate), worded per version (certificate-wording.ts); what the station answers is kept as its
 * certificate inventory.
 */
import type { CertificateHashData } from '../../domain/pki/hash-data.js';
import type { Pki } from '../../domain/pki/index.js';
import { normalHashData } from '../../domain/pki/hash-data.js';
import { readRootCertificate } from '../../domain/pki/inventory.js';
import { InvalidStationCallError } from '../../domain/station-calls.js';
import {
  SECURITY_EXTENSION_TYPES,
  V2G_TYPES,
  messageAnswer,
  pncForm,
  reportedCertificates,
  statusOf,
  type MessageAnswer,
} from './certificate-wording.js';
import { stationCertificateView } from './pki.js';
import { operateStation, type OperationDeps, type OperationForm, type OperationForms, type StationAnswer } from './station-operation.js';
import type { AdminHandlers, Schemas } from './shared.js';

type CertificateOperations = 'queryInstalledCertificates' | 'installStationCertificate' | 'deleteStationCertificate';

/** What a certificate operation sent: the call's answer, and the certificate message's answer read out of it. */
interface Sent {
  answer: StationAnswer;
  message: MessageAnswer;
}

/** Sends the operation; each version's form says whether it goes through Plug & Charge DataTransfer. */
async function send(deps: OperationDeps, stationId: string, operation: string, forms: Partial<Record<keyof OperationForms, () => OperationForm & { viaPnc?: boolean }>>): Promise<Sent> {
  let viaPnc = false;
  const worded: OperationForms = {};
  for (const [version, form] of Object.entries(forms) as Array<[keyof OperationForms, () => OperationForm & { viaPnc?: boolean }]>) {
    worded[version] = () => {
      const { viaPnc: pnc, ...wording } = form();
      viaPnc = pnc === true;
      return wording;
    };
  }
  const answer = await operateStation(deps, stationId, operation, worded);
  return { answer, message: messageAnswer(answer, viaPnc) };
}

/** On 1.6, the types asked for in one call: one of the security extension's, or V2G types through Plug & Charge. */
function v16Query(types: string[] | undefined): OperationForm & { viaPnc?: boolean } {
  if (!types) {
    throw new InvalidStationCallError(
      'body.certificateTypes: OCPP 1.6 asks for CSMSRootCertificate or ManufacturerRootCertificate one at a time, and for V2G types through Plug & Charge; name the types',
    );
  }
  const extensionTypes = types.filter((type) => SECURITY_EXTENSION_TYPES[type]);
  if (extensionTypes.length > 0 && types.length > 1) {
    throw new InvalidStationCallError(`body.certificateTypes: on OCPP 1.6 ${extensionTypes.join(' and ')} must be asked for alone (the security extension takes one type per call)`);
  }
  if (extensionTypes.length === 1) return { action: 'GetInstalledCertificateIds', payload: { certificateType: SECURITY_EXTENSION_TYPES[types[0]] } };
  return { ...pncForm('GetInstalledCertificateIds', { certificateType: types }), viaPnc: true };
}

function reportedView(entry: { certificateType: string; hashData: CertificateHashData; children: CertificateHashData[] }): Schemas['InstalledCertificateId'] {
  return { certificateType: entry.certificateType, ...normalHashData(entry.hashData), children: entry.children.map(normalHashData) };
}

export function certificateOperationsHandlers(deps: OperationDeps & { pki: Pick<Pki, 'inventory'> }): AdminHandlers<CertificateOperations> {
  // Read when a request comes, not when the table is built (an app may be built over a partial domain).
  const inventory = () => deps.pki.inventory;
  return {
    queryInstalledCertificates: async ({ path, body }) => {
      const types = body.certificateTypes;
      // On 1.6 the security extension's answer names no type: it is the one type asked for.
      let askedType: string | undefined;
      const { answer, message } = await send(deps, path.csId, 'GetInstalledCertificateIds', {
        'ocpp2.0.1': () => ({ action: 'GetInstalledCertificateIds', payload: types ? { certificateType: types } : {} }),
        'ocpp1.6': () => {
          const form = v16Query(types);
          if (!form.viaPnc) askedType = types![0];
          return form;
        },
      });
      const verdict = statusOf(message, ['Accepted', 'NotFound']);
      if (verdict.status === null) return { status: 200, body: { status: null, reason: verdict.reason, certificates: [], answer } };
      const reported = verdict.status === 'Accepted' ? reportedCertificates(message.payload!, askedType) : [];
      if (!reported) return { status: 200, body: { status: null, reason: "the station's answer lists certificates that are not hash data", certificates: [], answer } };
      await inventory().replaceReported(path.csId, types ?? 'all', reported);
      return { status: 200, body: { status: verdict.status, certificates: reported.map(reportedView), answer } };
    },

    installStationCertificate: async ({ path, body }) => {
      const root = await readRootCertificate(body.certificate);
      const { certificateType } = body;
      const payload = { certificateType, certificate: root.pem };
      const { answer, message } = await send(deps, path.csId, 'InstallCertificate', {
        'ocpp2.0.1': () => ({ action: 'InstallCertificate', payload }),
        'ocpp1.6': () => {
          const extensionType = SECURITY_EXTENSION_TYPES[certificateType];
          if (extensionType) return { action: 'InstallCertificate', payload: { certificateType: extensionType, certificate: root.pem } };
          return { ...pncForm('InstallCertificate', payload), viaPnc: true };
        },
      });
      const verdict = statusOf(message, ['Accepted', 'Rejected', 'Failed']);
      if (verdict.status === null) return { status: 200, body: { status: null, reason: verdict.reason, certificate: null, answer } };
      const kept = verdict.status === 'Accepted' ? await inventory().recordInstalled(path.csId, certificateType, root) : undefined;
      return { status: 200, body: { status: verdict.status, certificate: kept ? stationCertificateView(kept) : null, answer } };
    },

    deleteStationCertificate: async ({ path, body }) => {
      const certificateHashData: CertificateHashData = body;
      const known = await inventory().find(path.csId, certificateHashData);
      const { answer, message } = await send(deps, path.csId, 'DeleteCertificate', {
        'ocpp2.0.1': () => ({ action: 'DeleteCertificate', payload: { certificateHashData } }),
        'ocpp1.6': () =>
          known && V2G_TYPES.has(known.certificateType)
            ? { ...pncForm('DeleteCertificate', { certificateHashData }), viaPnc: true }
            : { action: 'DeleteCertificate', payload: { certificateHashData } },
      });
      const verdict = statusOf(message, ['Accepted', 'Failed', 'NotFound']);
      if (verdict.status === null) return { status: 200, body: { status: null, reason: verdict.reason, removed: false, answer } };
      const removed = verdict.status === 'Accepted' && (await inventory().remove(path.csId, certificateHashData));
      return { status: 200, body: { status: verdict.status, removed, answer } };
    },
  };
}
