/**
 * Migration 0015: tokens named by uid and type. Rows written before it keep working: a long uid gets the station idTag
 * the code computes, and transactions, remote starts and reservations learn the type of the token they name.
 * Run on an embedded PGlite with the migrations applied one file at a time, data written between 0014 and 0015.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stationIdTagOf } from '../../src/domain/token-id-tags.js';

const folder = fileURLToPath(new URL('../../src/db/migrations/', import.meta.url));
const migrations = readdirSync(folder).filter((file) => file.endsWith('.sql')).sort();
const LONG = '8f14e45f-ceea-467f-a0e6-1b2c3d4e5f60';

async function apply(db: PGlite, file: string): Promise<void> {
  for (const statement of readFileSync(folder + file, 'utf8').split('--> statement-breakpoint')) {
    if (statement.trim()) await db.exec(statement);
  }
}

let db: PGlite;
beforeAll(async () => {
  db = new PGlite();
  for (const file of migrations.filter((name) => name < '0015')) await apply(db, file);
  await db.exec(`
    insert into tokens (uid, country_code, party_id, type, contract_id, issuer, valid, cache_mode, last_updated) values
      ('04A1B2C3', 'NL', 'EMS', 'RFID', 'NL-EMS-1', 'Card', true, 'ALWAYS', now()),
      ('${LONG}', 'NL', 'EMS', 'APP_USER', 'NL-EMS-2', 'App', true, 'ALLOWED', now());
    insert into transactions (station_id, ocpp_version, evse_id, connector_id, id_tag, meter_start_wh, started_at, updated_at) values
      ('CS1', 'ocpp1.6', 1, 0, '04A1B2C3', 0, now(), now()),
      ('CS1', 'ocpp1.6', 1, 0, 'UNKNOWN', 0, now(), now());
    insert into remote_starts (station_id, ocpp_evse_id, id_tag, partner_id, sent_at, expires_at) values ('CS1', 1, '04A1B2C3', null, now(), now());`);
  await apply(db, migrations.find((name) => name.startsWith('0015'))!);
  for (const file of migrations.filter((name) => name > '0015_~')) await apply(db, file);
});
afterAll(async () => {
  await db?.close();
});

describe('tokens stored before 0015', () => {
  it('a uid longer than an OCPP 1.6 idTag gets the station idTag the code computes; a short one none', async () => {
    const { rows } = await db.query<{ uid: string; station_id_tag: string | null }>('select uid, station_id_tag from tokens order by uid');
    expect(rows).toEqual([
      { uid: '04A1B2C3', station_id_tag: null },
      { uid: LONG, station_id_tag: stationIdTagOf(LONG, 'APP_USER') },
    ]);
    expect(stationIdTagOf(LONG, 'APP_USER')).toMatch(/^X[0-9A-F]{19}$/);
  });

  it('a second token with the same uid and another type can now be stored', async () => {
    await db.exec(`insert into tokens (uid, country_code, party_id, type, contract_id, issuer, valid, cache_mode, last_updated)
      values ('04A1B2C3', 'NL', 'EMS', 'APP_USER', 'NL-EMS-3', 'App', true, 'ALWAYS', now())`);
    const { rows } = await db.query<{ type: string }>(`select type from tokens where uid = '04A1B2C3' order by type`);
    expect(rows.map((row) => row.type)).toEqual(['APP_USER', 'RFID']);
  });

  it('transactions name the token their idTag named (none for an unknown one); the operator remote start is left alone', async () => {
    const { rows } = await db.query<{ id_tag: string; token_uid: string | null; token_type: string | null }>(
      'select id_tag, token_uid, token_type from transactions order by id',
    );
    expect(rows).toEqual([
      { id_tag: '04A1B2C3', token_uid: '04A1B2C3', token_type: 'RFID' },
      { id_tag: 'UNKNOWN', token_uid: null, token_type: null },
    ]);
    const starts = await db.query<{ token_uid: string | null }>('select token_uid from remote_starts');
    expect(starts.rows).toEqual([{ token_uid: null }]);
  });
});
