CREATE TABLE "cdrs" (
	"id" text PRIMARY KEY NOT NULL,
	"transaction_id" integer NOT NULL,
	"owner_country_code" text NOT NULL,
	"owner_party_id" text NOT NULL,
	"body" jsonb NOT NULL,
	"last_updated" timestamp with time zone NOT NULL
);
--> statement-breakpoint
ALTER TABLE "connectors" ADD COLUMN "tariff_ids" jsonb DEFAULT '[]'::jsonb NOT NULL;--> statement-breakpoint
CREATE UNIQUE INDEX "cdrs_transaction_idx" ON "cdrs" USING btree ("transaction_id");--> statement-breakpoint
CREATE INDEX "cdrs_owner_idx" ON "cdrs" USING btree ("owner_country_code","owner_party_id","last_updated");