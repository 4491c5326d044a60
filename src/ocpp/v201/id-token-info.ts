/** How OCPP 2.0.1 words the domain's authorization verdict. */
import type { components } from '../../../generated/ocpp201.js';
import type { Authorization } from '../../domain/authorization.js';

type IdTokenInfo = components['schemas']['IdTokenInfoType'];

const STATUS_201: Record<Authorization['status'], IdTokenInfo['status']> = {
  Accepted: 'Accepted',
  Blocked: 'Blocked',
  Expired: 'Expired',
  NoCredit: 'NoCredit',
  NotAllowed: 'NotAtThisLocation',
  Unknown: 'Unknown',
};

export function idTokenInfo(authorization: Authorization): IdTokenInfo {
  return {
    status: STATUS_201[authorization.status],
    ...(authorization.expiresAt && { cacheExpiryDateTime: authorization.expiresAt.toISOString() }),
    ...(authorization.groupId && { groupIdToken: { idToken: authorization.groupId, type: 'Central' as const } }),
  };
}
