import { sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  uniqueIndex,
} from 'drizzle-orm/pg-core';
import { timestamptz } from './columns.js';
import { ocpiParties } from './partner-schema.js';


/** Charge stations registered by the operator, with what the gateway learns of them. */
export const stations = pgTable('stations', {
  id: text('id').primaryKey(),
  securityProfile: integer('security_profile').notNull(),
  passwordHash: text('password_hash'),
  invalidUsernameAllowed: boolean('invalid_username_allowed').notNull().default(false),
  registrationStatus: text('registration_status', { enum: ['Pending', 'Accepted'] }).notNull(),
  registeredAt: timestamptz('registered_at').notNull().defaultNow(),
  updatedAt: timestamptz('updated_at').notNull().defaultNow(),
  ocppVersion: text('ocpp_version'),
  connectedNode: text('connected_node'),
  connectedAt: timestamptz('connected_at'),
  lastSeenAt: timestamptz('last_seen_at'),
  vendor: text('vendor'),
  model: text('model'),
  serialNumber: text('serial_number'),
  firmwareVersion: text('firmware_version'),
  lastBootAt: timestamptz('last_boot_at'),
  firmwareStatus: text('firmware_status'),
  diagnosticsStatus: text('diagnostics_status'),
});

export const stationRequestKinds = ['reconfigure', 'certificates', 'trigger', 'report', 'certificate-signed'] as const;
export const stationRequestStatuses = ['Pending', 'Delivered', 'Accepted', 'Rejected', 'Failed'] as const;

/** Work the operator asked of a station (reconfigure, certificates, trigger), delivered by the OCPP gateway. */
export const stationRequests = pgTable(
  'station_requests',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    stationId: text('station_id')
      .notNull()
      .references(() => stations.id, { onDelete: 'cascade' }),
    kind: text('kind', { enum: stationRequestKinds }).notNull(),
    status: text('status', { enum: stationRequestStatuses }).notNull(),
    payload: jsonb('payload').$type<Record<string, unknown>>().notNull(),
    outcome: jsonb('outcome').$type<Record<string, unknown>>(),
    createdAt: timestamptz('created_at').notNull().defaultNow(),
    updatedAt: timestamptz('updated_at').notNull().defaultNow(),
  },
  (table) => [
    index('station_requests_station_idx').on(table.stationId, table.id),
    index('station_requests_open_idx')
      .on(table.stationId)
      .where(sql`${table.status} in ('Pending', 'Delivered')`),
  ],
);

export const tokenTypes = ['AD_HOC_USER', 'APP_USER', 'OTHER', 'RFID'] as const;

/**
 * Authorization tokens: one store for the CPO's own (admin API) and those pushed by eMSPs over OCPI. A token is
 * named by its uid and type (OCPI: an RFID card and an app account may share a uid); a uid belongs to one issuer.
 */
export const tokens = pgTable(
  'tokens',
  {
    uid: text('uid').notNull(),
    countryCode: text('country_code').notNull(),
    partyId: text('party_id').notNull(),
    type: text('type', { enum: tokenTypes }).notNull(),
    contractId: text('contract_id').notNull(),
    visualNumber: text('visual_number'),
    issuer: text('issuer').notNull(),
    groupId: text('group_id'),
    valid: boolean('valid').notNull(),
    languageCode: text('language_code'),
    cacheMode: text('cache_mode', { enum: ['ALWAYS', 'ALLOWED', 'ALLOWED_OFFLINE', 'NEVER'] }).notNull(),
    expiresAt: timestamptz('expires_at'),
    /** the OCPI party that pushed the token; null for the CPO's own tokens (admin API) */
    ownerPartyId: integer('owner_party_id'),
    defaultProfileType: text('default_profile_type'),
    energyContract: jsonb('energy_contract').$type<Record<string, unknown>>(),
    lastUpdated: timestamptz('last_updated').notNull(),
    /** the idTag an OCPP 1.6 station is given for a uid longer than its 20 characters (domain/token-id-tags.ts); else null */
    stationIdTag: text('station_id_tag'),
  },
  (table) => [
    primaryKey({ columns: [table.uid, table.type] }),
    index('tokens_station_id_tag_idx').on(table.stationIdTag).where(sql`${table.stationIdTag} is not null`),
  ],
);

/** Client certificates uploaded for mTLS offloaded to a load balancer, keyed by base64 SHA-256 of their DER. */
export const certificates = pgTable('certificates', {
  hash: text('hash').primaryKey(),
  pem: text('pem').notNull(),
  subject: text('subject'),
  validTo: timestamptz('valid_to'),
  createdAt: timestamptz('created_at').notNull().defaultNow(),
});

