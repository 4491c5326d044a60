/**
 * Sessions are read a page at a time: the page's transactions with their tokens, EVSEs and locations, then one read
 * each for connectors, tariffs and meter readings of the whole page. The queries are counted with a drizzle logger on
 * a second drizzle instance over the same database client.
 */
import type { PGlite } from '@electric-sql/pglite';
import type { Logger } from 'drizzle-orm';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import type { Sql } from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database, type DatabaseHandle } from '../../src/db/client.js';
import * as schema from '../../src/db/schema.js';
import type { SampledValueRow } from '../../src/db/schema.js';
import { ChangeFeedSlot } from '../../src/domain/change-feed.js';
import { ChargingRecords, type ChargingFacts } from '../../src/domain/charging-records.js';
import type { Page } from '../../src/domain/pagination.js';
import { Tariffs } from '../../src/domain/tariffs.js';
import { ENERGY_REGISTER } from '../../src/domain/meter-samples.js';
import { createTestDatabase, type TestDatabase } from '../support/anode.js';

const cpo = { countryCode: 'NL', partyId: 'ANO' };
const owner = { countryCode: 'NL', partyId: 'EMS' };
const SESSIONS = 32;

let database: TestDatabase;
let handle: DatabaseHandle;
let records: ChargingRecords;
const queries: string[] = [];

/** The queries `run` makes. */
async function counting<T>(run: () => Promise<T>): Promise<{ result: T; count: number }> {
  queries.length = 0;
  const result = await run();
  return { result, count: queries.length };
}

/**
 * 32 ended transactions cycling over: EVSE E1 connector 1 (tariff T1), E1 connector 2 (no tariff), E2 (a tariff id
 * that does not exist), E1 with a connector id it does not have (falls back to its first connector), E3 (no
 * connectors: no session). Every fourth token is another party's. Each transaction has its own meter readings.
 */
async function seed(db: Database): Promise<void> {
  const at = (minutes: number) => new Date(Date.UTC(2024, 4, 1, 8, 0) + minutes * 60_000);
  await db.insert(schema.tariffs).values({
    id: 'T1',
    ...cpo,
    body: { currency: 'EUR', elements: [{ price_components: [{ type: 'ENERGY', price: 0.25, vat: 21, step_size: 1 }] }] },
    lastUpdated: at(0),
  });
  await db.insert(schema.locations).values({
    id: 'L1',
    ...cpo,
    address: 'Kerkstraat 1',
    city: 'Delft',
    country: 'NLD',
    latitude: '52.01160',
    longitude: '4.35712',
    timeZone: 'Europe/Amsterdam',
    publish: true,
    lastUpdated: at(0),
  });
  await db.insert(schema.evses).values([
    { uid: 'E1', locationId: 'L1', position: 0, stationId: 'CS1', ocppEvseId: 1, lastUpdated: at(0) },
    { uid: 'E2', locationId: 'L1', position: 1, stationId: 'CS1', ocppEvseId: 2, lastUpdated: at(0) },
    { uid: 'E3', locationId: 'L1', position: 2, stationId: 'CS2', ocppEvseId: 1, lastUpdated: at(0) },
  ]);
  const connector = { standard: 'IEC_62196_T2', format: 'SOCKET', powerType: 'AC_3_PHASE', maxVoltage: 400, maxAmperage: 32, lastUpdated: at(0) };
  await db.insert(schema.connectors).values([
    { evseUid: 'E1', id: '1', position: 0, tariffIds: ['T1'], ...connector },
    { evseUid: 'E1', id: '2', position: 1, tariffIds: [], ...connector },
    { evseUid: 'E2', id: '1', position: 0, tariffIds: ['NO-SUCH-TARIFF'], ...connector },
  ]);
  const token = { type: 'RFID' as const, issuer: 'x', valid: true, cacheMode: 'ALWAYS' as const, lastUpdated: at(0) };
  await db.insert(schema.tokens).values([
    { uid: 'TOK-A', ...owner, contractId: 'NL-EMS-A', ...token },
    { uid: 'TOK-B', countryCode: 'DE', partyId: 'OTH', contractId: 'DE-OTH-B', ...token },
  ]);
  const outlets = [
    { stationId: 'CS1', evseId: 1, connectorId: 1 },
    { stationId: 'CS1', evseId: 1, connectorId: 2 },
    { stationId: 'CS1', evseId: 2, connectorId: 1 },
    { stationId: 'CS1', evseId: 1, connectorId: 9 },
    { stationId: 'CS2', evseId: 1, connectorId: 1 },
  ];
  for (let i = 0; i < SESSIONS; i += 1) {
    const start = i * 120;
    const energyWh = 1000 + i * 100;
    const [transaction] = await db
      .insert(schema.transactions)
      .values({
        ...outlets[i % outlets.length],
        ocppVersion: '1.6',
        idTag: i % 4 === 3 ? 'TOK-B' : 'TOK-A',
        meterStartWh: 0,
        meterStopWh: energyWh,
        startedAt: at(start),
        stoppedAt: at(start + 60),
        updatedAt: at(start + 60),
      })
      .returning({ id: schema.transactions.id });
    const outlet = { stationId: 'CS1', transactionId: transaction.id, evseId: 1 };
    const sampled = (measurand: string, unit: string, value: number): SampledValueRow => [measurand, null, unit, null, null, value, null, null];
    await db.insert(schema.meterValues).values([
      { ...outlet, sampledAt: at(start + 15), sampledValues: [sampled(ENERGY_REGISTER, 'Wh', energyWh * 0.25), sampled('Power.Active.Import', 'W', 7400 + i)] },
      { ...outlet, sampledAt: at(start + 30), sampledValues: [sampled(ENERGY_REGISTER, 'Wh', energyWh * 0.5)] },
      { ...outlet, sampledAt: at(start + 45), sampledValues: [sampled(ENERGY_REGISTER, 'Wh', energyWh * 0.5)] },
    ]);
  }
}

