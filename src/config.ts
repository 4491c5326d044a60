/** Environment → typed configuration, validated once at start. */
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import type { DatabaseTarget } from './db/client.js';
import { isTimeZone } from './domain/time.js';
import type { RetryPolicy } from './domain/partner-outbox.js';
import { LOG_LEVELS, type LogLevel } from './log.js';
import { ConfigError, type Env, integer, readFile } from './config-values.js';
import { loadPkiConfig, loadTlsOffloadConfig, type PkiConfig, type TlsOffloadConfig } from './config-pki.js';

/** How the OCPI wing delivers the partner outbox. */
export interface DeliverySettings {
  pollMs: number;
  retry: RetryPolicy;
  /** entries of different objects one partner is sent at once */
  concurrencyPerPartner: number;
  /** entries leased per partner per round */
  batchPerPartner: number;
}

export interface Config {
  host: string;
  port: number;
  /** Public URL of this node, for links it hands out (pagination, OCPI endpoints); default: where it listens. */
  publicBaseUrl: string | undefined;
  database: DatabaseTarget;
  /** When unset, the admin API serves loopback clients only. */
  adminApiToken: string | undefined;
  logLevel: LogLevel;
  /** The CPO's own OCPI identity, stamped on its locations. */
  cpo: { countryCode: string; partyId: string };
  defaultTimeZone: string;
  /** ISO 4217 currency of sessions and CDRs at connectors without a tariff */
  defaultCurrency: string;
  /** Check every API response against its contract (on in tests and development). */
  validateResponses: boolean;
  /** How often this node re-reads the data versions other nodes may have changed (its caches follow them). */
  dataVersionPollMs: number;
  /** How often open reservations past their expiry are marked EXPIRED. */
  reservationSweepMs: number;
  /** How often the local lists that follow token groups are brought up to date (besides after each token change). */
  localListSyncSeconds: number;
  /** a running transaction's row takes its latest energy reading at most once per this many seconds */
  meterSyncSeconds: number;
  /** Closing transactions nobody will end (domain/transaction-closing.ts); a rule at 0 seconds is off. */
  transactionClosing: { sweepMs: number; rebootGraceSeconds: number; staleSeconds: number };
  /** the largest file a station may upload to Anode (logs, diagnostics) */
  uploadMaxBytes: number;
  /** processes serving this node's port (1: this process serves it) */
  workers: number;
  /** This node's name in the cluster: which stations' sockets it holds is recorded under it. */
  nodeId: string;
  ocpp: {
    heartbeatIntervalSeconds: number;
    pendingIntervalSeconds: number;
    callTimeoutMs: number;
    maxMessageBytes: number;
    maxBadMessages: number;
    /** a station's unanswered calls at which its socket is not read until one is answered */
    maxCallsInProgress: number;
    allowUnregistered: boolean;
    pingIntervalMs: number;
    /** the base report a 2.0.1 station is asked for when it first boots ('' for none) */
    baseReportOnFirstBoot: string;
  };
  ocpi: {
    /** unauthenticated clients may GET versions and published locations and tariffs (WWCP open data) */
    openData: boolean;
    maxPageSize: number;
    partnerTimeoutMs: number;
    /** how long a station gets to answer an OCPI command (the CommandResponse timeout) */
    commandTimeoutSeconds: number;
    /**
     * how long after a START_SESSION a station's start at that outlet with that token is taken to answer it, when the
     * start cannot name the remote start (OCPP 1.6)
     */
    remoteStartWindowSeconds: number;
    /** how long after its window a remote start a transaction may still name (accepted, or unanswered) is kept */
    remoteStartKeepSeconds: number;
    /** a running session is pushed to its eMSP at most once per this interval (start and end always) */
    sessionUpdateSeconds: number;
    /** a station not connected for this long shows its EVSEs as UNKNOWN to partners; 0: never */
    offlineGraceSeconds: number;
    push: DeliverySettings;
    /** how long OCPP authorization waits for an eMSP's real-time answer before the whitelist decides */
    authorizeTimeoutMs: number;
    businessName: string;
    website: string | undefined;
  };
  /** Anode serves TLS itself when a certificate and key are given; the CA verifies station client certificates. */
  tls: { cert: Buffer; key: Buffer; clientCa: Buffer | undefined } | undefined;
  /** a load balancer that ends TLS and passes the station's client certificate on in a header */
  tlsOffload: TlsOffloadConfig;
  pki: PkiConfig;
}

