CREATE TABLE "charging_profile_senders" (
	"transaction_id" integer NOT NULL,
	"partner_id" integer NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "charging_profile_senders_transaction_id_partner_id_pk" PRIMARY KEY("transaction_id","partner_id")
);
--> statement-breakpoint
DROP INDEX "ocpi_outbox_due_idx";--> statement-breakpoint
ALTER TABLE "ocpi_outbox" ADD COLUMN "head" boolean DEFAULT true NOT NULL;--> statement-breakpoint
ALTER TABLE "charging_profile_senders" ADD CONSTRAINT "charging_profile_senders_transaction_id_transactions_id_fk" FOREIGN KEY ("transaction_id") REFERENCES "public"."transactions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "charging_profile_senders" ADD CONSTRAINT "charging_profile_senders_partner_id_ocpi_parties_id_fk" FOREIGN KEY ("partner_id") REFERENCES "public"."ocpi_parties"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "ocpi_outbox_claim_idx" ON "ocpi_outbox" USING btree ("partner_id","next_attempt_at","id") WHERE "ocpi_outbox"."status" = 'PENDING' and "ocpi_outbox"."head";--> statement-breakpoint
CREATE INDEX "remote_starts_expires_idx" ON "remote_starts" USING btree ("expires_at");--> statement-breakpoint
-- Entries already waiting behind an earlier one of their object are not heads.
UPDATE "ocpi_outbox" o SET "head" = false
WHERE EXISTS (SELECT 1 FROM "ocpi_outbox" e WHERE e."partner_id" = o."partner_id" AND e."object_key" = o."object_key" AND e."id" < o."id");
