CREATE TABLE "certificate_signings" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "certificate_signings_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"station_id" text NOT NULL,
	"certificate_type" text NOT NULL,
	"channel" text NOT NULL,
	"csr" text NOT NULL,
	"status" text NOT NULL,
	"reason" text,
	"signer" text,
	"certificate_chain" text,
	"serial_number" text,
	"valid_to" timestamp with time zone,
	"station_request_id" integer,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "certificate_status_checks" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "certificate_status_checks_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"station_id" text,
	"hash_algorithm" text NOT NULL,
	"issuer_name_hash" text NOT NULL,
	"issuer_key_hash" text NOT NULL,
	"serial_number" text NOT NULL,
	"responder_url" text NOT NULL,
	"status" text NOT NULL,
	"error" text,
	"cached" boolean DEFAULT false NOT NULL,
	"this_update" timestamp with time zone,
	"next_update" timestamp with time zone,
	"checked_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "pki_authorities" (
	"name" text PRIMARY KEY NOT NULL,
	"certificate" text NOT NULL,
	"encrypted_key" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "station_certificates" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "station_certificates_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"station_id" text NOT NULL,
	"certificate_type" text NOT NULL,
	"hash_algorithm" text NOT NULL,
	"issuer_name_hash" text NOT NULL,
	"issuer_key_hash" text NOT NULL,
	"serial_number" text NOT NULL,
	"source" text NOT NULL,
	"pem" text,
	"subject" text,
	"valid_to" timestamp with time zone,
	"children" jsonb,
	"renewal_requested_at" timestamp with time zone,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE INDEX "certificate_signings_station_idx" ON "certificate_signings" USING btree ("station_id","id");--> statement-breakpoint
CREATE INDEX "certificate_status_checks_station_idx" ON "certificate_status_checks" USING btree ("station_id","id");--> statement-breakpoint
CREATE UNIQUE INDEX "station_certificates_identity_idx" ON "station_certificates" USING btree ("station_id","hash_algorithm","issuer_name_hash","issuer_key_hash","serial_number");--> statement-breakpoint
CREATE INDEX "station_certificates_expiry_idx" ON "station_certificates" USING btree ("valid_to") WHERE "station_certificates"."renewal_requested_at" is null and "station_certificates"."valid_to" is not null;