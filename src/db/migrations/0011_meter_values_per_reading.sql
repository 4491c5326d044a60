-- One row per OCPP MeterValue (its sampled values in one jsonb array) instead of one row per sampled value.
-- The sampled values stored so far are regrouped by the moment they were taken, in the order they were stored; a
-- row's energy_wh is its highest energy register reading in Wh, by the rule of energyWh (domain/transactions.ts).
ALTER TABLE "meter_values" RENAME TO "meter_values_0010";--> statement-breakpoint
ALTER TABLE "meter_values_0010" RENAME CONSTRAINT "meter_values_pkey" TO "meter_values_0010_pkey";--> statement-breakpoint
ALTER INDEX "meter_values_transaction_idx" RENAME TO "meter_values_0010_transaction_idx";--> statement-breakpoint
ALTER SEQUENCE "meter_values_id_seq" RENAME TO "meter_values_0010_id_seq";--> statement-breakpoint
CREATE TABLE "meter_values" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "meter_values_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"station_id" text NOT NULL,
	"transaction_id" integer,
	"evse_id" integer NOT NULL,
	"sampled_at" timestamp with time zone NOT NULL,
	"energy_wh" bigint,
	"sampled_values" jsonb NOT NULL
);--> statement-breakpoint
INSERT INTO "meter_values" ("station_id", "transaction_id", "evse_id", "sampled_at", "energy_wh", "sampled_values")
SELECT "station_id", "transaction_id", "evse_id", "sampled_at",
       max(CASE WHEN "measurand" = 'Energy.Active.Import.Register' AND "phase" IS NULL AND "value" IS NOT NULL
                     AND coalesce("unit", 'Wh') IN ('Wh', 'kWh')
                     AND abs(CASE WHEN "unit" = 'kWh' THEN round("value" * 1000) ELSE round("value") END) <= 9007199254740991
                THEN (CASE WHEN "unit" = 'kWh' THEN round("value" * 1000) ELSE round("value") END)::bigint END),
       jsonb_agg(jsonb_build_array("measurand", "phase", "unit", "context", "location", "value", "raw_value", "signed_data") ORDER BY "id")
FROM "meter_values_0010"
GROUP BY "station_id", "transaction_id", "evse_id", "sampled_at"
ORDER BY min("id");--> statement-breakpoint
DROP TABLE "meter_values_0010";--> statement-breakpoint
CREATE INDEX "meter_values_transaction_idx" ON "meter_values" USING btree ("transaction_id","sampled_at");
