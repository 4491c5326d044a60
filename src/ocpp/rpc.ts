/**
 * ocpp-rpc, loaded the CommonJS way: it spreads its error classes into module.exports, which Node's ESM loader
 * cannot see as named exports (`import { TimeoutError } from 'ocpp-rpc'` fails at start-up under plain Node).
 * Loading it here also gives its clients Anode's leaner answer to incoming calls (rpc-incoming-calls.ts).
 */
import { createRequire } from 'node:module';
import { installLeanIncomingCalls } from './rpc-incoming-calls.js';

const rpc = createRequire(import.meta.url)('ocpp-rpc') as typeof import('ocpp-rpc');
installLeanIncomingCalls(rpc);

export const { RPCServer, TimeoutError, createValidator, createRPCError } = rpc;
export type RPCServer = InstanceType<typeof rpc.RPCServer>;