export { ConfigError };

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

function tlsFiles(env: Env): Config['tls'] {
  const cert = readFile(env, 'TLS_CERT');
  const key = readFile(env, 'TLS_KEY');
  const clientCa = readFile(env, 'TLS_CLIENT_CA');
  if (!cert && !key) {
    // Behind a load balancer that ends TLS, the CA verifies the client certificates it forwards.
    if (clientCa && !env.TLS_TRUSTED_PROXIES) throw new ConfigError('TLS_CLIENT_CA needs TLS_CERT and TLS_KEY, or TLS_TRUSTED_PROXIES');
    return undefined;
  }
  if (!cert || !key) throw new ConfigError('TLS_CERT and TLS_KEY go together');
  return { cert, key, clientCa };
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
    return { kind: 'postgres', url, maxConnections: integer(env, 'DATABASE_POOL_SIZE', 20, 1, 500) };
  }
  const dataDir = env.ANODE_DATA_DIR || './.anode';
  return { kind: 'pglite', dataDir: dataDir.startsWith('memory://') ? dataDir : resolve(dataDir, 'pglite') };
}

function workerCount(env: Env, database: DatabaseTarget): number {
  const workers = integer(env, 'WORKERS', 1, 1, 64);
  if (workers > 1 && database.kind !== 'postgres') {
    throw new ConfigError('WORKERS above 1 needs DATABASE_URL (PostgreSQL): the embedded PGlite lives in one process');
  }
  return workers;
}


