/**
 * Charging outlets of simulated OCPP 1.6 stations in a steady flow: each outlet starts a transaction, sends MeterValues
 * (every reading unique: the register only goes up) and stops it after a number of them, then starts the next. What
 * the CSMS answered with a CALLRESULT is recorded as acknowledged, so that a test can check afterwards that all of it
 * is in the database. Like a real station, an outlet sends a StartTransaction or StopTransaction again (the same one)
 * until it is answered; a MeterValues that fails is not sent again.
 */
import type { TestAnode } from './anode.js';
import { bootedStation, connectStation, type SimulatedStation } from './stations.js';

export interface AckedStart {
  stationId: string;
  connectorId: number;
  transactionId: number;
  meterStart: number;
}

export interface AckedMeterValue {
  stationId: string;
  transactionId: number;
  wh: number;
}

export interface FlowOutcomes {
  results: number;
  /** CALLERRORs by "code: description" */
  callErrors: Record<string, number>;
  /** calls that got no answer within the stations' call timeout */
  timeouts: number;
  /** calls that failed otherwise (the socket was closed, …), by message */
  failures: Record<string, number>;
  /** the slowest answer (CALLRESULT or CALLERROR), ms */
  slowestAnswerMs: number;
}

interface Outlet {
  stationId: string;
  connectorId: number;
  /** the start in progress (sent, not answered yet): sent again with the same payload until it is */
  pendingStart?: { connectorId: number; idTag: string; meterStart: number; timestamp: string };
  transactionId?: number;
  meterValuesInTransaction: number;
  pendingStop?: { transactionId: number; meterStop: number; timestamp: string };
  wh: number;
}

