CREATE TABLE "tariffs" (
	"id" text PRIMARY KEY NOT NULL,
	"country_code" text NOT NULL,
	"party_id" text NOT NULL,
	"body" jsonb NOT NULL,
	"last_updated" timestamp with time zone NOT NULL
);
--> statement-breakpoint
ALTER TABLE "ocpi_parties" ADD COLUMN "registration_token_used" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "ocpi_parties" ADD COLUMN "incoming_token" text;--> statement-breakpoint
ALTER TABLE "ocpi_parties" ADD COLUMN "outgoing_token" text;--> statement-breakpoint
ALTER TABLE "ocpi_parties" ADD COLUMN "version_url" text;--> statement-breakpoint
ALTER TABLE "ocpi_parties" ADD COLUMN "roles" jsonb DEFAULT '[]'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "ocpi_parties" ADD COLUMN "endpoints" jsonb DEFAULT '[]'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "ocpi_parties" ADD COLUMN "raw_tokens" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "ocpi_parties" ADD COLUMN "last_error" text;--> statement-breakpoint
ALTER TABLE "ocpi_parties" ADD COLUMN "registered_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "tokens" ADD COLUMN "owner_party_id" integer;--> statement-breakpoint
ALTER TABLE "tokens" ADD COLUMN "default_profile_type" text;--> statement-breakpoint
ALTER TABLE "tokens" ADD COLUMN "energy_contract" jsonb;--> statement-breakpoint
CREATE UNIQUE INDEX "ocpi_parties_incoming_token_idx" ON "ocpi_parties" USING btree ("incoming_token");