/** The OCPI partners' tables: the parties, what hubs report of the parties behind them, and the push outbox. */
import { sql } from 'drizzle-orm';
import { bigint, boolean, index, integer, jsonb, pgTable, primaryKey, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { timestamptz } from './columns.js';

export interface PartnerRole {
  role: string;
  country_code: string;
  party_id: string;
  business_details: { name: string; website?: string; logo?: Record<string, unknown> };
}

export interface PartnerEndpoint {
  identifier: string;
  role: 'SENDER' | 'RECEIVER';
  url: string;
}

export const partnerStatuses = ['PENDING', 'REGISTERED', 'UNREGISTERED'] as const;

/**
 * OCPI parties (eMSPs, hubs). The operator registers one with its CREDENTIALS_TOKEN_A; the credentials handshake
 * then swaps it for the token the party calls Anode with (`incomingToken`, token C) and the one Anode calls it with
 * (`outgoingToken`, token B), and stores the party's roles and module endpoints.
 */
export const ocpiParties = pgTable(
  'ocpi_parties',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    registrationToken: text('registration_token').notNull(),
    /** token A stops working once the handshake used it */
    registrationTokenUsed: boolean('registration_token_used').notNull().default(false),
    versionsUrl: text('versions_url'),
    status: text('status', { enum: partnerStatuses }).notNull(),
    incomingToken: text('incoming_token'),
    outgoingToken: text('outgoing_token'),
    /** the OCPI version the party and Anode speak, chosen at the credentials handshake */
    version: text('version').notNull().default('2.2.1'),
    /** the party's version details URL for the version in use */
    versionUrl: text('version_url'),
    roles: jsonb('roles').$type<PartnerRole[]>().notNull().default([]),
    endpoints: jsonb('endpoints').$type<PartnerEndpoint[]>().notNull().default([]),
    /** compatibility switch: the party sends and expects tokens without base64 encoding */
    rawTokens: boolean('raw_tokens').notNull().default(false),
    lastError: text('last_error'),
    registeredAt: timestamptz('registered_at'),
    createdAt: timestamptz('created_at').notNull().defaultNow(),
    updatedAt: timestamptz('updated_at').notNull().defaultNow(),
  },
  (table) => [
    uniqueIndex('ocpi_parties_registration_token_idx').on(table.registrationToken),
    uniqueIndex('ocpi_parties_incoming_token_idx').on(table.incomingToken),
  ],
);

/** What a hub tells Anode of the parties connected to it (OCPI hubclientinfo receiver). */
export const hubClientInfo = pgTable(
  'hub_client_info',
  {
    countryCode: text('country_code').notNull(),
    partyId: text('party_id').notNull(),
    role: text('role').notNull(),
    status: text('status').notNull(),
    /** the hub (OCPI party) that reported it */
    reportedBy: integer('reported_by').references(() => ocpiParties.id, { onDelete: 'set null' }),
    lastUpdated: timestamptz('last_updated').notNull(),
  },
  (table) => [primaryKey({ columns: [table.countryCode, table.partyId] })],
);

export const outboxStatuses = ['PENDING', 'FAILED'] as const;

/**
 * What Anode still has to push to each OCPI partner, written in the database transaction of the change itself.
 * Entries of one object (`objectKey`) are delivered one at a time in `id` order; a delivered entry is deleted.
 * `head` marks the first entry of its object (the only one that may go): the claim reads only due heads, by index.
 */
export const ocpiOutbox = pgTable(
  'ocpi_outbox',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    partnerId: integer('partner_id')
      .notNull()
      .references(() => ocpiParties.id, { onDelete: 'cascade' }),
    module: text('module').notNull(),
    /** which push: e.g. location.put, evse.patch, session.patch, cdr.post, activeprofile.put */
    kind: text('kind').notNull(),
    objectKey: text('object_key').notNull(),
    /** the path parameters of the push */
    target: jsonb('target').$type<Record<string, string>>().notNull(),
    /** the party the push is addressed to (OCPI-to-*), e.g. one behind a hub; null: the partner's own role */
    addressee: jsonb('addressee').$type<{ countryCode: string; partyId: string }>(),
    body: jsonb('body').$type<Record<string, unknown>>(),
    status: text('status', { enum: outboxStatuses }).notNull().default('PENDING'),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: timestamptz('next_attempt_at').notNull().defaultNow(),
    /** a node delivering the entry holds it until then */
    leaseUntil: timestamptz('lease_until'),
    lastError: text('last_error'),
    head: boolean('head').notNull().default(true),
    createdAt: timestamptz('created_at').notNull().defaultNow(),
  },
  (table) => [
    index('ocpi_outbox_object_idx').on(table.partnerId, table.objectKey, table.id),
    index('ocpi_outbox_claim_idx')
      .on(table.partnerId, table.nextAttemptAt, table.id)
      .where(sql`${table.status} = 'PENDING' and ${table.head}`),
  ],
);
