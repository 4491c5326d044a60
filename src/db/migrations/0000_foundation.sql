CREATE TABLE "certificates" (
	"hash" text PRIMARY KEY NOT NULL,
	"pem" text NOT NULL,
	"subject" text,
	"valid_to" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "connectors" (
	"evse_uid" text NOT NULL,
	"id" text NOT NULL,
	"position" integer NOT NULL,
	"standard" text NOT NULL,
	"format" text NOT NULL,
	"power_type" text NOT NULL,
	"max_voltage" integer NOT NULL,
	"max_amperage" integer NOT NULL,
	"max_electric_power" integer,
	"last_updated" timestamp with time zone NOT NULL,
	CONSTRAINT "connectors_evse_uid_id_pk" PRIMARY KEY("evse_uid","id")
);
--> statement-breakpoint
CREATE TABLE "evses" (
	"uid" text PRIMARY KEY NOT NULL,
	"location_id" text NOT NULL,
	"position" integer NOT NULL,
	"evse_id" text,
	"station_id" text NOT NULL,
	"ocpp_evse_id" integer NOT NULL,
	"floor_level" text,
	"physical_reference" text,
	"removed_at" timestamp with time zone,
	"last_updated" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "locations" (
	"id" text PRIMARY KEY NOT NULL,
	"country_code" text NOT NULL,
	"party_id" text NOT NULL,
	"name" text,
	"address" text NOT NULL,
	"city" text NOT NULL,
	"postal_code" text,
	"state" text,
	"country" text NOT NULL,
	"latitude" text NOT NULL,
	"longitude" text NOT NULL,
	"parking_type" text,
	"time_zone" text NOT NULL,
	"publish" boolean NOT NULL,
	"last_updated" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "ocpi_parties" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "ocpi_parties_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"registration_token" text NOT NULL,
	"versions_url" text,
	"status" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "station_requests" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "station_requests_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"station_id" text NOT NULL,
	"kind" text NOT NULL,
	"status" text NOT NULL,
	"payload" jsonb NOT NULL,
	"outcome" jsonb,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "stations" (
	"id" text PRIMARY KEY NOT NULL,
	"security_profile" integer NOT NULL,
	"password_hash" text,
	"invalid_username_allowed" boolean DEFAULT false NOT NULL,
	"registration_status" text NOT NULL,
	"registered_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"ocpp_version" text,
	"connected_node" text,
	"connected_at" timestamp with time zone,
	"last_seen_at" timestamp with time zone,
	"vendor" text,
	"model" text,
	"serial_number" text,
	"firmware_version" text,
	"last_boot_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "tokens" (
	"uid" text PRIMARY KEY NOT NULL,
	"country_code" text NOT NULL,
	"party_id" text NOT NULL,
	"type" text NOT NULL,
	"contract_id" text NOT NULL,
	"visual_number" text,
	"issuer" text NOT NULL,
	"group_id" text,
	"valid" boolean NOT NULL,
	"language_code" text,
	"cache_mode" text NOT NULL,
	"last_updated" timestamp with time zone NOT NULL
);
--> statement-breakpoint
ALTER TABLE "connectors" ADD CONSTRAINT "connectors_evse_uid_evses_uid_fk" FOREIGN KEY ("evse_uid") REFERENCES "public"."evses"("uid") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "evses" ADD CONSTRAINT "evses_location_id_locations_id_fk" FOREIGN KEY ("location_id") REFERENCES "public"."locations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "station_requests" ADD CONSTRAINT "station_requests_station_id_stations_id_fk" FOREIGN KEY ("station_id") REFERENCES "public"."stations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "evses_location_idx" ON "evses" USING btree ("location_id","position");--> statement-breakpoint
CREATE UNIQUE INDEX "evses_station_evse_idx" ON "evses" USING btree ("station_id","ocpp_evse_id") WHERE "evses"."removed_at" is null;--> statement-breakpoint
CREATE UNIQUE INDEX "ocpi_parties_registration_token_idx" ON "ocpi_parties" USING btree ("registration_token");--> statement-breakpoint
CREATE INDEX "station_requests_station_idx" ON "station_requests" USING btree ("station_id","id");--> statement-breakpoint
CREATE INDEX "station_requests_open_idx" ON "station_requests" USING btree ("station_id") WHERE "station_requests"."status" in ('Pending', 'Delivered');