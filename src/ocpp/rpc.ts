/**
 * ocpp-rpc, loaded the CommonJS way: it spreads its error classes into module.exports, which Node's ESM loader
 * cannot see as named exports (`import { TimeoutError } from 'ocpp-rpc'` fails at start-up under plain Node).
 * Loading it has no other effect: the gateway installs Anode's answer to incoming calls when it starts
 * (rpc-incoming-calls.ts).
 */
import { createRequire } from 'node:module';

export const rpcModule = createRequire(import.meta.url)('ocpp-rpc') as typeof import('ocpp-rpc');

export const { RPCServer, TimeoutError, createValidator, createRPCError } = rpcModule;
export type RPCServer = InstanceType<typeof rpcModule.RPCServer>;
