import { and, count, desc, eq, inArray, isNull, sql, type SQL } from 'drizzle-orm';
import { Batcher } from '../db/batcher.js';
import { PREPARED, type Database } from '../db/client.js';
import { meterValues, reservations, transactions } from '../db/schema.js';
import { withChanges, type ChangeFeed } from './change-feed.js';
import { EnergyRowSync } from './energy-row-sync.js';
import { NotFoundError } from './errors.js';
import { highestEnergyWh, meterValuesOf, readSampledValues, sampledValueRow, type MeterSample, type StoredMeterValue } from './meter-samples.js';
import type { Page, PageRequest } from './pagination.js';
import type { AuthorizationOutcome } from './authorization.js';
import type { RemoteStart, RemoteStarts } from './remote-starts.js';
import { applyTransactionEvent, eventsOf, type StoredTransactionEvent, type TransactionEventReport } from './transaction-events.js';

export type Transaction = typeof transactions.$inferSelect;

export interface IdentifyTransaction {
  transactionId: number;
  stationId: string;
  evseId: number;
  /** without one, the token of the remote start the station names */
  idTag?: string;
  idTokenType?: string;
  authorizationStatus?: string;
  /** the token the idTag was found to name, and how it was authorized */
  authorization?: AuthorizationOutcome;
  /** the remote start the station says the transaction answers (OCPP 2.0.1 F01: the cable was plugged in first) */
  remoteStartId?: number;
}

export interface StartTransaction {
  stationId: string;
  ocppVersion: string;
  evseId: number;
  connectorId: number;
  idTag?: string;
  idTokenType?: string;
  authorizationStatus?: string;
  /** the token the idTag was found to name, and how it was authorized */
  authorization?: AuthorizationOutcome;
  meterStartWh: number;
  startedAt: Date;
  reservationId?: number;
  /** the remote start the station says the transaction answers */
  remoteStartId?: number;
  /**
   * The station's start message has no room to name a remote start (OCPP 1.6): a remote start sent to this outlet
   * for this idTag that has not expired is taken to be the one the transaction answers.
   */
  remoteStartUnnamed?: boolean;
  /** OCPP 2.0.1: the station's own transaction id (what makes a retry recognisable) */
  stationTransactionId?: string;
  /** OCPP 1.6: what makes a repeated StartTransaction recognisable */
  startKey?: string;
}

export interface StopTransaction {
  transactionId: number;
  stoppedAt: Date;
  meterStopWh?: number;
  reason?: string;
  idTag?: string;
  /** who ended it when the station did not: a rule (station-reboot, stale) or the operator */
  closedBy?: string;
}

/**
 * The authorization_reference of the reservation a station starts a transaction with, else the one the issuer gave
 * in real time, as a column value.
 */
const reservationReference = (stationId: string, reservationId: number, realtime: string | null) =>
  sql`coalesce((select ${reservations.authorizationReference} from ${reservations}
       where ${reservations.id} = ${reservationId} and ${reservations.stationId} = ${stationId}), ${realtime}::text)`;

/** The columns that say whose token a transaction charges for and how it was authorized. */
function authorizationColumns(authorization: AuthorizationOutcome | undefined, remoteStart: RemoteStart | undefined) {
  const commanded = remoteStart?.tokenUid && remoteStart.tokenType ? { uid: remoteStart.tokenUid, type: remoteStart.tokenType } : undefined;
  const token = commanded ?? authorization?.token;
  return {
    tokenUid: token?.uid ?? null,
    tokenType: token?.type ?? null,
    authorizationMethod: remoteStart ? ('command' as const) : (authorization?.method ?? null),
  };
}

/** The largest energy register reading among a transaction's stored meter values, in Wh, as a column value. */
const storedEnergyWh = (transactionId: number) =>
  sql`(select max(${meterValues.energyWh}) from ${meterValues} where ${meterValues.transactionId} = ${transactionId})`;

