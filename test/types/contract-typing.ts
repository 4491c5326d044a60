/**
 * Compile-time proof, checked by `npm run typecheck` (not run by vitest): handlers typed from the generated
 * operations reject what the contract does not allow. Each @ts-expect-error fails the typecheck if the line below it
 * compiles, so these cannot rot into no-ops.
 */
import type { operations } from '../../generated/admin.js';
import type { OperationHandlers, OperationResult } from '../../src/http/contract.js';

type Handlers = OperationHandlers<operations>;

// @ts-expect-error a status the document does not declare for deleteToken
export const wrongStatus: OperationResult<operations['deleteToken']> = { status: 200 };

// @ts-expect-error a body of the wrong shape for lookupChargeStationAuth
export const wrongBody: OperationResult<operations['lookupChargeStationAuth']> = { status: 200, body: { securityProfile: '0' } };

// @ts-expect-error 200 of listTokens needs its body
export const missingBody: OperationResult<operations['listTokens']> = { status: 200 };

export const rightResult: OperationResult<operations['deleteToken']> = { status: 204 };

// @ts-expect-error every operation must have a handler
export const missingOperation: Handlers = {} as Omit<Handlers, 'setToken'>;

export const typedInput: Parameters<Handlers['registerChargeStation']>[0]['body']['securityProfile'] = 2;
// @ts-expect-error the body's enum is carried into the handler's input type
export const wrongInput: Parameters<Handlers['registerChargeStation']>[0]['body']['securityProfile'] = 3;
