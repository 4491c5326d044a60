/**
 * A throw-away PostgreSQL database for a benchmark run: created through a role that may create databases
 * (BENCH_ADMIN_DATABASE_URL, default the CI role), dropped at the end.
 */
import postgres from 'postgres';

export const DEFAULT_ADMIN_DATABASE_URL = 'postgres://anode_ci:anode_ci@127.0.0.1:5432/anode_ci';

export function adminDatabaseUrl(): string {
  return process.env.BENCH_ADMIN_DATABASE_URL || DEFAULT_ADMIN_DATABASE_URL;
}

/** The URL with its password replaced by ***, for printing. */
export function redact(url: string): string {
  return url.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@');
}

export interface ThrowawayDatabase {
  name: string;
  /** The same server and role as the admin URL, this database. */
  url: string;
  drop(): Promise<void>;
  /** Closes the admin connection (after drop, or instead of it to keep the database). */
  close(): Promise<void>;
}

/**
 * What to print when the database could not be created: the cause and how to make a role that can; `alternatives`
 * names the benchmark's own ways around it (", or pass …").
 */
export function databaseSetupHelp(adminUrl: string, error: unknown, alternatives = ''): string {
  return (
    `\nCould not create a database through ${redact(adminUrl)}: ${String((error as Error)?.message ?? error)}\n` +
    `The benchmark needs a PostgreSQL role with CREATEDB (CI creates one). To create it locally:\n` +
    `  psql -h /var/run/postgresql -U postgres -c "create role anode_ci login createdb password 'anode_ci'"\n` +
    `  psql -h /var/run/postgresql -U postgres -c "create database anode_ci owner anode_ci"\n` +
    `or point BENCH_ADMIN_DATABASE_URL at another role with CREATEDB${alternatives}.\n`
  );
}

/** Creates database `name`; throws the server's error (the admin connection closed) when it can't. */
export async function createThrowawayDatabase(adminUrl: string, name: string): Promise<ThrowawayDatabase> {
  const admin = postgres(adminUrl, { max: 1, onnotice: () => undefined, connect_timeout: 10 });
  try {
    await admin.unsafe(`create database "${name}"`);
  } catch (error) {
    await admin.end({ timeout: 1 }).catch(() => undefined);
    throw error;
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    drop: async () => {
      await admin.unsafe(`drop database if exists "${name}" with (force)`);
    },
    close: () => admin.end({ timeout: 2 }),
  };
}