interface MeterBatchItem {
  stationId: string;
  transactionId: number | null;
  evseId: number;
  samples: MeterSample[];
}

interface EnergyReading {
  id: number;
  wh: number;
}

/**
 * Energy readings as rows v(id, wh) to join with transactions. Two arrays, unnested: the planner takes them for
 * a few rows and looks each transaction up by its key. json_to_recordset counts as 100 rows, and joined with a small
 * table that meant a sequential scan of every transaction in every meter-values batch (a third more PostgreSQL CPU in
 * bench:ocpp once the rows' refreshes were spread over the interval).
 */
function readingRows(energy: EnergyReading[]) {
  const ids = `{${energy.map(({ id }) => id).join(',')}}`;
  const whs = `{${energy.map(({ wh }) => wh).join(',')}}`;
  return sql`unnest(${ids}::integer[], ${whs}::bigint[]) as v(id, wh)`;
}

/** The transaction's latest energy reading: its row's copy, or a newer one among its samples. */
function latestEnergyWh(transaction: Transaction, samples: StoredMeterValue[]): number | null {
  return transaction.meterStopWh ?? highestEnergyWh(samples, transaction.lastMeterWh);
}

export class Transactions {
  private readonly meterWriter: Batcher<MeterBatchItem>;
  private readonly energyRows: EnergyRowSync;
  /** a running session's progress is told to the feed at most once per this interval */
  private readonly sessionUpdateMs: number;

  constructor(
    private readonly db: Database,
    private readonly feed: ChangeFeed,
    private readonly remoteStarts: RemoteStarts,
    intervals: { sessionUpdateMs: number; meterSyncMs: number },
  ) {
    this.sessionUpdateMs = intervals.sessionUpdateMs;
    this.energyRows = new EnergyRowSync(intervals.meterSyncMs);
    this.meterWriter = new Batcher((items) => this.writeMeterValues(items), { maxItems: 1000, maxDelayMs: 5 });
  }

  /**
   * Starts a transaction; a retry of the same start returns the transaction made the first time. A transaction that
   * answers a remote start takes it (in the same commit): it is remotely started, with the remote start's
   * authorization reference.
   */
  async start(input: StartTransaction): Promise<{ transaction: Transaction; created: boolean }> {
    const now = new Date();
    const told = this.feed.wants('session');
    // Most starts answer no remote start: one indexed read tells, and only those that may do pay for a transaction.
    const candidate = await this.remoteStarts.candidate(input, now);
    // A start that names a remote start Anode has no record of (the operator's own RequestStartTransaction sent as a
    // plain call) and carries no token takes the token that call asked for.
    if (!candidate && input.remoteStartId !== undefined && !input.idTag) {
      input = { ...input, ...(await this.remoteStarts.requestedToken(input.stationId, input.remoteStartId)) };
    }
    const created = await withChanges(this.db, this.feed, told || candidate !== undefined, async (db, changed) => {
      const remoteStart = candidate && (await this.remoteStarts.claim(db, candidate, input, now));
      const [row] = await db
        .insert(transactions)
        .values({
          stationId: input.stationId,
          ocppVersion: input.ocppVersion,
          stationTransactionId: input.stationTransactionId ?? null,
          startKey: input.startKey ?? null,
          evseId: input.evseId,
          connectorId: input.connectorId,
          // a station that names the remote start it answers need not repeat its token
          idTag: input.idTag ?? remoteStart?.idTag ?? null,
          idTokenType: input.idTokenType ?? null,
          authorizationStatus: input.authorizationStatus ?? null,
          ...authorizationColumns(input.authorization, remoteStart),
          reservationId: input.reservationId ?? null,
          remoteStartId: input.remoteStartId ?? remoteStart?.id ?? null,
          // the partner's reference for the command or the reservation this transaction answers, or the one its
          // issuer gave in real time, if any
          authorizationReference:
            remoteStart?.authorizationReference ??
            (input.reservationId !== undefined
              ? reservationReference(input.stationId, input.reservationId, input.authorization?.reference ?? null)
              : (input.authorization?.reference ?? null)),
          meterStartWh: input.meterStartWh,
          lastMeterWh: input.meterStartWh,
          startedAt: input.startedAt,
          updatedAt: now,
          sessionPushedAt: told ? now : null,
        })
        .onConflictDoNothing()
        .returning();
      if (row && remoteStart) await this.remoteStarts.consumed(db, remoteStart.id, row.id);
      if (row && told) changed({ kind: 'session', transactionId: row.id, phase: 'started' });
      return row;
    });
    if (created) return { transaction: created, created: true };
    const existing = input.stationTransactionId
      ? await this.findByStationTransactionId(input.stationId, input.stationTransactionId)
      : await this.findByStartKey(input.stationId, input.startKey ?? '');
    if (!existing) throw new Error(`transaction start for ${input.stationId} conflicted but nothing was found`);
    return { transaction: existing, created: false };
  }

