/** Environment → typed configuration, validated once at start. */
import { resolve } from 'node:path';
import type { DatabaseTarget } from './db/client.js';
import { isTimeZone } from './domain/time.js';

export interface Config {
  host: string;
  port: number;
  /** Public URL of this node, for links it hands out (pagination, OCPI endpoints); default: where it listens. */
  publicBaseUrl: string | undefined;
  database: DatabaseTarget;
  /** When unset, the admin API serves loopback clients only. */
  adminApiToken: string | undefined;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** The CPO's own OCPI identity, stamped on its locations. */
  cpo: { countryCode: string; partyId: string };
  defaultTimeZone: string;
  /** Check every API response against its contract (on in tests and development). */
  validateResponses: boolean;
}

export class ConfigError extends Error {}

type Env = Record<string, string | undefined>;

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name} must be an integer from ${min} to ${max}, got "${raw}"`);
  }
  return value;
}

function matching(env: Env, name: string, fallback: string, pattern: RegExp, what: string): string {
  const value = env[name] || fallback;
  if (!pattern.test(value)) throw new ConfigError(`${name} must be ${what}, got "${value}"`);
  return value;
}

function timeZone(env: Env, name: string, fallback: string): string {
  const value = env[name] || fallback;
  if (!isTimeZone(value)) throw new ConfigError(`${name} must be an IANA time zone, got "${value}"`);
  return value;
}

function flag(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (['1', 'true', 'yes', 'on'].includes(raw.toLowerCase())) return true;
  if (['0', 'false', 'no', 'off'].includes(raw.toLowerCase())) return false;
  throw new ConfigError(`${name} must be true or false, got "${raw}"`);
}

function databaseTarget(env: Env): DatabaseTarget {
  const url = env.DATABASE_URL;
  if (url) {
    if (!/^postgres(ql)?:\/\//.test(url)) throw new ConfigError('DATABASE_URL must be a postgres:// URL');
    return { kind: 'postgres', url, maxConnections: integer(env, 'DATABASE_POOL_SIZE', 10, 1, 500) };
  }
  const dataDir = env.ANODE_DATA_DIR || './.anode';
  return { kind: 'pglite', dataDir: dataDir.startsWith('memory://') ? dataDir : resolve(dataDir, 'pglite') };
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export function loadConfig(env: Env = process.env): Config {
  const host = env.HOST || '0.0.0.0';
  const port = integer(env, 'PORT', 8080, 0, 65535);
  const logLevel = (env.LOG_LEVEL || 'info') as Config['logLevel'];
  if (!LOG_LEVELS.includes(logLevel)) throw new ConfigError(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}`);
  const adminApiToken = env.ADMIN_API_TOKEN || undefined;
  if (adminApiToken !== undefined && adminApiToken.length < 16) {
    throw new ConfigError('ADMIN_API_TOKEN must be at least 16 characters');
  }
  const publicBaseUrl = env.PUBLIC_BASE_URL ? env.PUBLIC_BASE_URL.replace(/\/+$/, '') : undefined;
  if (publicBaseUrl !== undefined && !/^https?:\/\/[^/]+/.test(publicBaseUrl)) {
    throw new ConfigError('PUBLIC_BASE_URL must be an http(s) URL');
  }
  return {
    host,
    port,
    publicBaseUrl,
    database: databaseTarget(env),
    adminApiToken,
    logLevel,
    cpo: {
      countryCode: matching(env, 'OCPI_COUNTRY_CODE', 'NL', /^[A-Z]{2}$/, 'two upper-case letters (ISO 3166-1 alpha-2)'),
      partyId: matching(env, 'OCPI_PARTY_ID', 'ANO', /^[A-Z0-9]{3}$/, 'three upper-case letters or digits'),
    },
    defaultTimeZone: timeZone(env, 'DEFAULT_TIME_ZONE', 'Europe/Amsterdam'),
    validateResponses: flag(env, 'VALIDATE_RESPONSES', env.NODE_ENV !== 'production'),
  };
}