export function loadConfig(env: Env = process.env): Config {
  const host = env.HOST || '0.0.0.0';
  const port = integer(env, 'PORT', 8080, 0, 65535);
  const logLevel = (env.LOG_LEVEL || 'info') as Config['logLevel'];
  if (!LOG_LEVELS.includes(logLevel)) throw new ConfigError(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}`);
  const adminApiToken = env.ADMIN_API_TOKEN || undefined;
  if (adminApiToken !== undefined && adminApiToken.length < 16) {
    throw new ConfigError('ADMIN_API_TOKEN must be at least 16 characters');
  }
  const database = databaseTarget(env);
  const publicBaseUrl = env.PUBLIC_BASE_URL ? env.PUBLIC_BASE_URL.replace(/\/+$/, '') : undefined;
  if (publicBaseUrl !== undefined && !/^https?:\/\/[^/]+/.test(publicBaseUrl)) {
    throw new ConfigError('PUBLIC_BASE_URL must be an http(s) URL');
  }
  return {
    host,
    port,
    publicBaseUrl,
    database,
    adminApiToken,
    logLevel,
    cpo: {
      countryCode: matching(env, 'OCPI_COUNTRY_CODE', 'NL', /^[A-Z]{2}$/, 'two upper-case letters (ISO 3166-1 alpha-2)'),
      partyId: matching(env, 'OCPI_PARTY_ID', 'ANO', /^[A-Z0-9]{3}$/, 'three upper-case letters or digits'),
    },
    defaultTimeZone: timeZone(env, 'DEFAULT_TIME_ZONE', 'Europe/Amsterdam'),
    defaultCurrency: matching(env, 'DEFAULT_CURRENCY', 'EUR', /^[A-Z]{3}$/, 'an ISO 4217 currency code'),
    validateResponses: flag(env, 'VALIDATE_RESPONSES', env.NODE_ENV !== 'production'),
    nodeId: env.NODE_ID || hostname(),
    dataVersionPollMs: integer(env, 'DATA_VERSION_POLL_MS', 250, 20, 60_000),
    reservationSweepMs: integer(env, 'RESERVATION_SWEEP_MS', 5000, 20, 3_600_000),
    localListSyncSeconds: integer(env, 'LOCAL_LIST_SYNC_SECONDS', 60, 1, 86400),
    meterSyncSeconds: integer(env, 'TRANSACTION_METER_SYNC_SECONDS', 15, 0, 3600),
    transactionClosing: {
      sweepMs: integer(env, 'TRANSACTION_CLOSE_SWEEP_MS', 60_000, 100, 3_600_000),
      rebootGraceSeconds: integer(env, 'TRANSACTION_REBOOT_GRACE_SECONDS', 600, 0, 86_400),
      staleSeconds: integer(env, 'TRANSACTION_STALE_SECONDS', 172_800, 0, 2_592_000),
    },
    uploadMaxBytes: integer(env, 'UPLOAD_MAX_BYTES', 8 * 1024 * 1024, 1024, 64 * 1024 * 1024),
    workers: workerCount(env, database),
    ocpp: {
      heartbeatIntervalSeconds: integer(env, 'OCPP_HEARTBEAT_INTERVAL', 300, 10, 86400),
      pendingIntervalSeconds: integer(env, 'OCPP_PENDING_INTERVAL', 10, 1, 3600),
      callTimeoutMs: integer(env, 'OCPP_CALL_TIMEOUT_SECONDS', 30, 1, 600) * 1000,
      maxMessageBytes: integer(env, 'OCPP_MAX_MESSAGE_BYTES', 1024 * 1024, 1024, 64 * 1024 * 1024),
      maxBadMessages: integer(env, 'OCPP_MAX_BAD_MESSAGES', 10, 0, 1000),
      maxCallsInProgress: integer(env, 'OCPP_MAX_CALLS_IN_PROGRESS', 4, 1, 100),
      allowUnregistered: flag(env, 'OCPP_ALLOW_UNREGISTERED', false),
      pingIntervalMs: integer(env, 'OCPP_PING_INTERVAL_SECONDS', 30, 0, 3600) * 1000,
      baseReportOnFirstBoot: matching(
        env,
        'OCPP_BASE_REPORT_ON_FIRST_BOOT',
        '',
        /^(|ConfigurationInventory|FullInventory|SummaryInventory)$/,
        'ConfigurationInventory, FullInventory or SummaryInventory (or empty for none)',
      ),
    },
    tls: tlsFiles(env),
    tlsOffload: loadTlsOffloadConfig(env),
    pki: loadPkiConfig(env),
    ocpi: {
      openData: flag(env, 'OCPI_OPEN_DATA', false),
      maxPageSize: integer(env, 'OCPI_MAX_PAGE_SIZE', 100, 1, 1000),
      partnerTimeoutMs: integer(env, 'OCPI_PARTNER_TIMEOUT_SECONDS', 10, 1, 120) * 1000,
      authorizeTimeoutMs: integer(env, 'OCPI_AUTHORIZE_TIMEOUT_MS', 2000, 100, 30000),
      commandTimeoutSeconds: integer(env, 'OCPI_COMMAND_TIMEOUT_SECONDS', 30, 1, 600),
      // By default the command timeout and three minutes for the driver to plug in (a station's ConnectionTimeOut).
      remoteStartWindowSeconds: integer(env, 'OCPI_REMOTE_START_WINDOW_SECONDS', integer(env, 'OCPI_COMMAND_TIMEOUT_SECONDS', 30, 1, 600) + 180, 1, 86400),
      remoteStartKeepSeconds: integer(env, 'OCPI_REMOTE_START_KEEP_SECONDS', 7 * 86400, 0, 365 * 86400),
      sessionUpdateSeconds: integer(env, 'OCPI_SESSION_UPDATE_SECONDS', 60, 1, 86400),
      offlineGraceSeconds: integer(env, 'OCPI_OFFLINE_GRACE_SECONDS', 300, 0, 7 * 86400),
      push: {
        pollMs: integer(env, 'OCPI_PUSH_POLL_MS', 500, 20, 60_000),
        concurrencyPerPartner: integer(env, 'OCPI_PUSH_CONCURRENCY', 4, 1, 64),
        batchPerPartner: 50,
        retry: {
          baseDelayMs: integer(env, 'OCPI_PUSH_RETRY_BASE_MS', 2000, 10, 3_600_000),
          maxDelayMs: integer(env, 'OCPI_PUSH_RETRY_MAX_MS', 600_000, 10, 86_400_000),
          maxAttempts: integer(env, 'OCPI_PUSH_MAX_ATTEMPTS', 50, 1, 10_000),
        },
      },
      businessName: env.OCPI_BUSINESS_NAME || 'Anode CPO',
      website: env.OCPI_WEBSITE || undefined,
    },
  };
}