  /**
   * Gives a transaction that started without a token (the cable plugged in first, OCPP 2.0.1 use cases E02 and F01)
   * the token the station reported later, or that of the remote start it names. One that has a token keeps it, so a
   * repeated event changes nothing. Partners learn of the session from then on as if it had just started: its token
   * names the party that sees it and is billed.
   */
  async identify(input: IdentifyTransaction): Promise<Transaction | undefined> {
    const now = new Date();
    const told = this.feed.wants('session');
    const named = input.remoteStartId !== undefined ? { ...input, remoteStartId: input.remoteStartId } : undefined;
    const candidate = named && (await this.remoteStarts.candidate(named, now));
    const requested = named && !candidate && !input.idTag ? await this.remoteStarts.requestedToken(input.stationId, named.remoteStartId) : {};
    return withChanges(this.db, this.feed, told || candidate !== undefined, async (db, changed) => {
      const remoteStart = candidate && (await this.remoteStarts.claim(db, candidate, named!, now));
      const idTag = input.idTag ?? remoteStart?.idTag ?? requested.idTag;
      if (!idTag) return undefined;
      const [row] = await db
        .update(transactions)
        .set({
          idTag,
          idTokenType: (input.idTag ? input.idTokenType : requested.idTokenType) ?? null,
          authorizationStatus: input.authorizationStatus ?? null,
          // the token of a remote start that names it, else the one the reported idTag was found to name
          ...authorizationColumns(input.idTag ? input.authorization : undefined, remoteStart),
          ...(input.remoteStartId !== undefined && { remoteStartId: input.remoteStartId }),
          ...(remoteStart
            ? { authorizationReference: remoteStart.authorizationReference }
            : input.idTag && input.authorization?.reference && { authorizationReference: input.authorization.reference }),
          updatedAt: now,
          ...(told && { sessionPushedAt: now }),
        })
        .where(and(eq(transactions.id, input.transactionId), isNull(transactions.idTag)))
        .returning();
      if (row && remoteStart) await this.remoteStarts.consumed(db, remoteStart.id, row.id);
      if (row && told) changed({ kind: 'session', transactionId: row.id, phase: 'started' });
      return row;
    });
  }

  /**
   * Ends a transaction; ending one that has ended already changes nothing. Its CDR is made in the same commit.
   * `onlyIf`: a further condition on the transaction's row, checked in the statement that ends it.
   */
  async stop(input: StopTransaction, onlyIf?: SQL): Promise<{ transaction: Transaction; changed: boolean }> {
    await this.meterWriter.drain();
    this.energyRows.forget(input.transactionId);
    // Without a meterStop the transaction ends at its highest stored reading (its row's copy may lag behind).
    const endWh = input.meterStopWh ?? sql`coalesce(${storedEnergyWh(input.transactionId)}, ${transactions.lastMeterWh})`;
    const stopped = await withChanges(this.db, this.feed, true, async (db, changed) => {
      const [row] = await db
        .update(transactions)
        .set({
          stoppedAt: input.stoppedAt,
          meterStopWh: endWh,
          lastMeterWh: endWh,
          stopReason: input.reason ?? null,
          stopIdTag: input.idTag ?? null,
          closedBy: input.closedBy ?? null,
          updatedAt: new Date(),
        })
        .where(and(eq(transactions.id, input.transactionId), sql`${transactions.stoppedAt} is null`, onlyIf))
        .returning();
      if (row) changed({ kind: 'session', transactionId: row.id, phase: 'ended' });
      return row;
    });
    if (stopped) return { transaction: stopped, changed: true };
    const [existing] = await this.db.select().from(transactions).where(eq(transactions.id, input.transactionId));
    if (!existing) throw new NotFoundError(`transaction ${input.transactionId} is not known`);
    return { transaction: existing, changed: false };
  }

