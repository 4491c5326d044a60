CREATE TABLE "remote_starts" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "remote_starts_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"station_id" text NOT NULL,
	"ocpp_evse_id" integer NOT NULL,
	"id_tag" text NOT NULL,
	"partner_id" integer,
	"authorization_reference" text,
	"sent_at" timestamp with time zone NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"result" text,
	"transaction_id" integer
);
--> statement-breakpoint
ALTER TABLE "transactions" ADD COLUMN "authorization_reference" text;--> statement-breakpoint
ALTER TABLE "remote_starts" ADD CONSTRAINT "remote_starts_partner_id_ocpi_parties_id_fk" FOREIGN KEY ("partner_id") REFERENCES "public"."ocpi_parties"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "remote_starts_open_idx" ON "remote_starts" USING btree ("station_id","ocpp_evse_id","id_tag","expires_at") WHERE "remote_starts"."transaction_id" is null;