/** Tariffs of the CPO, in OCPI's shape (what is not a column is in `body`). */
export const tariffs = pgTable('tariffs', {
  id: text('id').primaryKey(),
  countryCode: text('country_code').notNull(),
  partyId: text('party_id').notNull(),
  body: jsonb('body').$type<Record<string, unknown>>().notNull(),
  lastUpdated: timestamptz('last_updated').notNull(),
});

export const locations = pgTable('locations', {
  id: text('id').primaryKey(),
  countryCode: text('country_code').notNull(),
  partyId: text('party_id').notNull(),
  name: text('name'),
  address: text('address').notNull(),
  city: text('city').notNull(),
  postalCode: text('postal_code'),
  state: text('state'),
  country: text('country').notNull(),
  latitude: text('latitude').notNull(),
  longitude: text('longitude').notNull(),
  parkingType: text('parking_type'),
  timeZone: text('time_zone').notNull(),
  publish: boolean('publish').notNull(),
  lastUpdated: timestamptz('last_updated').notNull(),
});

/** An OCPI EVSE: one OCPP 1.6 connectorId or one OCPP 2.0.1 EVSE of one station. */
export const evses = pgTable(
  'evses',
  {
    uid: text('uid').primaryKey(),
    locationId: text('location_id')
      .notNull()
      .references(() => locations.id, { onDelete: 'cascade' }),
    position: integer('position').notNull(),
    evseId: text('evse_id'),
    stationId: text('station_id').notNull(),
    ocppEvseId: integer('ocpp_evse_id').notNull(),
    floorLevel: text('floor_level'),
    physicalReference: text('physical_reference'),
    /** Set when a re-registered location left the EVSE out: OCPI keeps it, with status REMOVED. */
    removedAt: timestamptz('removed_at'),
    lastUpdated: timestamptz('last_updated').notNull(),
  },
  (table) => [
    index('evses_location_idx').on(table.locationId, table.position),
    uniqueIndex('evses_station_evse_idx')
      .on(table.stationId, table.ocppEvseId)
      .where(sql`${table.removedAt} is null`),
  ],
);

export const connectors = pgTable(
  'connectors',
  {
    evseUid: text('evse_uid')
      .notNull()
      .references(() => evses.uid, { onDelete: 'cascade' }),
    id: text('id').notNull(),
    position: integer('position').notNull(),
    standard: text('standard').notNull(),
    format: text('format').notNull(),
    powerType: text('power_type').notNull(),
    maxVoltage: integer('max_voltage').notNull(),
    maxAmperage: integer('max_amperage').notNull(),
    maxElectricPower: integer('max_electric_power'),
    /** the CPO's tariffs that apply at this connector, the first one pricing sessions and CDRs */
    tariffIds: jsonb('tariff_ids').$type<string[]>().notNull().default([]),
    lastUpdated: timestamptz('last_updated').notNull(),
  },
  (table) => [primaryKey({ columns: [table.evseUid, table.id] })],
);

/**
 * Live status per outlet as the station reports it. OCPP 1.6 reports per connectorId (an EVSE here, connector 0);
 * OCPP 2.0.1 per EVSE and connector. EVSE 0 is the station as a whole.
 */
export const connectorStatuses = pgTable(
  'connector_statuses',
  {
    stationId: text('station_id').notNull(),
    evseId: integer('evse_id').notNull(),
    connectorId: integer('connector_id').notNull(),
    status: text('status').notNull(),
    errorCode: text('error_code'),
    info: text('info'),
    reportedAt: timestamptz('reported_at').notNull(),
    updatedAt: timestamptz('updated_at').notNull(),
  },
  (table) => [primaryKey({ columns: [table.stationId, table.evseId, table.connectorId] })],
);

