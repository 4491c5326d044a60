/**
 * Sessions and charge detail records: an OCPP transaction seen as an OCPI session while it runs, and its CDR once it
 * ends, priced with the tariff of the connector. A session or CDR belongs to the party that issued the token.
 */
import { and, asc, count, eq, gte, inArray, lt, or, sql } from 'drizzle-orm';
import type { Database } from '../db/client.js';
import { cdrs, connectors, evses, locations, tokens, transactions } from '../db/schema.js';
import { ENERGY_REGISTER, readSampledValues } from './meter-samples.js';
import type { Transaction } from './transactions.js';
import type { Page, PageRequest } from './pagination.js';
import { priceSession, type PricedSession } from './pricing/pricing.js';
import type { PricingSample } from './pricing/timeline.js';
import type { Tariff } from './pricing/types.js';
import type { TariffDocument, Tariffs } from './tariffs.js';
import type { Token } from './tokens.js';

export interface Party {
  countryCode: string;
  partyId: string;
}

export interface ChargingRecordSettings {
  cpo: Party;
  defaultCurrency: string;
}

/** Everything a session or CDR is made from. */
export interface ChargingFacts {
  transaction: Transaction;
  token: Token;
  location: typeof locations.$inferSelect;
  evse: typeof evses.$inferSelect;
  connector: typeof connectors.$inferSelect;
  tariff: TariffDocument | undefined;
  priced: PricedSession;
  currency: string;
}

export type StoredCdr = typeof cdrs.$inferSelect;

type FactRow = Pick<ChargingFacts, 'transaction' | 'token' | 'evse' | 'location'>;

function groupBy<T, K>(items: T[], keyOf: (item: T) => K): Map<K, T[]> {
  const groups = new Map<K, T[]>();
  for (const item of items) {
    const group = groups.get(keyOf(item));
    if (group) group.push(item);
    else groups.set(keyOf(item), [item]);
  }
  return groups;
}

/**
 * A transaction's token: the one it was found to charge for at its start, else (a transaction whose idTag named no
 * token then) the token its idTag names now, chosen among those sharing the uid as authorization chooses
 * (token-id-tags.ts) — the subquery runs only for such transactions. And the published EVSE of its outlet.
 */
const issuingToken = and(
  eq(tokens.uid, sql`coalesce(${transactions.tokenUid}, ${transactions.idTag})`),
  eq(
    tokens.type,
    sql`coalesce(${transactions.tokenType}, (select candidate.type from ${tokens} as candidate where candidate.uid = ${transactions.idTag}
        order by array_position(array['RFID', 'APP_USER', 'AD_HOC_USER', 'OTHER'], candidate.type) limit 1))`,
  ),
);
const publishedEvse = and(eq(evses.stationId, transactions.stationId), eq(evses.ocppEvseId, transactions.evseId));

const ownedBy = (owners: Party[]) =>
  or(
    ...owners.map((owner) =>
      and(sql`upper(${tokens.countryCode}) = ${owner.countryCode.toUpperCase()}`, sql`upper(${tokens.partyId}) = ${owner.partyId.toUpperCase()}`),
    ),
  );

/** Meter readings → what the pricing engine reads: energy, power, and whether energy flowed until the next one. */
export function pricingSamples(
  transaction: Transaction,
  readings: Array<{ sampledAt: Date; measurand: string; phase: string | null; unit: string | null; value: number | null }>,
  end: Date,
): PricingSample[] {
  const byTime = new Map<number, { energyWh?: number; powerW?: number }>();
  const at = (date: Date) => {
    const entry = byTime.get(date.getTime()) ?? {};
    byTime.set(date.getTime(), entry);
    return entry;
  };
  at(transaction.startedAt).energyWh = transaction.meterStartWh;
  for (const reading of readings) {
    if (reading.value === null || reading.phase) continue;
    if (reading.measurand === ENERGY_REGISTER) at(reading.sampledAt).energyWh = reading.unit === 'kWh' ? reading.value * 1000 : reading.value;
    if (reading.measurand === 'Power.Active.Import') at(reading.sampledAt).powerW = reading.unit === 'kW' ? reading.value * 1000 : reading.value;
  }
  if (transaction.meterStopWh !== null || transaction.lastMeterWh !== null) {
    at(end).energyWh = transaction.meterStopWh ?? transaction.lastMeterWh ?? transaction.meterStartWh;
  }
  const times = [...byTime.keys()].filter((time) => time >= transaction.startedAt.getTime() && time <= end.getTime()).sort((a, b) => a - b);
  let lastEnergy = transaction.meterStartWh;
  const points = times.map((time) => {
    const entry = byTime.get(time)!;
    lastEnergy = entry.energyWh ?? lastEnergy;
    return { at: new Date(time), energyWh: lastEnergy, powerW: entry.powerW };
  });
  return points.map((point, index) => ({
    ...point,
    charging: index + 1 < points.length && points[index + 1].energyWh > point.energyWh,
  }));
}

export class ChargingRecords {
  constructor(
    private readonly db: Database,
    private readonly tariffs: Tariffs,
    private readonly settings: ChargingRecordSettings,
  ) {}

