import { sql } from 'drizzle-orm';
import {
  boolean,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core';

const timestamptz = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

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
});

export const stationRequestKinds = ['reconfigure', 'certificates', 'trigger'] as const;
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

/** Authorization tokens: one store for the CPO's own (admin API) and, later, those pushed by eMSPs over OCPI. */
export const tokens = pgTable('tokens', {
  uid: text('uid').primaryKey(),
  countryCode: text('country_code').notNull(),
  partyId: text('party_id').notNull(),
  type: text('type', { enum: ['AD_HOC_USER', 'APP_USER', 'OTHER', 'RFID'] }).notNull(),
  contractId: text('contract_id').notNull(),
  visualNumber: text('visual_number'),
  issuer: text('issuer').notNull(),
  groupId: text('group_id'),
  valid: boolean('valid').notNull(),
  languageCode: text('language_code'),
  cacheMode: text('cache_mode', { enum: ['ALWAYS', 'ALLOWED', 'ALLOWED_OFFLINE', 'NEVER'] }).notNull(),
  lastUpdated: timestamptz('last_updated').notNull(),
});

/** Client certificates uploaded for mTLS offloaded to a load balancer, keyed by base64 SHA-256 of their DER. */
export const certificates = pgTable('certificates', {
  hash: text('hash').primaryKey(),
  pem: text('pem').notNull(),
  subject: text('subject'),
  validTo: timestamptz('valid_to'),
  createdAt: timestamptz('created_at').notNull().defaultNow(),
});

/** OCPI parties (eMSPs, hubs) registered by the operator; the OCPI wing runs the credentials handshake. */
export const ocpiParties = pgTable(
  'ocpi_parties',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    registrationToken: text('registration_token').notNull(),
    versionsUrl: text('versions_url'),
    status: text('status', { enum: ['PENDING', 'REGISTERED'] }).notNull(),
    createdAt: timestamptz('created_at').notNull().defaultNow(),
    updatedAt: timestamptz('updated_at').notNull().defaultNow(),
  },
  (table) => [uniqueIndex('ocpi_parties_registration_token_idx').on(table.registrationToken)],
);

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
    lastUpdated: timestamptz('last_updated').notNull(),
  },
  (table) => [primaryKey({ columns: [table.evseUid, table.id] })],
);
