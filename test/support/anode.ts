/**
 * Starts a real Anode on 127.0.0.1 with a free port, on the database this run targets:
 * embedded PGlite by default, or, when TEST_DATABASE_URL names a PostgreSQL server, a fresh database created on
 * it for each test database and dropped afterwards.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAdminClient } from '../../generated/admin-client.js';
import { startAnode, type AnodeExtensions, type RunningAnode } from '../../src/anode.js';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/log.js';

export const onPostgres = Boolean(process.env.TEST_DATABASE_URL);

/** Where a test's data lives; it outlives server restarts until `drop`. */
export interface TestDatabase {
  env: Record<string, string>;
  drop(): Promise<void>;
}

async function withServerConnection<T>(run: (sql: import('postgres').Sql) => Promise<T>): Promise<T> {
  const { default: postgres } = await import('postgres');
  const sql = postgres(process.env.TEST_DATABASE_URL!, { max: 1, onnotice: () => {} });
  try {
    return await run(sql);
  } finally {
    await sql.end({ timeout: 5 });
  }
}

function databaseUrl(name: string): string {
  const url = new URL(process.env.TEST_DATABASE_URL!);
  url.pathname = `/${name}`;
  return url.toString();
}

export async function createTestDatabase(options: { persistent?: boolean } = {}): Promise<TestDatabase> {
  if (onPostgres) {
    const name = `anode_test_${process.pid}_${randomBytes(4).toString('hex')}`;
    await withServerConnection((sql) => sql.unsafe(`create database ${name}`));
    return {
      env: { DATABASE_URL: databaseUrl(name), DATABASE_POOL_SIZE: '4' },
      drop: () => withServerConnection((sql) => sql.unsafe(`drop database if exists ${name} with (force)`)).then(() => {}),
    };
  }
  if (!options.persistent) return { env: { ANODE_DATA_DIR: 'memory://' }, drop: async () => {} };
  const dir = mkdtempSync(join(tmpdir(), 'anode-test-'));
  return { env: { ANODE_DATA_DIR: dir }, drop: async () => rmSync(dir, { recursive: true, force: true }) };
}

export interface TestAnode extends RunningAnode {
  admin: ReturnType<typeof createAdminClient>;
}

export async function startTestAnode(database: TestDatabase, env: Record<string, string> = {}, extensions: AnodeExtensions = {}): Promise<TestAnode> {
  const config = loadConfig({
    HOST: '127.0.0.1',
    PORT: '0',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    PKI_KEY_SECRET: 'anode-test-pki-key-secret',
    NODE_ENV: 'test',
    ...database.env,
    ...env,
  });
  const anode = await startAnode(config, createLogger(config.logLevel), undefined, extensions);
  const headers: Record<string, string> = env.ADMIN_API_TOKEN ? { Authorization: `Bearer ${env.ADMIN_API_TOKEN}` } : {};
  return { ...anode, admin: createAdminClient({ baseUrl: `${anode.url}/api/v0`, headers }) };
}

/** One server on its own database for a whole test file. */
export async function startIsolatedAnode(
  env: Record<string, string> = {},
  extensions: AnodeExtensions = {},
): Promise<TestAnode & { database: TestDatabase }> {
  const database = await createTestDatabase();
  const anode = await startTestAnode(database, env, extensions).catch(async (error: unknown) => {
    await database.drop();
    throw error;
  });
  return {
    ...anode,
    database,
    stop: async () => {
      await anode.stop();
      await database.drop();
    },
  };
}
