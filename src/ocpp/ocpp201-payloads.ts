/**
 * OCPP 2.0.1 payloads that travel outside a 2.0.1 frame (Plug & Charge over OCPP 1.6 DataTransfer), checked as
 * strictly as ocpp-rpc checks a 2.0.1 frame: against the schemas it ships, plus what the database cannot store
 * (call-values.ts) for what a station sends.
 */
import { createRequire } from 'node:module';
import { callValueRules } from './call-values.js';
import { createValidator } from './rpc.js';

type Checks = { validator: ReturnType<typeof createValidator>; values: ReturnType<typeof callValueRules> };

let compiled: Checks | undefined;

/** Compiled when the first payload is checked: most nodes never see a 1.6 Plug & Charge message. */
function checks(): Checks {
  if (!compiled) {
    const schemas = createRequire(import.meta.url)('ocpp-rpc/lib/schemas/ocpp2_0_1.json') as Array<{ $id?: string }>;
    compiled = {
      validator: createValidator('ocpp2.0.1', schemas),
      values: callValueRules(schemas),
    };
  }
  return compiled;
}

/** req: a request's payload, conf: a response's. */
export type PayloadKind = 'req' | 'conf';

/** What is wrong with a payload of this 2.0.1 message, or undefined when it is valid. */
export function problemWith201Payload(action: string, kind: PayloadKind, payload: unknown): string | undefined {
  try {
    const { validator, values } = checks();
    validator.validate(`urn:${action}.${kind}`, payload);
    if (kind === 'req') values.check(action, payload);
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}