  async findOfStation(stationId: string, transactionId: number): Promise<Transaction | undefined> {
    const [row] = await this.db
      .select()
      .from(transactions)
      .where(and(eq(transactions.id, transactionId), eq(transactions.stationId, stationId)));
    return row;
  }

  async findByStationTransactionId(stationId: string, stationTransactionId: string): Promise<Transaction | undefined> {
    const [row] = await this.db
      .select()
      .from(transactions)
      .where(and(eq(transactions.stationId, stationId), eq(transactions.stationTransactionId, stationTransactionId)));
    return row;
  }

  private async findByStartKey(stationId: string, startKey: string): Promise<Transaction | undefined> {
    const [row] = await this.db
      .select()
      .from(transactions)
      .where(and(eq(transactions.stationId, stationId), eq(transactions.startKey, startKey)));
    return row;
  }

  /**
   * Records an OCPP 2.0.1 event (by sequence number) and what it changes on its transaction, in one statement; false
   * when it had been recorded already (the station retried it).
   */
  recordEvent(transactionId: number, event: TransactionEventReport): Promise<boolean> {
    return applyTransactionEvent(this.db, transactionId, event);
  }

  /**
   * The station's running transaction at this outlet, looked for among its latest 50 (so that the look stays cheap
   * for a station with a long history and nothing running).
   */
  async runningAt(stationId: string, evseId: number): Promise<Transaction | undefined> {
    const latest = this.db
      .select({ id: transactions.id })
      .from(transactions)
      .where(eq(transactions.stationId, stationId))
      .orderBy(desc(transactions.startedAt))
      .limit(50);
    const [row] = await this.db
      .select()
      .from(transactions)
      .where(and(inArray(transactions.id, latest), eq(transactions.evseId, evseId), isNull(transactions.stoppedAt)))
      .orderBy(desc(transactions.startedAt))
      .limit(1);
    return row;
  }

  /** Persists the samples (in batches across stations); resolves once they are written. */
  recordMeterValues(stationId: string, transactionId: number | null, evseId: number, samples: MeterSample[]): Promise<void> {
    if (samples.length === 0) return Promise.resolve();
    return this.meterWriter.add({ stationId, transactionId, evseId, samples });
  }

  async list(stationId: string, page: PageRequest): Promise<Page<Transaction>> {
    const where = eq(transactions.stationId, stationId);
    const items = await this.db
      .select()
      .from(transactions)
      .where(where)
      .orderBy(desc(transactions.id))
      .offset(page.offset)
      .limit(page.limit);
    const [{ total }] = await this.db.select({ total: count() }).from(transactions).where(where);
    return { items, total, ...page };
  }

  async get(transactionId: number): Promise<{ transaction: Transaction; meterValues: StoredMeterValue[]; events: StoredTransactionEvent[] }> {
    await this.meterWriter.drain();
    const [transaction] = await this.db.select().from(transactions).where(eq(transactions.id, transactionId));
    if (!transaction) throw new NotFoundError(`transaction ${transactionId} is not known`);
    const [samples, events] = await Promise.all([readSampledValues(this.db, [transactionId]), eventsOf(this.db, transactionId)]);
    return { transaction: { ...transaction, lastMeterWh: latestEnergyWh(transaction, samples) }, meterValues: samples, events };
  }

