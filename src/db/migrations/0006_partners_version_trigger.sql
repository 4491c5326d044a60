-- Every change to OCPI parties (registrations, tokens) bumps the 'partners' data version (see data_versions).
INSERT INTO "data_versions" ("name", "version") VALUES ('partners', 1) ON CONFLICT DO NOTHING;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION bump_partners_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE "data_versions" SET "version" = "version" + 1 WHERE "name" = 'partners';
  RETURN NULL;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER ocpi_parties_version AFTER INSERT OR UPDATE OR DELETE ON "ocpi_parties" FOR EACH STATEMENT EXECUTE FUNCTION bump_partners_version();
