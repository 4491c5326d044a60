/**
 * ocpp-rpc, loaded the CommonJS way: it spreads its error classes into module.exports, which Node's ESM loader
 * cannot see as named exports (`import { TimeoutError } from 'ocpp-rpc'` fails at start-up under plain Node).
 */
import { createRequire } from 'node:module';

const rpc = createRequire(import.meta.url)('ocpp-rpc') as typeof import('ocpp-rpc');

export const { RPCServer, TimeoutError, createValidator, createRPCError } = rpc;
export type RPCServer = InstanceType<typeof rpc.RPCServer>;
