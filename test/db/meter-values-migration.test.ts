/**
 * Migration 0011: meter values stored one row per sampled value become one row per OCPP MeterValue, nothing lost.
 * Run on an embedded PGlite with the migrations applied one file at a time, data written between 0010 and 0011.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const folder = fileURLToPath(new URL('../../src/db/migrations/', import.meta.url));
const migrations = readdirSync(folder).filter((file) => file.endsWith('.sql')).sort();

async function apply(db: PGlite, file: string): Promise<void> {
  for (const statement of readFileSync(folder + file, 'utf8').split('--> statement-breakpoint')) {
    if (statement.trim()) await db.exec(statement);
  }
}

let db: PGlite;
beforeAll(async () => {
  db = new PGlite();
  for (const file of migrations.filter((name) => name < '0011')) await apply(db, file);
  // as 0010 stored them: one row per sampled value
  await db.exec(`
    insert into meter_values (station_id, transaction_id, evse_id, sampled_at, measurand, phase, unit, context, location, value, raw_value, signed_data) values
      ('CS1', 7, 1, '2026-12-05T10:00:00Z', 'Energy.Active.Import.Register', null, 'Wh', 'Sample.Periodic', 'Outlet', 1500, null, null),
      ('CS1', 7, 1, '2026-12-05T10:00:00Z', 'Power.Active.Import', null, 'W', 'Sample.Periodic', 'Outlet', 11000, null, null),
      ('CS1', 7, 1, '2026-12-05T10:00:00Z', 'Current.Import', 'L1', 'A', 'Sample.Periodic', 'Outlet', 16, null, null),
      ('CS1', 7, 1, '2026-12-05T10:01:00Z', 'Energy.Active.Import.Register', null, 'kWh', 'Sample.Periodic', 'Outlet', 1.75, null, null),
      ('CS1', 7, 1, '2026-12-05T10:02:00Z', 'Energy.Active.Import.Register', null, 'Wh', 'Sample.Periodic', 'Outlet', 1e300, null, null),
      ('CS1', 7, 1, '2026-12-05T10:02:00Z', 'Energy.Active.Import.Register', null, 'Wh', 'Sample.Clock', 'Outlet', null, 'opaque', '{"signedMeterData":"abc"}'),
      ('CS2', null, 2, '2026-12-05T10:00:00Z', 'Voltage', 'L1-N', 'V', 'Sample.Periodic', 'Outlet', 230, null, null)`);
  await apply(db, migrations.find((name) => name.startsWith('0011'))!);
  for (const file of migrations.filter((name) => name > '0011_~')) await apply(db, file);
});
afterAll(async () => {
  await db?.close();
});

describe('Meter values, one row per sampled value before 0011', () => {
  it('become one row per station, transaction, outlet and moment, with every sampled value in the order stored', async () => {
    const { rows } = await db.query<{ station_id: string; transaction_id: number | null; sampled_at: Date; sampled_values: unknown[] }>(
      'select station_id, transaction_id, sampled_at, sampled_values from meter_values order by id',
    );
    expect(rows.map((row) => [row.station_id, row.transaction_id, row.sampled_at.toISOString(), row.sampled_values])).toEqual([
      [
        'CS1',
        7,
        '2026-12-05T10:00:00.000Z',
        [
          ['Energy.Active.Import.Register', null, 'Wh', 'Sample.Periodic', 'Outlet', 1500, null, null],
          ['Power.Active.Import', null, 'W', 'Sample.Periodic', 'Outlet', 11000, null, null],
          ['Current.Import', 'L1', 'A', 'Sample.Periodic', 'Outlet', 16, null, null],
        ],
      ],
      ['CS1', 7, '2026-12-05T10:01:00.000Z', [['Energy.Active.Import.Register', null, 'kWh', 'Sample.Periodic', 'Outlet', 1.75, null, null]]],
      [
        'CS1',
        7,
        '2026-12-05T10:02:00.000Z',
        [
          ['Energy.Active.Import.Register', null, 'Wh', 'Sample.Periodic', 'Outlet', 1e300, null, null],
          ['Energy.Active.Import.Register', null, 'Wh', 'Sample.Clock', 'Outlet', null, 'opaque', { signedMeterData: 'abc' }],
        ],
      ],
      ['CS2', null, '2026-12-05T10:00:00.000Z', [['Voltage', 'L1-N', 'V', 'Sample.Periodic', 'Outlet', 230, null, null]]],
    ]);
  });

  it("take each row's energy register reading in Wh, and none from values beyond what an integer holds exactly", async () => {
    const { rows } = await db.query<{ energy_wh: string | number | null }>('select energy_wh from meter_values order by id');
    expect(rows.map((row) => (row.energy_wh === null ? null : Number(row.energy_wh)))).toEqual([1500, 1750, null, null]);
  });

  it('take new meter values after the regrouped ones', async () => {
    await db.exec(`insert into meter_values (station_id, evse_id, sampled_at, sampled_values) values ('CS3', 1, now(), '[]')`);
    const { rows } = await db.query<{ id: number }>('select id from meter_values order by id');
    expect(rows.map((row) => Number(row.id))).toEqual([1, 2, 3, 4, 5]);
  });
});
