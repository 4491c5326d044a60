/** How OCPP 2.0.1 words the operator's requests. */
import { RequestItemUnsupported, pemWithNewlines, type RequestWording } from '../operator-requests.js';

const CERTIFICATE_TYPES: Record<string, string> = {
  V2G: 'V2GRootCertificate',
  MO: 'MORootCertificate',
  CSMS: 'CSMSRootCertificate',
  MF: 'ManufacturerRootCertificate',
};

const ATTRIBUTE_TYPES = new Set(['Actual', 'Target', 'MinSet', 'MaxSet']);

/**
 * `Component[;instance[;evseId]]/Variable[;instance[;attributeType]]` (the MaEVe setting name) → SetVariableData.
 */
export function setVariableData(key: string, value: string): Record<string, unknown> {
  const [componentPart, variablePart, ...rest] = key.split('/');
  if (!componentPart || !variablePart || rest.length > 0) {
    throw new RequestItemUnsupported(`"${key}" is not <component>/<variable> as OCPP 2.0.1 settings are named`);
  }
  const [componentName, componentInstance, evseId] = componentPart.split(';');
  const [variableName, variableInstance, attributeType] = variablePart.split(';');
  if (evseId !== undefined && !/^\d+$/.test(evseId)) throw new RequestItemUnsupported(`"${key}": the EVSE id must be a number`);
  if (attributeType !== undefined && !ATTRIBUTE_TYPES.has(attributeType)) {
    throw new RequestItemUnsupported(`"${key}": the attribute type must be one of ${[...ATTRIBUTE_TYPES].join(', ')}`);
  }
  return {
    attributeValue: value,
    ...(attributeType && { attributeType }),
    component: {
      name: componentName,
      ...(componentInstance && { instance: componentInstance }),
      ...(evseId !== undefined && { evse: { id: Number(evseId) } }),
    },
    variable: { name: variableName, ...(variableInstance && { instance: variableInstance }) },
  };
}

export const v201Requests: RequestWording = {
  applySetting: async (call, key, value) => {
    const answer = await call('SetVariables', { setVariableData: [setVariableData(key, value)] });
    const [result] = answer.setVariableResult as Array<{ attributeStatus: string }>;
    return result.attributeStatus;
  },

  installCertificate: async (call, certificate) => {
    const answer = await call('InstallCertificate', {
      certificateType: CERTIFICATE_TYPES[certificate.type],
      certificate: pemWithNewlines(certificate.certificate),
    });
    return String(answer.status);
  },

  trigger: async (call, trigger) => String((await call('TriggerMessage', { requestedMessage: trigger })).status),

  certificateSigned: async (call, { certificateChain, certificateType }) =>
    String((await call('CertificateSigned', { certificateChain, certificateType })).status),

  reboot: async (call) => String((await call('Reset', { type: 'Immediate' })).status),

  baseReport: async (call, reportBase, requestId) => String((await call('GetBaseReport', { requestId, reportBase })).status),
};