  /**
   * Transactions at a published EVSE whose token one of `owners` issued, changed in the window. A page costs the same
   * few reads whatever its size: the page itself, its count, then one read each for connectors, tariffs and meter
   * readings of the whole page (see `factsOf`).
   */
  async sessions(owners: Party[], page: PageRequest, changed: { from?: Date; before?: Date }): Promise<Page<ChargingFacts>> {
    if (owners.length === 0) return { items: [], total: 0, ...page };
    const where = and(
      ownedBy(owners),
      changed.from ? gte(transactions.updatedAt, changed.from) : undefined,
      changed.before ? lt(transactions.updatedAt, changed.before) : undefined,
    );
    const rows = await this.factRows()
      .where(where)
      .orderBy(asc(transactions.id))
      .offset(page.offset)
      .limit(page.limit);
    const [{ total }] = await this.db
      .select({ total: count() })
      .from(transactions)
      .innerJoin(tokens, issuingToken)
      .innerJoin(evses, publishedEvse)
      .where(where);
    const items = (await this.factsOf(rows)).filter((facts): facts is ChargingFacts => facts !== undefined);
    return { items, total, ...page };
  }

  /** What a transaction is in OCPI's terms, or undefined when it has no token from a party or no published EVSE. */
  async facts(transactionId: number, now = new Date()): Promise<ChargingFacts | undefined> {
    const [row] = await this.factRows().where(eq(transactions.id, transactionId));
    if (!row) return undefined;
    const [facts] = await this.factsOf([row], now);
    return facts;
  }

  /** A transaction with its token, EVSE and location: one row per transaction a session can be made of. */
  private factRows() {
    return this.db
      .select({ transaction: transactions, token: tokens, evse: evses, location: locations })
      .from(transactions)
      .innerJoin(tokens, issuingToken)
      .innerJoin(evses, publishedEvse)
      .innerJoin(locations, eq(locations.id, evses.locationId))
      .$dynamic();
  }

  /**
   * The facts of each row, in order (undefined where the EVSE has no connector): one read for the connectors of all
   * the rows' EVSEs, one for the tariffs they name, one for the meter readings of all the transactions.
   */
  private async factsOf(rows: FactRow[], now = new Date()): Promise<Array<ChargingFacts | undefined>> {
    if (rows.length === 0) return [];
    const evseUids = [...new Set(rows.map((row) => row.evse.uid))];
    const evseConnectors = await this.db.select().from(connectors).where(inArray(connectors.evseUid, evseUids)).orderBy(asc(connectors.position));
    const connectorsByEvse = groupBy(evseConnectors, (connector) => connector.evseUid);
    const connectorOf = (row: FactRow) => {
      const ofEvse = connectorsByEvse.get(row.evse.uid) ?? [];
      return ofEvse.find((candidate) => candidate.id === String(row.transaction.connectorId)) ?? ofEvse[0];
    };
    const tariffIds = [...new Set(rows.flatMap((row) => connectorOf(row)?.tariffIds.slice(0, 1) ?? []))];
    const tariffsById = await this.tariffs.getMany(tariffIds);
    const transactionIds = [...new Set(rows.map((row) => row.transaction.id))];
    const readings = await readSampledValues(this.db, transactionIds, [ENERGY_REGISTER, 'Power.Active.Import']);
    const readingsOf = groupBy(readings, (reading) => reading.transactionId);
    return rows.map((row) => {
      const connector = connectorOf(row);
      if (!connector) return undefined;
      const tariff = connector.tariffIds[0] ? tariffsById.get(connector.tariffIds[0]) : undefined;
      const currency = (tariff?.currency as string | undefined) ?? this.settings.defaultCurrency;
      const end = row.transaction.stoppedAt ?? now;
      const free: Tariff = { country_code: this.settings.cpo.countryCode, party_id: this.settings.cpo.partyId, id: 'free', currency, elements: [], last_updated: now.toISOString() };
      const priced = priceSession({
        // a stored tariff passed the OCPI Tariff schema when it was put; the store types its body loosely
        tariff: tariff ? (tariff as unknown as Tariff) : free,
        timeZone: row.location.timeZone,
        start: row.transaction.startedAt,
        end: end < row.transaction.startedAt ? row.transaction.startedAt : end,
        samples: pricingSamples(row.transaction, readingsOf.get(row.transaction.id) ?? [], end),
      });
      return { transaction: row.transaction, token: row.token, location: row.location, evse: row.evse, connector, tariff, priced, currency };
    });
  }

  /** Makes the CDR of an ended transaction (once); `build` gives its body. Answers the CDR when it was made now. */
  async recordCdr(facts: ChargingFacts, build: (facts: ChargingFacts) => { id: string; body: Record<string, unknown> }): Promise<StoredCdr | undefined> {
    if (facts.transaction.stoppedAt === null) return undefined;
    const { id, body } = build(facts);
    const [inserted] = await this.db
      .insert(cdrs)
      .values({ id, transactionId: facts.transaction.id, ownerCountryCode: facts.token.countryCode.toUpperCase(), ownerPartyId: facts.token.partyId.toUpperCase(), body, lastUpdated: new Date() })
      .onConflictDoNothing()
      .returning();
    return inserted;
  }

  async cdrs(owners: Party[], page: PageRequest, changed: { from?: Date; before?: Date }): Promise<Page<StoredCdr>> {
    if (owners.length === 0) return { items: [], total: 0, ...page };
    const where = and(
      or(...owners.map((owner) => and(eq(cdrs.ownerCountryCode, owner.countryCode.toUpperCase()), eq(cdrs.ownerPartyId, owner.partyId.toUpperCase())))),
      changed.from ? gte(cdrs.lastUpdated, changed.from) : undefined,
      changed.before ? lt(cdrs.lastUpdated, changed.before) : undefined,
    );
    const items = await this.db.select().from(cdrs).where(where).orderBy(asc(cdrs.lastUpdated), asc(cdrs.id)).offset(page.offset).limit(page.limit);
    const [{ total }] = await this.db.select({ total: count() }).from(cdrs).where(where);
    return { items, total, ...page };
  }
}
