/** What Anode keeps of a station's traffic and state: calls, events, device model, jobs, lists, availability, uploads. */
import { sql } from 'drizzle-orm';
import { bigint, boolean, index, integer, jsonb, pgTable, primaryKey, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { bytea, timestamptz } from './columns.js';


/** Notifications a station sends that are kept as they came: security events, firmware/log status, reports … */
export const stationEvents = pgTable(
  'station_events',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    stationId: text('station_id').notNull(),
    action: text('action').notNull(),
    payload: jsonb('payload').$type<Record<string, unknown>>().notNull(),
    receivedAt: timestamptz('received_at').notNull(),
  },
  (table) => [index('station_events_station_idx').on(table.stationId, table.id)],
);

/** WentAway: sent, but the connection closed before the answer; Failed: it could not be sent. */
export const stationCallStatuses = ['Sent', 'Answered', 'CallError', 'Timeout', 'WentAway', 'Failed'] as const;

/** Every call Anode makes to a station, and its answer. */
export const stationCalls = pgTable(
  'station_calls',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    stationId: text('station_id').notNull(),
    action: text('action').notNull(),
    request: jsonb('request').$type<Record<string, unknown>>().notNull(),
    status: text('status', { enum: stationCallStatuses }).notNull(),
    response: jsonb('response').$type<Record<string, unknown>>(),
    errorCode: text('error_code'),
    errorDescription: text('error_description'),
    stationRequestId: integer('station_request_id'),
    createdAt: timestamptz('created_at').notNull(),
    answeredAt: timestamptz('answered_at'),
  },
  (table) => [index('station_calls_station_idx').on(table.stationId, table.id)],
);

/**
 * A station's device model as Anode last learnt it: OCPP 2.0.1 component variables (NotifyReport, GetVariables,
 * SetVariables) and OCPP 1.6 configuration keys (component `Configuration`). Absent instance, EVSE or connector are
 * kept as '' and 0 so that one variable attribute is one row.
 */
export const deviceVariables = pgTable(
  'device_variables',
  {
    stationId: text('station_id').notNull(),
    component: text('component').notNull(),
    componentInstance: text('component_instance').notNull().default(''),
    evseId: integer('evse_id').notNull().default(0),
    connectorId: integer('connector_id').notNull().default(0),
    variable: text('variable').notNull(),
    variableInstance: text('variable_instance').notNull().default(''),
    attributeType: text('attribute_type').notNull().default('Actual'),
    value: text('value'),
    mutability: text('mutability'),
    persistent: boolean('persistent'),
    constant: boolean('constant'),
    /** unit, dataType, minLimit, maxLimit, valuesList, supportsMonitoring as the station described them */
    characteristics: jsonb('characteristics').$type<Record<string, unknown>>(),
    /** the attribute status of the last GetVariables / SetVariables of this attribute (Accepted, Rejected, …) */
    attributeStatus: text('attribute_status'),
    /** what last wrote the row: NotifyReport, GetVariables, SetVariables, GetConfiguration, ChangeConfiguration */
    source: text('source').notNull(),
    updatedAt: timestamptz('updated_at').notNull(),
  },
  (table) => [
    primaryKey({
      columns: [
        table.stationId,
        table.component,
        table.componentInstance,
        table.evseId,
        table.connectorId,
        table.variable,
        table.variableInstance,
        table.attributeType,
      ],
    }),
    index('device_variables_changed_idx').on(table.stationId, table.updatedAt),
  ],
);

/** One status a job went through, and when. */
export interface StationJobStatusEntry {
  status: string;
  at: string;
  info?: string;
}

/**
 * Work an operator started on a station whose outcome arrives later in notifications: reports (base, custom,
 * monitoring), firmware updates and publications, logs and diagnostics, customer information, display messages and
 * charging profile reports. `requestId` is the OCPP requestId the station was given (Anode gives the job's id).
 */
export const stationJobs = pgTable(
  'station_jobs',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    stationId: text('station_id').notNull(),
    kind: text('kind').notNull(),
    requestId: integer('request_id'),
    /** what the station was asked (null when the station reported for a request Anode did not make) */
    request: jsonb('request').$type<Record<string, unknown>>(),
    status: text('status').notNull(),
    history: jsonb('history').$type<StationJobStatusEntry[]>().notNull(),
    /** what the station's notifications carried, assembled (e.g. the customer information text) */
    result: jsonb('result').$type<Record<string, unknown>>(),
    partsReceived: integer('parts_received').notNull().default(0),
    lastSeqNo: integer('last_seq_no'),
    createdAt: timestamptz('created_at').notNull(),
    updatedAt: timestamptz('updated_at').notNull(),
    finishedAt: timestamptz('finished_at'),
  },
  (table) => [
    uniqueIndex('station_jobs_request_idx').on(table.stationId, table.kind, table.requestId),
    index('station_jobs_station_idx').on(table.stationId, table.id),
  ],
);

