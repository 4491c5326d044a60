/** How OCPP 1.6 words the operator's requests. */
import { RequestItemUnsupported, pemWithNewlines, type CallStation, type RequestWording } from '../operator-requests.js';
import { pncCall } from './pnc-calls.js';

const CERTIFICATE_TYPES: Record<string, string | undefined> = {
  CSMS: 'CentralSystemRootCertificate',
  MF: 'ManufacturerRootCertificate',
};

const PNC_CERTIFICATE_TYPES: Record<string, string | undefined> = {
  V2G: 'V2GRootCertificate',
  MO: 'MORootCertificate',
};

const signChargePointCertificate = async (call: CallStation) =>
  String((await call('ExtendedTriggerMessage', { requestedMessage: 'SignChargePointCertificate' })).status);

const signV2GCertificate = async (call: CallStation) => String((await pncCall(call, 'TriggerMessage', { requestedMessage: 'SignV2GCertificate' })).status);

export const v16Requests: RequestWording = {
  applySetting: async (call, key, value) => String((await call('ChangeConfiguration', { key, value })).status),

  // CSMS and manufacturer roots through the security extension; V2G and MO roots through Plug & Charge DataTransfer.
  installCertificate: async (call, certificate) => {
    const certificateType = CERTIFICATE_TYPES[certificate.type];
    if (certificateType) {
      return String((await call('InstallCertificate', { certificateType, certificate: pemWithNewlines(certificate.certificate) })).status);
    }
    const pncType = PNC_CERTIFICATE_TYPES[certificate.type];
    if (!pncType) throw new RequestItemUnsupported(`OCPP 1.6 has no ${certificate.type} root certificate type`);
    return String((await pncCall(call, 'InstallCertificate', { certificateType: pncType, certificate: pemWithNewlines(certificate.certificate) })).status);
  },

  trigger: async (call, trigger) => {
    switch (trigger) {
      case 'BootNotification':
      case 'StatusNotification':
        return String((await call('TriggerMessage', { requestedMessage: trigger })).status);
      case 'SignChargingStationCertificate':
        return signChargePointCertificate(call);
      case 'SignV2GCertificate':
        return signV2GCertificate(call);
      // The application note's TriggerMessage asks for V2G certificates only; the station certificate is the security extension's.
      case 'SignCombinedCertificate': {
        const [chargePoint, v2g] = [await signChargePointCertificate(call), await signV2GCertificate(call)];
        return chargePoint === v2g ? chargePoint : `SignChargePointCertificate ${chargePoint}, SignV2GCertificate ${v2g}`;
      }
      default:
        throw new RequestItemUnsupported(`OCPP 1.6 cannot trigger ${trigger}`);
    }
  },

  // A ChargePoint certificate asked for through the security extension comes back that way; a V2G one over Plug & Charge DataTransfer.
  certificateSigned: async (call, { certificateChain, certificateType, channel }) =>
    channel === 'ocpp1.6-pnc'
      ? String((await pncCall(call, 'CertificateSigned', { certificateChain, certificateType })).status)
      : String((await call('CertificateSigned', { certificateChain })).status),

  reboot: async (call) => String((await call('Reset', { type: 'Hard' })).status),

  baseReport: async () => {
    throw new RequestItemUnsupported('OCPP 1.6 has no base report: ask for its configuration (POST /cs/{id}/reports/base)');
  },
};
