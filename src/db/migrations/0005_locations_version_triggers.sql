-- Every change to what OCPI locations are made of bumps the 'locations' data version (see data_versions). Live
-- status reports are not watched: when one changes an EVSE's status, the EVSE's last_updated is set, which is.
INSERT INTO "data_versions" ("name", "version") VALUES ('locations', 1) ON CONFLICT DO NOTHING;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION bump_locations_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE "data_versions" SET "version" = "version" + 1 WHERE "name" = 'locations';
  RETURN NULL;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER locations_version AFTER INSERT OR UPDATE OR DELETE ON "locations" FOR EACH STATEMENT EXECUTE FUNCTION bump_locations_version();
--> statement-breakpoint
CREATE TRIGGER evses_version AFTER INSERT OR UPDATE OR DELETE ON "evses" FOR EACH STATEMENT EXECUTE FUNCTION bump_locations_version();
--> statement-breakpoint
CREATE TRIGGER connectors_version AFTER INSERT OR UPDATE OR DELETE ON "connectors" FOR EACH STATEMENT EXECUTE FUNCTION bump_locations_version();
