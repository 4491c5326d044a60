ALTER TABLE "tokens" DROP CONSTRAINT "tokens_pkey";--> statement-breakpoint
ALTER TABLE "tokens" ADD CONSTRAINT "tokens_uid_type_pk" PRIMARY KEY("uid","type");--> statement-breakpoint
ALTER TABLE "remote_starts" ADD COLUMN "token_uid" text;--> statement-breakpoint
ALTER TABLE "remote_starts" ADD COLUMN "token_type" text;--> statement-breakpoint
ALTER TABLE "reservations" ADD COLUMN "token_type" text;--> statement-breakpoint
ALTER TABLE "tokens" ADD COLUMN "station_id_tag" text;--> statement-breakpoint
ALTER TABLE "transactions" ADD COLUMN "token_uid" text;--> statement-breakpoint
ALTER TABLE "transactions" ADD COLUMN "token_type" text;--> statement-breakpoint
ALTER TABLE "transactions" ADD COLUMN "authorization_method" text;--> statement-breakpoint
CREATE INDEX "tokens_station_id_tag_idx" ON "tokens" USING btree ("station_id_tag") WHERE "tokens"."station_id_tag" is not null;--> statement-breakpoint
-- Data: until now a uid named one token, so each row below matches at most one token. The station idTag of a long
-- uid is the one domain/token-id-tags.ts computes (keep the two in step).
UPDATE "tokens" SET "station_id_tag" = 'X' || upper(substr(encode(sha256(convert_to("type" || ':' || "uid", 'UTF8')), 'hex'), 1, 19))
  WHERE length("uid") > 20;--> statement-breakpoint
UPDATE "transactions" AS t SET "token_uid" = k."uid", "token_type" = k."type" FROM "tokens" AS k WHERE k."uid" = t."id_tag";--> statement-breakpoint
UPDATE "remote_starts" AS r SET "token_uid" = k."uid", "token_type" = k."type" FROM "tokens" AS k
  WHERE k."uid" = r."id_tag" AND r."partner_id" IS NOT NULL;--> statement-breakpoint
UPDATE "reservations" AS r SET "token_type" = k."type" FROM "tokens" AS k WHERE k."uid" = r."token_uid" AND r."partner_id" IS NOT NULL;