export const transactions = pgTable(
  'transactions',
  {
    /** The OCPP 1.6 transactionId Anode hands out. */
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    stationId: text('station_id').notNull(),
    ocppVersion: text('ocpp_version').notNull(),
    /** OCPP 2.0.1: the station's transactionId. */
    stationTransactionId: text('station_transaction_id'),
    /** OCPP 1.6: what identifies a repeated StartTransaction (connector, idTag, meterStart, timestamp). */
    startKey: text('start_key'),
    evseId: integer('evse_id').notNull(),
    connectorId: integer('connector_id').notNull(),
    idTag: text('id_tag'),
    idTokenType: text('id_token_type'),
    authorizationStatus: text('authorization_status'),
    reservationId: integer('reservation_id'),
    remoteStartId: integer('remote_start_id'),
    /** the eMSP's reference to the authorization it gave (OCPI authorization_reference), when one came with it */
    authorizationReference: text('authorization_reference'),
    /** the token the transaction charges for (uid and type in the token store), once known; idTag is what the station sent */
    tokenUid: text('token_uid'),
    tokenType: text('token_type', { enum: tokenTypes }),
    /** how the token was authorized: named by a partner's command, answered by its issuer in real time, or stored */
    authorizationMethod: text('authorization_method', { enum: ['command', 'realtime', 'stored'] }),
    meterStartWh: bigint('meter_start_wh', { mode: 'number' }).notNull(),
    meterStopWh: bigint('meter_stop_wh', { mode: 'number' }),
    lastMeterWh: bigint('last_meter_wh', { mode: 'number' }),
    startedAt: timestamptz('started_at').notNull(),
    stoppedAt: timestamptz('stopped_at'),
    stopReason: text('stop_reason'),
    stopIdTag: text('stop_id_tag'),
    updatedAt: timestamptz('updated_at').notNull(),
    /** when the session was last queued for its owner (OCPI push); updates are queued at most once per interval */
    sessionPushedAt: timestamptz('session_pushed_at'),
    /** OCPP 2.0.1: the charging state of the transaction's last event (Charging, EVConnected, SuspendedEV, …) */
    chargingState: text('charging_state'),
    /** OCPP 2.0.1: an event of this transaction was reported as taking place while the station was offline */
    offline: boolean('offline').notNull().default(false),
    /** who ended the transaction when the station did not: a rule (station-reboot, stale) or the operator */
    closedBy: text('closed_by'),
  },
  (table) => [
    uniqueIndex('transactions_station_tx_idx').on(table.stationId, table.stationTransactionId),
    uniqueIndex('transactions_start_key_idx').on(table.stationId, table.startKey),
    index('transactions_station_started_idx').on(table.stationId, table.startedAt),
    // the transactions still open, read in id order by the sweep that closes those nobody ends
    index('transactions_open_idx')
      .on(table.id)
      .where(sql`${table.stoppedAt} is null`),
  ],
);

/** OCPP 2.0.1 TransactionEvent sequence numbers already applied: a retried event is answered, not applied twice. */
export const transactionEvents = pgTable(
  'transaction_events',
  {
    transactionId: integer('transaction_id').notNull(),
    seqNo: integer('seq_no').notNull(),
    eventType: text('event_type').notNull(),
    receivedAt: timestamptz('received_at').notNull(),
    /** when the event took place at the station (its timestamp) */
    occurredAt: timestamptz('occurred_at'),
    triggerReason: text('trigger_reason'),
    chargingState: text('charging_state'),
    offline: boolean('offline'),
  },
  (table) => [primaryKey({ columns: [table.transactionId, table.seqNo] })],
);

/**
 * One row per OCPP MeterValue: the sampled values a station took at one moment, as it reported them. A row per sampled
 * value made PostgreSQL index three to four times as many entries at thousands of MeterValues a second (bench:ocpp);
 * what is read by transaction, the energy register, has a column of its own.
 */
export const meterValues = pgTable(
  'meter_values',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    stationId: text('station_id').notNull(),
    transactionId: integer('transaction_id'),
    evseId: integer('evse_id').notNull(),
    sampledAt: timestamptz('sampled_at').notNull(),
    /** the energy register reading among the sampled values, in Wh (energyWh in domain/transactions.ts), if any */
    energyWh: bigint('energy_wh', { mode: 'number' }),
    /** [measurand, phase, unit, context, location, value, raw value, signed data] per sampled value, in the order sent */
    sampledValues: jsonb('sampled_values').$type<SampledValueRow[]>().notNull(),
  },
  // Read by transaction only; every further index is paid on each of thousands of rows a second (bench:ocpp).
  (table) => [index('meter_values_transaction_idx').on(table.transactionId, table.sampledAt)],
);

/** One sampled value as meter_values.sampled_values keeps it; the value has the multiplier applied, null when not a number. */
export type SampledValueRow = [
  measurand: string,
  phase: string | null,
  unit: string | null,
  context: string | null,
  location: string | null,
  value: number | null,
  rawValue: string | null,
  signedData: unknown,
];

/** Charge detail records, made when a transaction ends; kept in OCPI's CDR shape (the billing record). */
export const cdrs = pgTable(
  'cdrs',
  {
    id: text('id').primaryKey(),
    transactionId: integer('transaction_id').notNull(),
    /** the issuer of the token: only that party may see the CDR */
    ownerCountryCode: text('owner_country_code').notNull(),
    ownerPartyId: text('owner_party_id').notNull(),
    body: jsonb('body').$type<Record<string, unknown>>().notNull(),
    lastUpdated: timestamptz('last_updated').notNull(),
  },
  (table) => [
    uniqueIndex('cdrs_transaction_idx').on(table.transactionId),
    index('cdrs_owner_idx').on(table.ownerCountryCode, table.ownerPartyId, table.lastUpdated),
  ],
);

