CREATE TABLE "charging_profile_senders" (
	"transaction_id" integer NOT NULL,
	"partner_id" integer NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "charging_profile_senders_transaction_id_partner_id_pk" PRIMARY KEY("transaction_id","partner_id")
);
--> statement-breakpoint
DROP INDEX "ocpi_outbox_due_idx";--> statement-breakpoint
ALTER TABLE "tokens" DROP CONSTRAINT "tokens_pkey";--> statement-breakpoint
ALTER TABLE "tokens" ADD CONSTRAINT "tokens_uid_type_pk" PRIMARY KEY("uid","type");--> statement-breakpoint
ALTER TABLE "ocpi_outbox" ADD COLUMN "addressee" jsonb;--> statement-breakpoint
ALTER TABLE "ocpi_outbox" ADD COLUMN "head" boolean DEFAULT true NOT NULL;--> statement-breakpoint
ALTER TABLE "ocpi_parties" ADD COLUMN "version" text DEFAULT '2.2.1' NOT NULL;--> statement-breakpoint
ALTER TABLE "remote_starts" ADD COLUMN "token_uid" text;--> statement-breakpoint
ALTER TABLE "remote_starts" ADD COLUMN "token_type" text;--> statement-breakpoint
ALTER TABLE "reservations" ADD COLUMN "token_type" text;--> statement-breakpoint
ALTER TABLE "tokens" ADD COLUMN "station_id_tag" text;--> statement-breakpoint
ALTER TABLE "transactions" ADD COLUMN "token_uid" text;--> statement-breakpoint
ALTER TABLE "transactions" ADD COLUMN "token_type" text;--> statement-breakpoint
ALTER TABLE "transactions" ADD COLUMN "authorization_method" text;--> statement-breakpoint
ALTER TABLE "charging_profile_senders" ADD CONSTRAINT "charging_profile_senders_transaction_id_transactions_id_fk" FOREIGN KEY ("transaction_id") REFERENCES "public"."transactions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "charging_profile_senders" ADD CONSTRAINT "charging_profile_senders_partner_id_ocpi_parties_id_fk" FOREIGN KEY ("partner_id") REFERENCES "public"."ocpi_parties"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "ocpi_outbox_claim_idx" ON "ocpi_outbox" USING btree ("partner_id","next_attempt_at","id") WHERE "ocpi_outbox"."status" = 'PENDING' and "ocpi_outbox"."head";--> statement-breakpoint
CREATE INDEX "remote_starts_expires_idx" ON "remote_starts" USING btree ("expires_at");--> statement-breakpoint
CREATE INDEX "tokens_station_id_tag_idx" ON "tokens" USING btree ("station_id_tag") WHERE "tokens"."station_id_tag" is not null;--> statement-breakpoint
-- Data: until now a uid named one token, so each row below matches at most one token. The station idTag of a long
-- uid is the one domain/token-id-tags.ts computes (keep the two in step).
UPDATE "tokens" SET "station_id_tag" = 'X' || upper(substr(encode(sha256(convert_to("type" || ':' || "uid", 'UTF8')), 'hex'), 1, 19))
  WHERE length("uid") > 20;--> statement-breakpoint
UPDATE "transactions" AS t SET "token_uid" = k."uid", "token_type" = k."type" FROM "tokens" AS k WHERE k."uid" = t."id_tag";--> statement-breakpoint
UPDATE "remote_starts" AS r SET "token_uid" = k."uid", "token_type" = k."type" FROM "tokens" AS k
  WHERE k."uid" = r."id_tag" AND r."partner_id" IS NOT NULL;--> statement-breakpoint
UPDATE "reservations" AS r SET "token_type" = k."type" FROM "tokens" AS k WHERE k."uid" = r."token_uid" AND r."partner_id" IS NOT NULL;--> statement-breakpoint
-- Entries already waiting behind an earlier one of their object are not heads.
UPDATE "ocpi_outbox" o SET "head" = false
WHERE EXISTS (SELECT 1 FROM "ocpi_outbox" e WHERE e."partner_id" = o."partner_id" AND e."object_key" = o."object_key" AND e."id" < o."id");
