CREATE TABLE "connector_statuses" (
	"station_id" text NOT NULL,
	"evse_id" integer NOT NULL,
	"connector_id" integer NOT NULL,
	"status" text NOT NULL,
	"error_code" text,
	"info" text,
	"reported_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	CONSTRAINT "connector_statuses_station_id_evse_id_connector_id_pk" PRIMARY KEY("station_id","evse_id","connector_id")
);
--> statement-breakpoint
CREATE TABLE "meter_values" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "meter_values_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"station_id" text NOT NULL,
	"transaction_id" integer,
	"evse_id" integer NOT NULL,
	"sampled_at" timestamp with time zone NOT NULL,
	"measurand" text NOT NULL,
	"phase" text,
	"unit" text,
	"context" text,
	"location" text,
	"value" double precision,
	"raw_value" text,
	"signed_data" jsonb
);
--> statement-breakpoint
CREATE TABLE "station_calls" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "station_calls_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"station_id" text NOT NULL,
	"action" text NOT NULL,
	"request" jsonb NOT NULL,
	"status" text NOT NULL,
	"response" jsonb,
	"error_code" text,
	"error_description" text,
	"station_request_id" integer,
	"created_at" timestamp with time zone NOT NULL,
	"answered_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "station_events" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "station_events_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"station_id" text NOT NULL,
	"action" text NOT NULL,
	"payload" jsonb NOT NULL,
	"received_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "transaction_events" (
	"transaction_id" integer NOT NULL,
	"seq_no" integer NOT NULL,
	"event_type" text NOT NULL,
	"received_at" timestamp with time zone NOT NULL,
	CONSTRAINT "transaction_events_transaction_id_seq_no_pk" PRIMARY KEY("transaction_id","seq_no")
);
--> statement-breakpoint
CREATE TABLE "transactions" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "transactions_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"station_id" text NOT NULL,
	"ocpp_version" text NOT NULL,
	"station_transaction_id" text,
	"start_key" text,
	"evse_id" integer NOT NULL,
	"connector_id" integer NOT NULL,
	"id_tag" text,
	"id_token_type" text,
	"authorization_status" text,
	"reservation_id" integer,
	"remote_start_id" integer,
	"meter_start_wh" integer NOT NULL,
	"meter_stop_wh" integer,
	"last_meter_wh" integer,
	"started_at" timestamp with time zone NOT NULL,
	"stopped_at" timestamp with time zone,
	"stop_reason" text,
	"stop_id_tag" text,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
ALTER TABLE "stations" ADD COLUMN "firmware_status" text;--> statement-breakpoint
ALTER TABLE "stations" ADD COLUMN "diagnostics_status" text;--> statement-breakpoint
ALTER TABLE "tokens" ADD COLUMN "expires_at" timestamp with time zone;--> statement-breakpoint
CREATE INDEX "meter_values_transaction_idx" ON "meter_values" USING btree ("transaction_id","sampled_at");--> statement-breakpoint
CREATE INDEX "meter_values_station_idx" ON "meter_values" USING btree ("station_id","sampled_at");--> statement-breakpoint
CREATE INDEX "station_calls_station_idx" ON "station_calls" USING btree ("station_id","id");--> statement-breakpoint
CREATE INDEX "station_events_station_idx" ON "station_events" USING btree ("station_id","id");--> statement-breakpoint
CREATE UNIQUE INDEX "transactions_station_tx_idx" ON "transactions" USING btree ("station_id","station_transaction_id");--> statement-breakpoint
CREATE UNIQUE INDEX "transactions_start_key_idx" ON "transactions" USING btree ("station_id","start_key");--> statement-breakpoint
CREATE INDEX "transactions_station_started_idx" ON "transactions" USING btree ("station_id","started_at");