const PASSWORD = 'station-password';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class MeterFlow {
  readonly starts: AckedStart[] = [];
  readonly meterValues: AckedMeterValue[] = [];
  /** transactionId → meterStop of every acknowledged StopTransaction */
  readonly stops = new Map<number, number>();
  readonly outcomes: FlowOutcomes = { results: 0, callErrors: {}, timeouts: 0, failures: {}, slowestAnswerMs: 0 };
  private readonly stations = new Map<string, SimulatedStation>();
  private readonly outlets: Outlet[] = [];
  private running: Promise<void>[] = [];
  private stopping = false;

  /**
   * `meterValuesPerTransaction`: how many MeterValues an outlet sends before it stops its transaction (Infinity: it
   * never does until `finish`).
   */
  constructor(
    readonly stationIds: string[],
    readonly connectorsPerStation: number,
    private readonly settings: { intervalMs: number; meterValuesPerTransaction: number },
  ) {
    stationIds.forEach((stationId, index) => {
      for (let connectorId = 1; connectorId <= connectorsPerStation; connectorId += 1) {
        // readings of different outlets never meet: each has a range of its own
        this.outlets.push({ stationId, connectorId, meterValuesInTransaction: 0, wh: (index * connectorsPerStation + connectorId) * 1_000_000_000 });
      }
    });
  }

  /** Registers and boots every station (first time) with this Anode. */
  async register(anode: TestAnode): Promise<void> {
    await Promise.all(this.stationIds.map(async (id) => this.stations.set(id, await bootedStation(anode, id))));
  }

  /** Connects every station again (its old socket closed), e.g. to an Anode started anew. */
  async reconnect(anode: TestAnode): Promise<void> {
    await this.closeStations();
    await Promise.all(this.stationIds.map(async (id) => this.stations.set(id, await connectStation(anode, { id, password: PASSWORD }))));
  }

  /** Every outlet starts sending, one call at a time, every `intervalMs`. */
  start(): void {
    this.stopping = false;
    this.running = this.outlets.map((outlet, index) => this.runOutlet(outlet, index));
  }

  /** Stops sending; resolves once every outlet's call in progress has its answer (or failed). */
  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all(this.running);
    this.running = [];
  }

  /** Answers its pending start (if any) and stops every outlet's transaction; gives up after `timeoutMs`. */
  async finish(timeoutMs = 15_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    await Promise.all(
      this.outlets.map(async (outlet) => {
        while (outlet.pendingStart || outlet.transactionId !== undefined || outlet.pendingStop) {
          if (Date.now() > deadline) throw new Error(`${outlet.stationId}/${outlet.connectorId} could not end its transaction`);
          if (outlet.pendingStart) await this.sendStart(outlet);
          else if (outlet.pendingStop || outlet.transactionId !== undefined) await this.sendStop(outlet);
          if (outlet.pendingStart || outlet.pendingStop) await sleep(100);
        }
      }),
    );
  }

  async closeStations(): Promise<void> {
    await Promise.all([...this.stations.values()].map((station) => station.close()));
    this.stations.clear();
  }

  /** Outlets whose transaction ran in a StartTransaction that was never answered (it is sent again by `finish`). */
  get unansweredStarts(): number {
    return this.outlets.filter((outlet) => outlet.pendingStart).length;
  }

  private async runOutlet(outlet: Outlet, index: number): Promise<void> {
    // outlets do not all call in the same millisecond
    await sleep((index * this.settings.intervalMs) / this.outlets.length);
    while (!this.stopping) {
      if (outlet.pendingStart || outlet.transactionId === undefined) await this.sendStart(outlet);
      else if (outlet.pendingStop || outlet.meterValuesInTransaction >= this.settings.meterValuesPerTransaction) await this.sendStop(outlet);
      else await this.sendMeterValues(outlet);
      await sleep(this.settings.intervalMs);
    }
  }

  private async sendStart(outlet: Outlet): Promise<void> {
    outlet.wh += 1;
    outlet.pendingStart ??= {
      connectorId: outlet.connectorId,
      idTag: `TAG-${outlet.stationId}`,
      meterStart: outlet.wh,
      timestamp: new Date().toISOString(),
    };
    const start = outlet.pendingStart;
    const answer = await this.call<{ transactionId: number }>(outlet.stationId, 'StartTransaction', start);
    if (!answer) return;
    outlet.pendingStart = undefined;
    outlet.transactionId = answer.transactionId;
    outlet.meterValuesInTransaction = 0;
    this.starts.push({ stationId: outlet.stationId, connectorId: outlet.connectorId, transactionId: answer.transactionId, meterStart: start.meterStart });
  }

  private async sendMeterValues(outlet: Outlet): Promise<void> {
    outlet.wh += 1;
    const wh = outlet.wh;
    const transactionId = outlet.transactionId!;
    const answer = await this.call(outlet.stationId, 'MeterValues', {
      connectorId: outlet.connectorId,
      transactionId,
      meterValue: [
        {
          timestamp: new Date().toISOString(),
          sampledValue: [{ value: String(wh), measurand: 'Energy.Active.Import.Register', unit: 'Wh', context: 'Sample.Periodic' }],
        },
      ],
    });
    outlet.meterValuesInTransaction += 1;
    if (answer) this.meterValues.push({ stationId: outlet.stationId, transactionId, wh });
  }

  private async sendStop(outlet: Outlet): Promise<void> {
    outlet.wh += 1;
    outlet.pendingStop ??= { transactionId: outlet.transactionId!, meterStop: outlet.wh, timestamp: new Date().toISOString() };
    const stop = outlet.pendingStop;
    const answer = await this.call(outlet.stationId, 'StopTransaction', { ...stop, reason: 'Local' });
    if (!answer) return;
    outlet.pendingStop = undefined;
    outlet.transactionId = undefined;
    this.stops.set(stop.transactionId, stop.meterStop);
  }

  /** The CALLRESULT's payload, or undefined when the call got a CALLERROR or failed (counted in `outcomes`). */
  private async call<T = Record<string, unknown>>(stationId: string, action: string, params: Record<string, unknown>): Promise<T | undefined> {
    const station = this.stations.get(stationId);
    const count = (table: Record<string, number>, key: string) => (table[key] = (table[key] ?? 0) + 1);
    if (!station) {
      count(this.outcomes.failures, 'not connected');
      return undefined;
    }
    const sent = performance.now();
    try {
      const result = await station.call<T>(action, params);
      this.outcomes.results += 1;
      this.outcomes.slowestAnswerMs = Math.max(this.outcomes.slowestAnswerMs, performance.now() - sent);
      return result;
    } catch (error) {
      const { name, message, rpcErrorCode } = error as Error & { rpcErrorCode?: string };
      if (rpcErrorCode) {
        this.outcomes.slowestAnswerMs = Math.max(this.outcomes.slowestAnswerMs, performance.now() - sent);
        count(this.outcomes.callErrors, `${rpcErrorCode}: ${message}`);
      } else if (name === 'TimeoutError') this.outcomes.timeouts += 1;
      else count(this.outcomes.failures, message);
      return undefined;
    }
  }
}

