CREATE TABLE "hub_client_info" (
	"country_code" text NOT NULL,
	"party_id" text NOT NULL,
	"role" text NOT NULL,
	"status" text NOT NULL,
	"reported_by" integer,
	"last_updated" timestamp with time zone NOT NULL,
	CONSTRAINT "hub_client_info_country_code_party_id_pk" PRIMARY KEY("country_code","party_id")
);
--> statement-breakpoint
CREATE TABLE "ocpi_outbox" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "ocpi_outbox_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"partner_id" integer NOT NULL,
	"module" text NOT NULL,
	"kind" text NOT NULL,
	"object_key" text NOT NULL,
	"target" jsonb NOT NULL,
	"body" jsonb,
	"status" text DEFAULT 'PENDING' NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"next_attempt_at" timestamp with time zone DEFAULT now() NOT NULL,
	"lease_until" timestamp with time zone,
	"last_error" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "reservations" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "reservations_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"partner_id" integer,
	"country_code" text NOT NULL,
	"party_id" text NOT NULL,
	"reservation_id" text NOT NULL,
	"token_uid" text NOT NULL,
	"authorization_reference" text,
	"location_id" text NOT NULL,
	"evse_uid" text,
	"station_id" text NOT NULL,
	"ocpp_evse_id" integer NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"status" text NOT NULL,
	"transaction_id" integer,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "transactions" ADD COLUMN "session_pushed_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "hub_client_info" ADD CONSTRAINT "hub_client_info_reported_by_ocpi_parties_id_fk" FOREIGN KEY ("reported_by") REFERENCES "public"."ocpi_parties"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "ocpi_outbox" ADD CONSTRAINT "ocpi_outbox_partner_id_ocpi_parties_id_fk" FOREIGN KEY ("partner_id") REFERENCES "public"."ocpi_parties"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "reservations" ADD CONSTRAINT "reservations_partner_id_ocpi_parties_id_fk" FOREIGN KEY ("partner_id") REFERENCES "public"."ocpi_parties"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "ocpi_outbox_object_idx" ON "ocpi_outbox" USING btree ("partner_id","object_key","id");--> statement-breakpoint
CREATE INDEX "ocpi_outbox_due_idx" ON "ocpi_outbox" USING btree ("next_attempt_at") WHERE "ocpi_outbox"."status" = 'PENDING';--> statement-breakpoint
CREATE UNIQUE INDEX "reservations_party_reservation_idx" ON "reservations" USING btree ("country_code","party_id","reservation_id");--> statement-breakpoint
CREATE INDEX "reservations_open_idx" ON "reservations" USING btree ("expires_at") WHERE "reservations"."status" in ('REQUESTED', 'ACTIVE');