  async flush(): Promise<void> {
    await this.meterWriter.drain();
  }

  /**
   * Running sessions among these that progressed and were last told of more than an interval ago: marks them told and
   * gives their rows the latest reading (what the feed renders).
   */
  private async progressDue(db: Database, energy: EnergyReading[]): Promise<number[]> {
    const due = await db
      .update(transactions)
      .set({ sessionPushedAt: sql`now()`, lastMeterWh: sql`greatest(coalesce(${transactions.lastMeterWh}, v.wh), v.wh)` })
      .from(readingRows(energy))
      .where(
        and(
          sql`${transactions.id} = v.id`,
          sql`${transactions.stoppedAt} is null`,
          sql`(${transactions.sessionPushedAt} is null or ${transactions.sessionPushedAt} <= now() - ${this.sessionUpdateMs} * interval '1 millisecond')`,
        ),
      )
      .returning({ id: transactions.id });
    return due.map(({ id }) => id);
  }

  private async writeMeterValues(items: MeterBatchItem[]): Promise<void> {
    // Per message its outlet once, then per MeterValue its moment, energy reading and sampled values as arrays: about
    // half the bytes of one object per sample (writing them to PostgreSQL was a fifth of the gateway's CPU in
    // bench:ocpp); jsonb, parsed once, is cheaper to pick apart there than json, which every -> parses again.
    const latestEnergy = new Map<number, number>();
    const batch = items.map((item) => {
      const readings = meterValuesOf(item.samples).map((samples) => {
        const wh = highestEnergyWh(samples);
        if (wh !== null && item.transactionId !== null) latestEnergy.set(item.transactionId, Math.max(wh, latestEnergy.get(item.transactionId) ?? wh));
        return [samples[0].sampledAt.toISOString(), wh, samples.map(sampledValueRow)];
      });
      return [item.stationId, item.transactionId, item.evseId, readings];
    });
    const energy: EnergyReading[] = [...latestEnergy].map(([id, wh]) => ({ id, wh }));
    const now = Date.now();
    const energyDue = energy.filter(({ id }) => this.energyRows.due(id, now));
    // One statement, so one round trip and its own transaction: the meter values, and each transaction's latest
    // reading. The whole batch travels as JSON parameters: building and binding thousands of placeholders cost more
    // CPU than the rest of a MeterValues message (measured with bench:ocpp), and nothing limits their size.
    const statement = sql`${PREPARED}
        with stored as (
          insert into ${meterValues} (station_id, transaction_id, evse_id, sampled_at, energy_wh, sampled_values)
          select o.station_id, o.transaction_id, o.evse_id, (r->>0)::timestamptz, (r->>1)::bigint, r->2
          from jsonb_array_elements(${JSON.stringify(batch)}::jsonb) as m,
            -- a message's fields read once, not once per meter value ("offset 0" keeps the planner from folding this
            -- back into the per-value rows: with 6,000 of them in one message that made the insert quadratic)
            lateral (select m->>0 as station_id, (m->>1)::integer as transaction_id, (m->>2)::integer as evse_id,
                            m->3 as readings offset 0) as o,
            jsonb_array_elements(o.readings) as r
        )
        update ${transactions} set last_meter_wh = greatest(coalesce(${transactions.lastMeterWh}, v.wh), v.wh), updated_at = now()
        from ${readingRows(energyDue)}
        where ${transactions.id} = v.id and ${transactions.stoppedAt} is null`;
    const tellProgress = latestEnergy.size > 0 && this.feed.wants('session');
    await withChanges(this.db, this.feed, tellProgress, async (db, changed) => {
      await db.execute(statement);
      if (!tellProgress) return;
      for (const transactionId of await this.progressDue(db, energy)) changed({ kind: 'session', transactionId, phase: 'updated' });
    });
  }
}
