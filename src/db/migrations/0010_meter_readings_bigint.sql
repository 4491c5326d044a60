ALTER TABLE "transactions" ALTER COLUMN "meter_start_wh" SET DATA TYPE bigint;--> statement-breakpoint
ALTER TABLE "transactions" ALTER COLUMN "meter_stop_wh" SET DATA TYPE bigint;--> statement-breakpoint
ALTER TABLE "transactions" ALTER COLUMN "last_meter_wh" SET DATA TYPE bigint;