/** OCPP 2.0.1 NotifyEvent: one row per event datum; `problem` flags the ones the station marked as a problem. */
export const deviceEvents = pgTable(
  'device_events',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    stationId: text('station_id').notNull(),
    eventId: integer('event_id').notNull(),
    occurredAt: timestamptz('occurred_at').notNull(),
    trigger: text('trigger').notNull(),
    cause: integer('cause'),
    actualValue: text('actual_value').notNull(),
    techCode: text('tech_code'),
    techInfo: text('tech_info'),
    cleared: boolean('cleared'),
    transactionId: text('transaction_id'),
    variableMonitoringId: integer('variable_monitoring_id'),
    eventNotificationType: text('event_notification_type').notNull(),
    component: text('component').notNull(),
    componentInstance: text('component_instance').notNull().default(''),
    evseId: integer('evse_id').notNull().default(0),
    connectorId: integer('connector_id').notNull().default(0),
    variable: text('variable').notNull(),
    variableInstance: text('variable_instance').notNull().default(''),
    problem: boolean('problem').notNull(),
    generatedAt: timestamptz('generated_at').notNull(),
    receivedAt: timestamptz('received_at').notNull(),
  },
  (table) => [
    index('device_events_station_idx').on(table.stationId, table.id),
    index('device_events_problem_idx').on(table.stationId, table.id).where(sql`${table.problem}`),
  ],
);

/** Variable monitors a station has (NotifyMonitoringReport, SetVariableMonitoring), by the station's monitor id. */
export const variableMonitors = pgTable(
  'variable_monitors',
  {
    stationId: text('station_id').notNull(),
    monitorId: integer('monitor_id').notNull(),
    component: text('component').notNull(),
    componentInstance: text('component_instance').notNull().default(''),
    evseId: integer('evse_id').notNull().default(0),
    connectorId: integer('connector_id').notNull().default(0),
    variable: text('variable').notNull(),
    variableInstance: text('variable_instance').notNull().default(''),
    type: text('type').notNull(),
    severity: integer('severity').notNull(),
    value: text('value').notNull(),
    transaction: boolean('transaction').notNull().default(false),
    updatedAt: timestamptz('updated_at').notNull(),
  },
  (table) => [primaryKey({ columns: [table.stationId, table.monitorId] })],
);

/** Display messages a station shows or was asked to show (SetDisplayMessage, NotifyDisplayMessages). */
export const displayMessages = pgTable(
  'display_messages',
  {
    stationId: text('station_id').notNull(),
    messageId: integer('message_id').notNull(),
    priority: text('priority').notNull(),
    state: text('state'),
    startAt: timestamptz('start_at'),
    endAt: timestamptz('end_at'),
    transactionId: text('transaction_id'),
    /** MessageContentType: format, language, content */
    message: jsonb('message').$type<Record<string, unknown>>().notNull(),
    display: jsonb('display').$type<Record<string, unknown>>(),
    /** the station's answer to SetDisplayMessage, or Reported when it came in NotifyDisplayMessages */
    status: text('status').notNull(),
    updatedAt: timestamptz('updated_at').notNull(),
  },
  (table) => [primaryKey({ columns: [table.stationId, table.messageId] })],
);

/**
 * What a station tells of charging limits and an EV's needs (NotifyChargingLimit, ClearedChargingLimit,
 * ReportChargingProfiles, NotifyEVChargingNeeds, NotifyEVChargingSchedule), kept for smart charging.
 */
export const chargingNotices = pgTable(
  'charging_notices',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    stationId: text('station_id').notNull(),
    kind: text('kind').notNull(),
    evseId: integer('evse_id'),
    /** Anode's transaction running on the EVSE when the notice came, if any */
    transactionId: integer('transaction_id'),
    source: text('source'),
    payload: jsonb('payload').$type<Record<string, unknown>>().notNull(),
    receivedAt: timestamptz('received_at').notNull(),
  },
  (table) => [index('charging_notices_station_idx').on(table.stationId, table.id)],
);

/** The local authorization list Anode keeps in step with a station (SendLocalList), with its version. */
export const localLists = pgTable('local_lists', {
  stationId: text('station_id').primaryKey(),
  version: integer('version').notNull(),
  /** token groups whose tokens are kept on the station's list automatically; null: the list is managed by hand */
  syncGroups: jsonb('sync_groups').$type<string[]>(),
  updatedAt: timestamptz('updated_at').notNull(),
});

export const localListEntries = pgTable(
  'local_list_entries',
  {
    stationId: text('station_id').notNull(),
    idToken: text('id_token').notNull(),
    idTokenType: text('id_token_type').notNull().default('ISO14443'),
    /** the idTokenInfo / idTagInfo as sent to the station */
    info: jsonb('info').$type<Record<string, unknown>>().notNull(),
    updatedAt: timestamptz('updated_at').notNull(),
  },
  (table) => [primaryKey({ columns: [table.stationId, table.idToken, table.idTokenType] })],
);

/** The operative state an operator set (ChangeAvailability): of the station (EVSE 0), an EVSE, or a connector. */
export const availability = pgTable(
  'availability',
  {
    stationId: text('station_id').notNull(),
    evseId: integer('evse_id').notNull().default(0),
    connectorId: integer('connector_id').notNull().default(0),
    operative: boolean('operative').notNull(),
    /** the station's answer: Accepted, Scheduled or Rejected */
    status: text('status').notNull(),
    updatedAt: timestamptz('updated_at').notNull(),
  },
  (table) => [primaryKey({ columns: [table.stationId, table.evseId, table.connectorId] })],
);

/** Files stations uploaded to Anode (logs, diagnostics) at a one-time URL. */
export const stationUploads = pgTable(
  'station_uploads',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    stationId: text('station_id').notNull(),
    jobId: integer('job_id').notNull(),
    /** SHA-256 of the one-time secret in the upload URL; null once used */
    secretHash: text('secret_hash'),
    fileName: text('file_name'),
    contentType: text('content_type'),
    size: integer('size'),
    data: bytea('data'),
    createdAt: timestamptz('created_at').notNull(),
    receivedAt: timestamptz('received_at'),
  },
  (table) => [uniqueIndex('station_uploads_job_idx').on(table.jobId)],
);
