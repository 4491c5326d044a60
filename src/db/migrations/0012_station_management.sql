CREATE TABLE "availability" (
	"station_id" text NOT NULL,
	"evse_id" integer DEFAULT 0 NOT NULL,
	"connector_id" integer DEFAULT 0 NOT NULL,
	"operative" boolean NOT NULL,
	"status" text NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	CONSTRAINT "availability_station_id_evse_id_connector_id_pk" PRIMARY KEY("station_id","evse_id","connector_id")
);
--> statement-breakpoint
CREATE TABLE "charging_notices" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "charging_notices_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"station_id" text NOT NULL,
	"kind" text NOT NULL,
	"evse_id" integer,
	"transaction_id" integer,
	"source" text,
	"payload" jsonb NOT NULL,
	"received_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "device_events" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "device_events_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"station_id" text NOT NULL,
	"event_id" integer NOT NULL,
	"occurred_at" timestamp with time zone NOT NULL,
	"trigger" text NOT NULL,
	"cause" integer,
	"actual_value" text NOT NULL,
	"tech_code" text,
	"tech_info" text,
	"cleared" boolean,
	"transaction_id" text,
	"variable_monitoring_id" integer,
	"event_notification_type" text NOT NULL,
	"component" text NOT NULL,
	"component_instance" text DEFAULT '' NOT NULL,
	"evse_id" integer DEFAULT 0 NOT NULL,
	"connector_id" integer DEFAULT 0 NOT NULL,
	"variable" text NOT NULL,
	"variable_instance" text DEFAULT '' NOT NULL,
	"problem" boolean NOT NULL,
	"generated_at" timestamp with time zone NOT NULL,
	"received_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "device_variables" (
	"station_id" text NOT NULL,
	"component" text NOT NULL,
	"component_instance" text DEFAULT '' NOT NULL,
	"evse_id" integer DEFAULT 0 NOT NULL,
	"connector_id" integer DEFAULT 0 NOT NULL,
	"variable" text NOT NULL,
	"variable_instance" text DEFAULT '' NOT NULL,
	"attribute_type" text DEFAULT 'Actual' NOT NULL,
	"value" text,
	"mutability" text,
	"persistent" boolean,
	"constant" boolean,
	"characteristics" jsonb,
	"attribute_status" text,
	"source" text NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	CONSTRAINT "device_variables_station_id_component_component_instance_evse_id_connector_id_variable_variable_instance_attribute_type_pk" PRIMARY KEY("station_id","component","component_instance","evse_id","connector_id","variable","variable_instance","attribute_type")
);
--> statement-breakpoint
CREATE TABLE "display_messages" (
	"station_id" text NOT NULL,
	"message_id" integer NOT NULL,
	"priority" text NOT NULL,
	"state" text,
	"start_at" timestamp with time zone,
	"end_at" timestamp with time zone,
	"transaction_id" text,
	"message" jsonb NOT NULL,
	"display" jsonb,
	"status" text NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	CONSTRAINT "display_messages_station_id_message_id_pk" PRIMARY KEY("station_id","message_id")
);
--> statement-breakpoint
CREATE TABLE "local_list_entries" (
	"station_id" text NOT NULL,
	"id_token" text NOT NULL,
	"id_token_type" text DEFAULT 'ISO14443' NOT NULL,
	"info" jsonb NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	CONSTRAINT "local_list_entries_station_id_id_token_id_token_type_pk" PRIMARY KEY("station_id","id_token","id_token_type")
);
--> statement-breakpoint
CREATE TABLE "local_lists" (
	"station_id" text PRIMARY KEY NOT NULL,
	"version" integer NOT NULL,
	"sync_groups" jsonb,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "station_jobs" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "station_jobs_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"station_id" text NOT NULL,
	"kind" text NOT NULL,
	"request_id" integer,
	"request" jsonb,
	"status" text NOT NULL,
	"history" jsonb NOT NULL,
	"result" jsonb,
	"parts_received" integer DEFAULT 0 NOT NULL,
	"last_seq_no" integer,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	"finished_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "station_uploads" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "station_uploads_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"station_id" text NOT NULL,
	"job_id" integer NOT NULL,
	"secret_hash" text,
	"file_name" text,
	"content_type" text,
	"size" integer,
	"data" "bytea",
	"created_at" timestamp with time zone NOT NULL,
	"received_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "variable_monitors" (
	"station_id" text NOT NULL,
	"monitor_id" integer NOT NULL,
	"component" text NOT NULL,
	"component_instance" text DEFAULT '' NOT NULL,
	"evse_id" integer DEFAULT 0 NOT NULL,
	"connector_id" integer DEFAULT 0 NOT NULL,
	"variable" text NOT NULL,
	"variable_instance" text DEFAULT '' NOT NULL,
	"type" text NOT NULL,
	"severity" integer NOT NULL,
	"value" text NOT NULL,
	"transaction" boolean DEFAULT false NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	CONSTRAINT "variable_monitors_station_id_monitor_id_pk" PRIMARY KEY("station_id","monitor_id")
);
--> statement-breakpoint
ALTER TABLE "reservations" ALTER COLUMN "location_id" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "transaction_events" ADD COLUMN "occurred_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "transaction_events" ADD COLUMN "trigger_reason" text;--> statement-breakpoint
ALTER TABLE "transaction_events" ADD COLUMN "charging_state" text;--> statement-breakpoint
ALTER TABLE "transaction_events" ADD COLUMN "offline" boolean;--> statement-breakpoint
ALTER TABLE "transactions" ADD COLUMN "charging_state" text;--> statement-breakpoint
ALTER TABLE "transactions" ADD COLUMN "offline" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "transactions" ADD COLUMN "closed_by" text;--> statement-breakpoint
CREATE INDEX "charging_notices_station_idx" ON "charging_notices" USING btree ("station_id","id");--> statement-breakpoint
CREATE INDEX "device_events_station_idx" ON "device_events" USING btree ("station_id","id");--> statement-breakpoint
CREATE INDEX "device_events_problem_idx" ON "device_events" USING btree ("station_id","id") WHERE "device_events"."problem";--> statement-breakpoint
CREATE INDEX "device_variables_changed_idx" ON "device_variables" USING btree ("station_id","updated_at");--> statement-breakpoint
CREATE UNIQUE INDEX "station_jobs_request_idx" ON "station_jobs" USING btree ("station_id","kind","request_id");--> statement-breakpoint
CREATE INDEX "station_jobs_station_idx" ON "station_jobs" USING btree ("station_id","id");--> statement-breakpoint
CREATE UNIQUE INDEX "station_uploads_job_idx" ON "station_uploads" USING btree ("job_id");