/** The system endpoints (openapi/system.yaml): health of the process, its database and its OCPP gateway. */
import { Hono } from 'hono';
import type { components, operations } from '../../generated/system.js';
import { describeUnavailability } from '../db/availability.js';
import { pingDatabase, type DatabaseHandle } from '../db/client.js';
import { loadBundledDocument, mountOperations, type OperationHandlers } from '../http/contract.js';

export interface SystemAppOptions {
  database: DatabaseHandle;
  version: string;
  startedAt: number;
  /** what this process's OCPP gateway refused or lost since it started */
  ocppFaults(): components['schemas']['Health']['ocpp'];
  validateResponses: boolean;
}

function systemHandlers(options: SystemAppOptions): OperationHandlers<operations> {
  return {
    getHealth: async () => {
      const started = performance.now();
      const uptimeSeconds = (Date.now() - options.startedAt) / 1000;
      const { kind } = options.database;
      try {
        await pingDatabase(options.database.db);
        const latencyMs = Math.round((performance.now() - started) * 100) / 100;
        const body = { status: 'ok', version: options.version, uptimeSeconds, database: { kind, ok: true, latencyMs }, ocpp: options.ocppFaults() } as const;
        return { status: 200, body };
      } catch (error) {
        const database = { kind, ok: false, latencyMs: null, error: describeUnavailability(error) };
        return { status: 503, body: { status: 'unavailable', version: options.version, uptimeSeconds, database, ocpp: options.ocppFaults() } };
      }
    },
  };
}

export function createSystemApp(options: SystemAppOptions): Hono {
  const app = new Hono();
  mountOperations<operations>(app, loadBundledDocument('system'), '', systemHandlers(options), {
    validateResponses: options.validateResponses,
  });
  return app;
}
