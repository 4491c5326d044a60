/**
 * How each OCPP version words a station's local authorization list (SendLocalList, GetLocalListVersion): the domain's
 * verdicts become OCPP 1.6 idTagInfo or OCPP 2.0.1 idTokenInfo through the same helpers Authorize answers with.
 */
import type { components as Components16 } from '../../generated/ocpp16.js';
import type { components as Components201 } from '../../generated/ocpp201.js';
import type { LocalListWording } from '../domain/local-lists.js';
import { idTagInfo } from './v16/handlers.js';
import { idTokenInfo } from './v201/id-token-info.js';

type SendLocalList16 = Components16['schemas']['SendLocalListRequest'];
type SendLocalList201 = Components201['schemas']['SendLocalListRequest'];
type IdTokenType201 = Components201['schemas']['IdTokenType']['type'];

/** OCPP 1.6 idTag and parentIdTag: CiString20 */
const MAX_ID_TAG_16 = 20;
/** OCPP 2.0.1 idToken: identifierString 36 */
const MAX_ID_TOKEN_201 = 36;

export const localListWording: LocalListWording = {
  versionAction: 'GetLocalListVersion',

  versionIn: (response) => {
    const version = response.listVersion ?? response.versionNumber;
    return typeof version === 'number' ? version : undefined;
  },

  statusIn: (response) => (typeof response.status === 'string' ? response.status : undefined),

  refusal: (ocppVersion, entry) => {
    const max = ocppVersion === 'ocpp1.6' ? MAX_ID_TAG_16 : MAX_ID_TOKEN_201;
    if (entry.idToken.length > max) return `${entry.idToken} is longer than the ${max} characters an ${ocppVersion} list entry may have`;
    return undefined;
  },

  info: (ocppVersion, authorization) => {
    return ocppVersion === 'ocpp1.6' ? idTagInfo(authorization) : idTokenInfo(authorization);
  },

  sendList: (ocppVersion, { version, updateType, entries }) => {
    if (ocppVersion === 'ocpp1.6') {
      const payload: SendLocalList16 = {
        listVersion: version,
        updateType,
        localAuthorizationList: entries.map((entry) => ({
          idTag: entry.idToken,
          ...(entry.info && { idTagInfo: entry.info as NonNullable<SendLocalList16['localAuthorizationList']>[number]['idTagInfo'] }),
        })),
      };
      return { action: 'SendLocalList', payload };
    }
    const payload: SendLocalList201 = {
      versionNumber: version,
      updateType,
      ...(entries.length > 0 && {
        localAuthorizationList: entries.map((entry) => ({
          idToken: { idToken: entry.idToken, type: entry.idTokenType as IdTokenType201 },
          ...(entry.info && { idTokenInfo: entry.info as Components201['schemas']['IdTokenInfoType'] }),
        })),
      }),
    };
    return { action: 'SendLocalList', payload };
  },
};