/**
 * A counter per kind of data, bumped by database triggers on every change to it (whoever makes the change, on
 * whichever node): readers that cache what they derive from that data compare one number to know it is current.
 */
export const dataVersions = pgTable('data_versions', {
  name: text('name').primaryKey(),
  version: bigint('version', { mode: 'number' }).notNull(),
});

export const reservationStatuses = ['REQUESTED', 'ACTIVE', 'REJECTED', 'CANCELLED', 'EXPIRED', 'USED'] as const;

/**
 * Reservations made by OCPI partners (RESERVE_NOW). `id` is the reservationId the station is given; the partner's
 * own reservation_id is unique per party. A reservation ends when it is cancelled, used or past `expiresAt`.
 */
export const reservations = pgTable(
  'reservations',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    partnerId: integer('partner_id').references(() => ocpiParties.id, { onDelete: 'set null' }),
    /** the party that issued the token (and owns the reservation) */
    countryCode: text('country_code').notNull(),
    partyId: text('party_id').notNull(),
    reservationId: text('reservation_id').notNull(),
    tokenUid: text('token_uid').notNull(),
    /** the token's type when it is one of the token store (a partner's reservation); null for the operator's */
    tokenType: text('token_type', { enum: tokenTypes }),
    authorizationReference: text('authorization_reference'),
    /** null for a reservation the operator made at a station that is at no location */
    locationId: text('location_id'),
    evseUid: text('evse_uid'),
    stationId: text('station_id').notNull(),
    /** OCPP 1.6 connectorId / OCPP 2.0.1 evseId; 0 reserves the station as a whole (no EVSE named) */
    ocppEvseId: integer('ocpp_evse_id').notNull(),
    expiresAt: timestamptz('expires_at').notNull(),
    status: text('status', { enum: reservationStatuses }).notNull(),
    transactionId: integer('transaction_id'),
    createdAt: timestamptz('created_at').notNull().defaultNow(),
    updatedAt: timestamptz('updated_at').notNull().defaultNow(),
  },
  (table) => [
    uniqueIndex('reservations_party_reservation_idx').on(table.countryCode, table.partyId, table.reservationId),
    index('reservations_open_idx')
      .on(table.expiresAt)
      .where(sql`${table.status} in ('REQUESTED', 'ACTIVE')`),
  ],
);

/**
 * Remote starts Anode sent to stations for OCPI partners (START_SESSION); `id` is the remoteStartId. A station that
 * names it in the transaction it starts (OCPP 2.0.1) is matched by it; one that cannot (OCPP 1.6) by a start at the
 * same outlet with the same idTag before `expiresAt`. `transactionId` is set once a transaction took the remote start.
 */
export const remoteStarts = pgTable(
  'remote_starts',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    stationId: text('station_id').notNull(),
    /** OCPP 1.6 connectorId / OCPP 2.0.1 evseId the start was asked for */
    ocppEvseId: integer('ocpp_evse_id').notNull(),
    /** what the station was given to start with (a long uid's station idTag on OCPP 1.6) */
    idTag: text('id_tag').notNull(),
    /** the token of the token store the start is for (a partner's START_SESSION); null for the operator's */
    tokenUid: text('token_uid'),
    tokenType: text('token_type', { enum: tokenTypes }),
    partnerId: integer('partner_id').references(() => ocpiParties.id, { onDelete: 'set null' }),
    authorizationReference: text('authorization_reference'),
    sentAt: timestamptz('sent_at').notNull(),
    /** until when a start that does not name the remote start is taken to answer it */
    expiresAt: timestamptz('expires_at').notNull(),
    /** what came of the request at the station (the OCPI CommandResult); null until known */
    result: text('result'),
    transactionId: integer('transaction_id'),
  },
  (table) => [
    index('remote_starts_open_idx')
      .on(table.stationId, table.ocppEvseId, table.idTag, table.expiresAt)
      .where(sql`${table.transactionId} is null`),
    index('remote_starts_expires_idx').on(table.expiresAt),
  ],
);

/** Partners whose charging profile on a session the station accepted: told of later active profile changes. */
export const chargingProfileSenders = pgTable(
  'charging_profile_senders',
  {
    transactionId: integer('transaction_id')
      .notNull()
      .references(() => transactions.id, { onDelete: 'cascade' }),
    partnerId: integer('partner_id')
      .notNull()
      .references(() => ocpiParties.id, { onDelete: 'cascade' }),
    createdAt: timestamptz('created_at').notNull().defaultNow(),
  },
  (table) => [primaryKey({ columns: [table.transactionId, table.partnerId] })],
);

export * from './partner-schema.js';
export * from './station-schema.js';
export * from './pki-schema.js';