/** Runs one SQL text on the database Anode wrote to and gives its rows. */
export type Query = (text: string) => Promise<Array<Record<string, unknown>>>;

export interface StoredVersusAcked {
  acked: { starts: number; meterValues: number; stops: number };
  stored: { transactions: number; meterValues: number; stopped: number };
  /** up to 10 of each, as "transactionId:Wh" or the transaction id */
  missingMeterValues: string[];
  missingMeterValueCount: number;
  missingStarts: number[];
  /** transactions whose acknowledged stop is not stored as sent */
  wrongStops: number[];
  /** meterStart readings stored in more than one transaction (every start's reading is unique) */
  doubledStarts: number[];
  /** transactions stored that no acknowledged StartTransaction named */
  unacknowledgedTransactions: number[];
}

/** What the flow's stations were told was stored, against what is (of these stations only). */
export async function compareWithDatabase(query: Query, flow: MeterFlow): Promise<StoredVersusAcked> {
  const ofFlow = `station_id in (${flow.stationIds.map((id) => `'${id.replace(/'/g, "''")}'`).join(', ')})`;
  const values = await query(`select transaction_id, energy_wh::float8 as wh from meter_values where transaction_id is not null and ${ofFlow}`);
  const rows = await query(
    `select id, meter_start_wh::float8 as meter_start, meter_stop_wh::float8 as meter_stop, stopped_at is not null as stopped from transactions where ${ofFlow}`,
  );
  const storedValues = new Set(values.map((row) => `${Number(row.transaction_id)}:${Number(row.wh)}`));
  const byId = new Map(rows.map((row) => [Number(row.id), row]));
  const missing = flow.meterValues.filter(({ transactionId, wh }) => !storedValues.has(`${transactionId}:${wh}`));
  const starts = new Map<number, number>();
  for (const row of rows) starts.set(Number(row.meter_start), (starts.get(Number(row.meter_start)) ?? 0) + 1);
  const ackedIds = new Set(flow.starts.map(({ transactionId }) => transactionId));
  return {
    acked: { starts: flow.starts.length, meterValues: flow.meterValues.length, stops: flow.stops.size },
    stored: { transactions: rows.length, meterValues: values.length, stopped: rows.filter((row) => row.stopped).length },
    missingMeterValues: missing.slice(0, 10).map(({ transactionId, wh }) => `${transactionId}:${wh}`),
    missingMeterValueCount: missing.length,
    missingStarts: flow.starts
      .filter(({ transactionId, meterStart }) => Number(byId.get(transactionId)?.meter_start) !== meterStart)
      .map(({ transactionId }) => transactionId)
      .slice(0, 10),
    wrongStops: [...flow.stops]
      .filter(([transactionId, meterStop]) => !byId.get(transactionId)?.stopped || Number(byId.get(transactionId)?.meter_stop) !== meterStop)
      .map(([transactionId]) => transactionId)
      .slice(0, 10),
    doubledStarts: [...starts].filter(([, times]) => times > 1).map(([meterStart]) => meterStart).slice(0, 10),
    unacknowledgedTransactions: [...byId.keys()].filter((id) => !ackedIds.has(id)).slice(0, 10),
  };
}
