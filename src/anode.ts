/** Composition root: config → database → domain → HTTP server. */
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import type { Hono } from 'hono';
import type { Config } from './config.js';
import { openDatabase } from './db/client.js';
import { createDomain } from './domain/index.js';
import { createApp } from './http/app.js';
import type { Logger } from './log.js';

export interface RunningAnode {
  /** e.g. http://127.0.0.1:8080 */
  url: string;
  port: number;
  stop(): Promise<void>;
}

const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };

function listen(server: ServerType): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    server.once('listening', () => resolve(server.address() as AddressInfo));
    server.once('error', reject);
  });
}

function closeServer(server: ServerType, graceMs: number): Promise<void> {
  return new Promise((resolve) => {
    const http = server as import('node:http').Server;
    const force = setTimeout(() => http.closeAllConnections(), graceMs);
    http.close(() => {
      clearTimeout(force);
      resolve();
    });
    http.closeIdleConnections();
  });
}

export async function startAnode(config: Config, logger: Logger): Promise<RunningAnode> {
  const database = await openDatabase(config.database);
  const domain = createDomain(database.db, { cpo: config.cpo, defaultTimeZone: config.defaultTimeZone });
  // The app is built once the port is known: links default to where the node listens (PORT may be 0).
  let app: Hono | undefined;
  const server = serve({ fetch: (request, env) => app!.fetch(request, env), hostname: config.host, port: config.port });
  let address: AddressInfo;
  try {
    address = await listen(server);
  } catch (error) {
    await database.close();
    throw error;
  }
  const host = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`;
  const publicBaseUrl = config.publicBaseUrl ?? url;
  app = createApp({ config, publicBaseUrl, database, domain, logger, version, startedAt: Date.now() });
  logger.info(
    { database: database.kind, docs: `${url}/docs`, admin: `${url}/api/v0`, health: `${url}/health` },
    `Anode ${version} listening on ${url}: docs ${url}/docs, admin API ${url}/api/v0, health ${url}/health`,
  );
  if (config.adminApiToken === undefined) {
    logger.warn('ADMIN_API_TOKEN is not set: the admin API answers loopback clients only');
  }
  return {
    url,
    port: address.port,
    stop: async () => {
      await closeServer(server, 5000);
      await database.close();
    },
  };
}