beforeAll(async () => {
  database = await createTestDatabase();
  const url = database.env.DATABASE_URL;
  handle = await openDatabase(url ? { kind: 'postgres', url, maxConnections: 2 } : { kind: 'pglite', dataDir: database.env.ANODE_DATA_DIR });
  await seed(handle.db);
  const logger: Logger = { logQuery: (query) => void queries.push(query) };
  const client = (handle.db as unknown as { $client: unknown }).$client;
  const counted = (
    handle.kind === 'pglite' ? drizzlePglite(client as PGlite, { schema, logger }) : drizzlePostgres(client as Sql, { schema, logger })
  ) as unknown as Database;
  records = new ChargingRecords(counted, new Tariffs(counted, cpo, new ChangeFeedSlot()), { cpo, defaultCurrency: 'USD' });
});
afterAll(async () => {
  await handle?.close();
  await database?.drop();
});

describe('the sessions list reads a page in a bounded number of queries', () => {
  let all: Page<ChargingFacts>;

  it('a page of 1 and a page of 50 both cost 5 queries: page, count, connectors, tariffs, meter readings', async () => {
    const one = await counting(() => records.sessions([owner], { offset: 0, limit: 1 }, {}));
    const fifty = await counting(() => records.sessions([owner], { offset: 0, limit: 50 }, {}));
    all = fifty.result;
    expect(one.result.items).toHaveLength(1);
    expect(all.items.length).toBeGreaterThan(15);
    expect(one.count).toBe(5);
    expect(fifty.count).toBe(5);
  });

  it('the page holds the owner\'s sessions at EVSEs with connectors; the total counts all of the owner\'s transactions', async () => {
    const expected = Array.from({ length: SESSIONS }, (_, i) => i).filter((i) => i % 4 !== 3);
    expect(all.total).toBe(expected.length);
    expect(all.items.every((facts) => facts.token.uid === 'TOK-A' && facts.evse.uid !== 'E3')).toBe(true);
    expect(all.items.map((facts) => facts.transaction.id)).toEqual([...all.items.map((facts) => facts.transaction.id)].sort((a, b) => a - b));
    expect(all.items).toHaveLength(expected.filter((i) => i % 5 !== 4).length);
  });

  it('each session gets its own connector, tariff and meter readings', async () => {
    const byOutlet = (evseUid: string, connectorId: number) =>
      all.items.find((facts) => facts.evse.uid === evseUid && facts.transaction.connectorId === connectorId)!;
    expect(byOutlet('E1', 1)).toMatchObject({ connector: { id: '1' }, tariff: { id: 'T1' }, currency: 'EUR' });
    expect(byOutlet('E1', 2)).toMatchObject({ connector: { id: '2' }, tariff: undefined, currency: 'USD' });
    expect(byOutlet('E2', 1)).toMatchObject({ connector: { id: '1' }, tariff: undefined, currency: 'USD' });
    expect(byOutlet('E1', 9)).toMatchObject({ connector: { id: '1' }, tariff: { id: 'T1' } });
    for (const facts of all.items) {
      const kwh = (facts.transaction.meterStopWh! - facts.transaction.meterStartWh) / 1000;
      expect(facts.priced.totalEnergyKwh).toBeCloseTo(kwh, 6);
    }
  });

  it('a page makes the same facts as reading each session on its own, which costs at most 4 queries', async () => {
    for (const facts of all.items) {
      const single = await counting(() => records.facts(facts.transaction.id));
      expect(single.result).toEqual(facts);
      expect(single.count).toBeLessThanOrEqual(4);
    }
  });

  it('an owner without sessions costs 2 queries (page and count)', async () => {
    const none = await counting(() => records.sessions([{ countryCode: 'FR', partyId: 'NON' }], { offset: 0, limit: 50 }, {}));
    expect(none.result).toEqual({ items: [], total: 0, offset: 0, limit: 50 });
    expect(none.count).toBe(2);
  });
});
