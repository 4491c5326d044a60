/**
 * OCPP load benchmark: a child process (forked by bench/ocpp/run.ts) that runs many simulated
 * charge stations, each an ocpp-rpc RPCClient in strict mode, and reports what it measured to the
 * parent over IPC. It never talks to anything but the endpoint it is given (127.0.0.1).
 *
 * Protocol (see ../messages.ts): `scenario` → runs setup → `ready`; [`go` → measurement window →
 * `window-done`]; `stop` → teardown, sockets closed → `done`; `exit`.
 */
import { randomUUID } from 'node:crypto';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import ocppRpc from 'ocpp-rpc';
import {
  Histogram,
  MV_LATENCY_TARGET_MS,
  incr,
  type ActionStatsJSON,
  type OcppVersion,
  type ParentToWorker,
  type PhaseStatsJSON,
  type ScenarioOptions,
  type StationSpec,
  type WorkerStatsJSON,
  type WorkerToParent,
} from '../messages.js';
import { expireOverdueCalls, installLeanStationCalls } from './lean-station-calls.js';

const { RPCClient, createRPCError, TimeoutError, UnexpectedHttpResponse } = ocppRpc;
installLeanStationCalls(ocppRpc);
type Client = InstanceType<typeof RPCClient>;
type ClientOptions = ConstructorParameters<typeof RPCClient>[0];
// Handler argument/return as ocpp-rpc declares them.
type HandlerArgs = { params?: Record<string, any>; method?: string };
type Payload = Record<string, any>;

const WORKER = Number(process.env.BENCH_WORKER_INDEX ?? '0');

function send(message: WorkerToParent): void {
  if (process.connected) process.send!(message);
}

function epochNow(): number {
  return performance.timeOrigin + performance.now();
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T | 'timeout'> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

// ---------------------------------------------------------------------------------------------
// Stats
// ---------------------------------------------------------------------------------------------

const LOOP_RESOLUTION_MS = 10;
const loopDelay = monitorEventLoopDelay({ resolution: LOOP_RESOLUTION_MS });
loopDelay.enable();

class Phase {
  readonly actions = new Map<string, { hist: Histogram; errors: Record<string, number> }>();
  answeredAtEnd?: Record<string, number>;
  windowMs?: number;
  /** answers slower than MV_LATENCY_TARGET_MS, by the second of the phase in which their call was sent */
  readonly slowBySecond: number[] = [];
  private readonly cpuStart = process.cpuUsage();
  private readonly wallStart = performance.now();
  private readonly startedAt = Date.now();
  private frozen?: Pick<PhaseStatsJSON, 'cpuUserMs' | 'cpuSystemMs' | 'wallMs' | 'loopDelayP99Ms' | 'loopDelayMaxMs'>;

  constructor(readonly name: string) {
    loopDelay.reset();
  }

  private action(name: string) {
    let entry = this.actions.get(name);
    if (!entry) {
      entry = { hist: new Histogram(), errors: {} };
      this.actions.set(name, entry);
    }
    return entry;
  }

  ok(action: string, ms: number, sentAt: number): void {
    this.action(action).hist.record(ms);
    if (ms > MV_LATENCY_TARGET_MS) {
      const second = Math.max(0, Math.floor((sentAt - this.wallStart) / 1000));
      while (this.slowBySecond.length <= second) this.slowBySecond.push(0);
      this.slowBySecond[second]++;
    }
    totals.answered++;
  }

  fail(action: string, kind: string): void {
    incr(this.action(action).errors, kind);
    totals.failed++;
  }

  answeredNow(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [name, entry] of this.actions) out[name] = entry.hist.count;
    return out;
  }

  private measure() {
    const cpu = process.cpuUsage(this.cpuStart);
    const hasDelay = loopDelay.count > 0;
    return {
      cpuUserMs: Math.round(cpu.user / 1000),
      cpuSystemMs: Math.round(cpu.system / 1000),
      wallMs: Math.round(performance.now() - this.wallStart),
      // The histogram records whole intervals between its ticks: subtract the tick to get the delay.
      loopDelayP99Ms: hasDelay ? Math.max(0, loopDelay.percentile(99) / 1e6 - LOOP_RESOLUTION_MS) : null,
      loopDelayMaxMs: hasDelay ? Math.max(0, loopDelay.max / 1e6 - LOOP_RESOLUTION_MS) : null,
    };
  }

  /** Called when the phase's work is over (at the latest when the next begins): fixes CPU, wall time and loop delay. */
  freeze(): void {
    if (!this.frozen) this.frozen = this.measure();
  }

  toJSON(): PhaseStatsJSON {
    const actions: Record<string, ActionStatsJSON> = {};
    for (const [name, entry] of this.actions) actions[name] = { hist: entry.hist.toJSON(), errors: entry.errors };
    return {
      actions,
      answeredAtEnd: this.answeredAtEnd,
      windowMs: this.windowMs,
      slowBySecond: this.slowBySecond,
      startedAt: this.startedAt,
      ...(this.frozen ?? this.measure()),
    };
  }
}

const totals = { answered: 0, failed: 0 };

let options: ScenarioOptions;
let phase = new Phase('init');
const phases = new Map<string, Phase>();
let stations: Station[] = [];
let inflight = 0;

function beginPhase(name: string): void {
  phase.freeze();
  phase = new Phase(name);
  phases.set(name, phase);
}

const counters = {
  connectAttempted: 0,
  connectOk: 0,
  connectFailures: {} as Record<string, number>,
  connectHist: new Histogram(),
  bootAccepted: 0,
  bootPending: 0,
  bootRejected: 0,
  bootNotAccepted: 0,
  timeToAccepted: new Histogram(),
  firstConnectAt: null as number | null,
  lastAcceptedAt: null as number | null,
  openNow: 0,
  peakOpen: 0,
  unexpectedCloses: {} as Record<string, number>,
  serverCalls: {} as Record<string, number>,
  strictFailures: {} as Record<string, number>,
  skipped: {} as Record<string, number>,
  sampledValuesAcked: 0,
  sampledValuesAckedBy: {} as Record<string, number>,
  sampledValuesUnacked: 0,
  txStarted: 0,
  txStopped: 0,
  authorizeNotAccepted: 0,
  startNotAccepted: 0,
  failedToStart: 0,
  uncaught: {} as Record<string, number>,
};

function snapshot(): WorkerStatsJSON {
  const byVersion: Record<OcppVersion, number> = { '1.6': 0, '2.0.1': 0 };
  for (const station of stations) byVersion[station.spec.version]++;
  const phaseJson: Record<string, PhaseStatsJSON> = {};
  for (const [name, p] of phases) phaseJson[name] = p.toJSON();
  const strictFailures = { ...counters.strictFailures };
  for (const [kind, count] of Object.entries(counters.uncaught)) strictFailures[`uncaught:${kind}`] = count;
  return {
    worker: WORKER,
    stations: stations.length,
    byVersion,
    phases: phaseJson,
    connect: {
      attempted: counters.connectAttempted,
      ok: counters.connectOk,
      failures: counters.connectFailures,
      hist: counters.connectHist.toJSON(),
    },
    boot: {
      accepted: counters.bootAccepted,
      pendingAnswers: counters.bootPending,
      rejectedAnswers: counters.bootRejected,
      notAccepted: counters.bootNotAccepted,
      timeToAccepted: counters.timeToAccepted.toJSON(),
      firstConnectAt: counters.firstConnectAt,
      lastAcceptedAt: counters.lastAcceptedAt,
    },
    openNow: counters.openNow,
    peakOpen: counters.peakOpen,
    unexpectedCloses: counters.unexpectedCloses,
    serverCalls: counters.serverCalls,
    strictFailures,
    skipped: counters.skipped,
    sampledValuesAcked: counters.sampledValuesAcked,
    sampledValuesAckedBy: counters.sampledValuesAckedBy,
    sampledValuesUnacked: counters.sampledValuesUnacked,
    transactions: {
      started: counters.txStarted,
      stopped: counters.txStopped,
      authorizeNotAccepted: counters.authorizeNotAccepted,
      startNotAccepted: counters.startNotAccepted,
      failedToStart: counters.failedToStart,
    },
  };
}

function errorKind(error: unknown): string {
  const e = error as { rpcErrorCode?: string; name?: string; message?: string };
  if (error instanceof TimeoutError) return 'timeout';
  if (e?.name === 'AbortError') return e.message === 'Client disconnected' ? 'disconnected' : `aborted:${e.message}`;
  if (typeof e?.rpcErrorCode === 'string') return `CALLERROR:${e.rpcErrorCode}`;
  const message = String(e?.message ?? error);
  if (message.includes('socket not open')) return 'socket-closed';
  return `other:${message.slice(0, 80)}`;
}

function connectErrorKind(error: unknown): string {
  const e = error as { code?: unknown; message?: string };
  if (error instanceof UnexpectedHttpResponse) return `http-${String(e.code)}`;
  if (typeof e?.code === 'string') return e.code;
  const message = String(e?.message ?? error);
  if (/handshake has timed out/i.test(message)) return 'handshake-timeout';
  return message.slice(0, 80);
}

/**
 * Call timeouts for every station of this worker, from one interval (ocpp-rpc's own makes an Error, an AbortController
 * and a timer per call: a quarter of this process's CPU at 5,000 calls/s). A call times out once it has waited
 * `callTimeoutMs` for its answer; one queued behind another of its station's calls waits for that one first.
 */
let callSweeper: NodeJS.Timeout | undefined;
function sweepOverdueCallsEvery(ms: number): void {
  callSweeper ??= setInterval(
    () => expireOverdueCalls(stations.map((station) => station.client), options.callTimeoutMs, () => new TimeoutError('Call timeout')),
    ms,
  ).unref();
}

// ---------------------------------------------------------------------------------------------
// A simulated station
// ---------------------------------------------------------------------------------------------

const POWER_W = 11_000;
const CURRENT_A = 16;

class Station {
  client?: Client;
  open = false;
  /** False once we close on purpose: a close while true is unexpected. */
  wantOpen = false;
  accepted = false;
  private connectStartedAt = 0;
  private timers: NodeJS.Timeout[] = [];
  private wake?: () => void;
  private tx16?: number;
  private tx201?: string;
  private seqNo = 0;
  private meterWh = 1000 + Math.floor(Math.random() * 1_000_000);
  private charging = false;
  /** A periodic message of this kind is still unanswered: the next tick skips (see WorkerStatsJSON.skipped). */
  private outstanding = new Set<string>();

  constructor(readonly spec: StationSpec) {}

  private get v16(): boolean {
    return this.spec.version === '1.6';
  }

  async connect(): Promise<boolean> {
    counters.connectAttempted++;
    if (counters.firstConnectAt === null) counters.firstConnectAt = epochNow();
    const t0 = performance.now();
    this.connectStartedAt = t0;
    const client = new RPCClient({
      identity: this.spec.id,
      endpoint: options.endpoint,
      protocols: [this.v16 ? 'ocpp1.6' : 'ocpp2.0.1'],
      password: this.spec.password,
      strictMode: true,
      reconnect: false,
      // timeouts come from one sweep per worker (sweepOverdueCallsEvery), not a timer per call
      callTimeoutMs: 0,
      pingIntervalMs: options.wsPingMs,
      wsOpts: { handshakeTimeout: options.connectTimeoutMs },
    } as ClientOptions);
    this.client = client;
    this.installHandlers(client);
    client.on('close', ({ code }: { code?: number }) => {
      if (!this.open) return;
      this.open = false;
      counters.openNow--;
      if (this.wantOpen) incr(counters.unexpectedCloses, String(code ?? 'unknown'));
      this.clearTimers();
      this.wake?.();
    });
    client.on('strictValidationFailure', (event: { outbound: boolean; method: string; isCall: boolean }) => {
      incr(counters.strictFailures, `${event.outbound ? 'outbound' : 'inbound'}:${event.method}.${event.isCall ? 'req' : 'conf'}`);
    });
    try {
      await client.connect();
    } catch (error) {
      incr(counters.connectFailures, connectErrorKind(error));
      return false;
    }
    this.open = true;
    this.wantOpen = true;
    counters.connectOk++;
    counters.openNow++;
    if (counters.openNow > counters.peakOpen) counters.peakOpen = counters.openNow;
    counters.connectHist.record(performance.now() - t0);
    return true;
  }

  private installHandlers(client: Client): void {
    const handle = (method: string, fn: (params: Payload) => Payload) => {
      client.handle(method, async ({ params }: HandlerArgs) => {
        incr(counters.serverCalls, method);
        return fn(params ?? {});
      });
    };
    const trigger = (params: Payload): Payload => {
      const requested = String(params.requestedMessage);
      if (!['BootNotification', 'Heartbeat', 'StatusNotification'].includes(requested)) return { status: 'NotImplemented' };
      setImmediate(() => this.onTrigger(requested));
      return { status: 'Accepted' };
    };
    handle('TriggerMessage', trigger);
    handle('Reset', () => ({ status: 'Accepted' }));
    if (this.v16) {
      handle('ChangeConfiguration', () => ({ status: 'Accepted' }));
      handle('GetConfiguration', () => ({ configurationKey: [] }));
    } else {
      handle('SetVariables', (params) => ({
        setVariableResult: ((params.setVariableData ?? []) as Payload[]).map((d) => ({
          ...(d.attributeType ? { attributeType: d.attributeType } : {}),
          attributeStatus: 'Accepted',
          component: d.component,
          variable: d.variable,
        })),
      }));
      handle('GetVariables', (params) => ({
        getVariableResult: ((params.getVariableData ?? []) as Payload[]).map((d) => ({
          attributeStatus: 'UnknownVariable',
          component: d.component,
          variable: d.variable,
        })),
      }));
    }
    // Anything else: NotImplemented (what ocpp-rpc answers without a handler), but counted.
    client.handle(async ({ method }: HandlerArgs) => {
      incr(counters.serverCalls, `${method} (NotImplemented)`);
      throw createRPCError('NotImplemented', `Unable to handle '${method}' calls`, {});
    });
  }

  private onTrigger(requested: string): void {
    if (!this.open) return;
    if (requested === 'BootNotification') {
      if (!this.accepted && this.wake) this.wake(); // the boot loop retries right away
      else void this.boot();
    } else if (requested === 'Heartbeat') {
      void this.call('Heartbeat', {});
    } else {
      void this.sendStatus();
    }
  }

  /** One OCPP call, timed from the call to its answer; the answer, or undefined when it failed. */
  async call(action: string, params: Payload): Promise<Payload | undefined> {
    const p = phase;
    if (!this.open || !this.client) {
      p.fail(action, 'not-connected');
      return undefined;
    }
    inflight++;
    sweepOverdueCallsEvery(250);
    const t0 = performance.now();
    try {
      const result = (await this.client.call(action, params)) as Payload;
      p.ok(action, performance.now() - t0, t0);
      return result;
    } catch (error) {
      p.fail(action, errorKind(error));
      return undefined;
    } finally {
      inflight--;
    }
  }

  private bootParams(): Payload {
    return this.v16
      ? {
          chargePointVendor: 'AnodeBench',
          chargePointModel: 'SimStation',
          chargePointSerialNumber: this.spec.id.slice(-25),
          firmwareVersion: '1.0.0',
        }
      : {
          reason: 'PowerUp',
          chargingStation: { model: 'SimStation', vendorName: 'AnodeBench', serialNumber: this.spec.id.slice(-25), firmwareVersion: '1.0.0' },
        };
  }

  /** One BootNotification; true when Accepted. */
  private async boot(): Promise<boolean> {
    const result = await this.call('BootNotification', this.bootParams());
    if (!result) return false;
    if (result.status === 'Accepted') {
      if (!this.accepted) {
        this.accepted = true;
        counters.bootAccepted++;
        counters.timeToAccepted.record(performance.now() - this.connectStartedAt);
        const now = epochNow();
        if (counters.lastAcceptedAt === null || now > counters.lastAcceptedAt) counters.lastAcceptedAt = now;
      }
      return true;
    }
    if (result.status === 'Pending') counters.bootPending++;
    else counters.bootRejected++;
    return false;
  }

  /** BootNotification until Accepted, retrying after bootRetryMs..2×bootRetryMs, up to bootTimeoutMs after connect began. */
  async bootUntilAccepted(): Promise<boolean> {
    const deadline = this.connectStartedAt + options.bootTimeoutMs;
    while (this.open && !this.accepted) {
      if (await this.boot()) break;
      if (this.accepted) break; // a triggered boot got there first
      const left = deadline - performance.now();
      if (left <= 0 || !this.open) break;
      await this.pause(Math.min(left, options.bootRetryMs * (1 + Math.random())));
    }
    if (!this.accepted) counters.bootNotAccepted++;
    return this.accepted;
  }

  /** A sleep that a TriggerMessage(BootNotification) or a close cuts short. */
  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        if (this.wake === done) this.wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wake = done;
    });
  }

  /** Connects (trying again with backoff when it fails, up to the boot deadline), then boots until Accepted. */
  async connectAndBoot(): Promise<boolean> {
    const firstTry = performance.now();
    for (let attempt = 1; !(await this.connect()); attempt++) {
      const waitMs = options.bootRetryMs * (1 + Math.random()) * attempt;
      if (attempt > options.connectRetries || performance.now() + waitMs - firstTry > options.bootTimeoutMs) return false;
      await new Promise((resolve) => setTimeout(resolve, waitMs));
    }
    this.connectStartedAt = firstTry;
    return this.bootUntilAccepted();
  }

  async sendStatus(): Promise<void> {
    const timestamp = new Date().toISOString();
    if (this.v16) {
      await this.call('StatusNotification', {
        connectorId: 1,
        errorCode: 'NoError',
        status: this.charging ? 'Charging' : 'Available',
        timestamp,
      });
    } else {
      await this.call('StatusNotification', {
        timestamp,
        connectorStatus: this.charging ? 'Occupied' : 'Available',
        evseId: 1,
        connectorId: 1,
      });
    }
  }

  private every(intervalMs: number, fn: () => void): void {
    if (!(intervalMs > 0)) return;
    // A random first offset spreads the stations evenly over the interval.
    const first = setTimeout(() => {
      if (!this.open) return;
      fn();
      this.timers.push(setInterval(() => this.open && fn(), intervalMs));
    }, Math.random() * intervalMs);
    this.timers.push(first);
  }

  /** Send a periodic message unless the previous one of its kind is still unanswered. */
  private periodic(kind: string, send: () => Promise<unknown>): void {
    if (this.outstanding.has(kind)) {
      incr(counters.skipped, kind);
      return;
    }
    this.outstanding.add(kind);
    void send().finally(() => this.outstanding.delete(kind));
  }

  startHeartbeats(): void {
    this.every(options.heartbeatIntervalMs, () => this.periodic('Heartbeat', () => this.call('Heartbeat', {})));
  }

  clearTimers(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers = [];
  }

  private advanceMeter(): void {
    this.meterWh += (POWER_W * options.meterValuesIntervalMs) / 3_600_000;
  }

  private energySample201(): Payload[] {
    return [
      {
        timestamp: new Date().toISOString(),
        sampledValue: [{ value: Math.round(this.meterWh * 10) / 10, measurand: 'Energy.Active.Import.Register' }],
      },
    ];
  }

  private countAck(kind: string, values: number, acked: boolean): void {
    if (acked) {
      counters.sampledValuesAcked += values;
      incr(counters.sampledValuesAckedBy, kind, values);
    } else {
      counters.sampledValuesUnacked += values;
    }
  }

  private transactionEvent(eventType: 'Started' | 'Updated' | 'Ended', extra: Payload): Payload {
    return {
      eventType,
      timestamp: new Date().toISOString(),
      triggerReason: eventType === 'Started' ? 'Authorized' : eventType === 'Updated' ? 'MeterValuePeriodic' : 'StopAuthorized',
      seqNo: this.seqNo++,
      transactionInfo: {
        transactionId: this.tx201,
        chargingState: eventType === 'Ended' ? 'Idle' : 'Charging',
        ...(eventType === 'Ended' ? { stoppedReason: 'Local' } : {}),
      },
      meterValue: this.energySample201(),
      ...extra,
    };
  }

  /** Status Available, Authorize, start a transaction, status Charging/Occupied. */
  async startTransaction(): Promise<boolean> {
    await this.sendStatus();
    const idTag = this.spec.idTag!;
    if (this.v16) {
      const auth = await this.call('Authorize', { idTag });
      if (auth?.idTagInfo?.status !== 'Accepted') counters.authorizeNotAccepted++;
      const start = await this.call('StartTransaction', {
        connectorId: 1,
        idTag,
        meterStart: Math.round(this.meterWh),
        timestamp: new Date().toISOString(),
      });
      if (!start || typeof start.transactionId !== 'number') {
        counters.failedToStart++;
        return false;
      }
      if (start.idTagInfo?.status !== 'Accepted') counters.startNotAccepted++;
      this.tx16 = start.transactionId;
    } else {
      const idToken = { idToken: idTag, type: 'ISO14443' };
      const auth = await this.call('Authorize', { idToken });
      if (auth?.idTokenInfo?.status !== 'Accepted') counters.authorizeNotAccepted++;
      this.tx201 = randomUUID();
      this.seqNo = 0;
      const started = await this.call('TransactionEvent', this.transactionEvent('Started', { idToken, evse: { id: 1, connectorId: 1 } }));
      this.countAck('TransactionEvent.Started', 1, started !== undefined);
      if (!started) {
        counters.failedToStart++;
        this.tx201 = undefined;
        return false;
      }
      if (started.idTokenInfo && started.idTokenInfo.status !== 'Accepted') counters.startNotAccepted++;
    }
    counters.txStarted++;
    this.charging = true;
    await this.sendStatus();
    return true;
  }

  private sendMeterValues(): void {
    this.advanceMeter();
    if (this.v16) {
      if (this.tx16 === undefined) return;
      if (this.outstanding.has('MeterValues')) {
        incr(counters.skipped, 'MeterValues');
        return;
      }
      const params = {
        connectorId: 1,
        transactionId: this.tx16,
        meterValue: [
          {
            timestamp: new Date().toISOString(),
            sampledValue: [
              { value: this.meterWh.toFixed(1), measurand: 'Energy.Active.Import.Register', unit: 'Wh', context: 'Sample.Periodic' },
              { value: String(POWER_W), measurand: 'Power.Active.Import', unit: 'W' },
              { value: CURRENT_A.toFixed(1), measurand: 'Current.Import', unit: 'A', phase: 'L1' },
            ],
          },
        ],
      };
      this.periodic('MeterValues', () => this.call('MeterValues', params).then((r) => this.countAck('MeterValues', 3, r !== undefined)));
    } else {
      if (this.tx201 === undefined) return;
      if (this.outstanding.has('TransactionEvent')) {
        incr(counters.skipped, 'TransactionEvent');
        return;
      }
      this.periodic('TransactionEvent', () =>
        this.call('TransactionEvent', this.transactionEvent('Updated', {})).then((r) =>
          this.countAck('TransactionEvent.Updated', 1, r !== undefined),
        ),
      );
    }
  }

  startMeterValues(): void {
    if (this.tx16 === undefined && this.tx201 === undefined) return;
    this.every(options.meterValuesIntervalMs, () => this.sendMeterValues());
  }

  async stopTransaction(): Promise<void> {
    if (!this.open) return;
    if (this.v16 && this.tx16 !== undefined) {
      const r = await this.call('StopTransaction', {
        transactionId: this.tx16,
        idTag: this.spec.idTag,
        meterStop: Math.round(this.meterWh),
        timestamp: new Date().toISOString(),
        reason: 'Local',
      });
      if (r) counters.txStopped++;
      this.tx16 = undefined;
    } else if (!this.v16 && this.tx201 !== undefined) {
      const r = await this.call(
        'TransactionEvent',
        this.transactionEvent('Ended', { idToken: { idToken: this.spec.idTag, type: 'ISO14443' } }),
      );
      this.countAck('TransactionEvent.Ended', 1, r !== undefined);
      if (r) counters.txStopped++;
      this.tx201 = undefined;
    } else {
      return;
    }
    this.charging = false;
    await this.sendStatus();
  }

  async close(): Promise<void> {
    this.clearTimers();
    this.wantOpen = false;
    this.wake?.();
    const client = this.client;
    if (!client || !this.open) return;
    const result = await withTimeout(client.close({ code: 1000, reason: 'bench done' }), 10_000);
    if (result === 'timeout') await withTimeout(client.close({ force: true }), 2_000);
  }
}

// ---------------------------------------------------------------------------------------------
// Scenarios
// ---------------------------------------------------------------------------------------------

/** Start `task` for every station, `rampBatch` every `rampEveryMs` (all at once when rampBatch is 0); wait for all. */
async function ramp(task: (station: Station) => Promise<unknown>): Promise<void> {
  const batch = options.rampBatch > 0 ? options.rampBatch : stations.length;
  const running: Promise<unknown>[] = [];
  for (let i = 0; i < stations.length; i += batch) {
    if (i > 0 && options.rampEveryMs > 0) await sleep(options.rampEveryMs);
    for (const station of stations.slice(i, i + batch)) {
      running.push(task(station).catch((error: unknown) => incr(counters.uncaught, errorKind(error))));
    }
  }
  await Promise.all(running);
}

async function settleInflight(maxMs: number): Promise<void> {
  const until = performance.now() + maxMs;
  while (inflight > 0 && performance.now() < until) await sleep(20);
}

let progressTimer: NodeJS.Timeout | undefined;
let goResolve: (() => void) | undefined;
let stopResolve: (() => void) | undefined;

async function runScenario(o: ScenarioOptions): Promise<void> {
  options = o;
  stations = o.stations.map((spec) => new Station(spec));
  progressTimer = setInterval(() => {
    send({
      type: 'progress',
      progress: {
        worker: WORKER,
        open: counters.openNow,
        accepted: counters.bootAccepted,
        connectFailed: connectFailures(),
        answered: totals.answered,
        failed: totals.failed,
      },
    });
  }, 1000);
  const stopped = new Promise<void>((resolve) => (stopResolve = resolve));

  if (o.scenario === 'boot-storm') {
    beginPhase('boot');
    await ramp((s) => s.connectAndBoot());
    phase.freeze();
    send({ type: 'ready', stats: snapshot() });
    await stopped;
    beginPhase('teardown');
  } else if (o.scenario === 'hold') {
    // Heartbeats start as each station is Accepted; those answered during the ramp are the 'ramp'
    // phase's, those after 'go' (every worker ramped) the steady 'hold' phase's.
    beginPhase('ramp');
    await ramp(async (s) => {
      if (!(await s.connectAndBoot())) return;
      await s.sendStatus();
      s.startHeartbeats();
    });
    phase.freeze();
    const go = new Promise<void>((resolve) => (goResolve = resolve));
    send({ type: 'ready', stats: snapshot() });
    await Promise.race([go, stopped]);
    beginPhase('hold');
    await stopped;
    phase.freeze();
    beginPhase('teardown');
    for (const s of stations) s.clearTimers();
  } else {
    beginPhase('setup');
    await ramp(async (s) => {
      if (!(await s.connectAndBoot())) return;
      await s.startTransaction();
    });
    await settleInflight(o.callTimeoutMs + 1000);
    phase.freeze();
    const go = new Promise<void>((resolve) => (goResolve = resolve));
    send({ type: 'ready', stats: snapshot() });
    await Promise.race([go, stopped]);
    if (goResolve === undefined) {
      // 'go' arrived: MeterValues and Heartbeats start; after the warm-up (reported on its own), the measurement window.
      beginPhase('warmup');
      for (const s of stations) {
        if (!s.open) continue;
        s.startMeterValues();
        s.startHeartbeats();
      }
      if (o.warmupMs > 0) await Promise.race([sleep(o.warmupMs), stopped]);
      beginPhase('window');
      const window = phase;
      const t0 = performance.now();
      await Promise.race([sleep(o.windowMs), stopped.then(() => undefined)]);
      window.answeredAtEnd = window.answeredNow();
      window.windowMs = performance.now() - t0;
      for (const s of stations) s.clearTimers();
      window.freeze();
      // At most one MeterValues and one Heartbeat per station are outstanding, one behind the other.
      await settleInflight(2 * o.callTimeoutMs + 1000);
      send({ type: 'window-done', stats: snapshot() });
      await stopped;
    }
    beginPhase('teardown');
    await ramp((s) => s.stopTransaction());
  }

  await Promise.all(stations.map((s) => s.close().catch(() => undefined)));
  clearInterval(progressTimer);
  phase.freeze();
  send({ type: 'done', stats: snapshot() });
}

function connectFailures(): number {
  let failed = 0;
  for (const count of Object.values(counters.connectFailures)) failed += count;
  return failed;
}

process.on('message', (raw) => {
  const message = raw as ParentToWorker;
  switch (message.type) {
    case 'scenario':
      runScenario(message.options).catch((error: unknown) => {
        send({ type: 'fatal', worker: WORKER, error: String((error as Error)?.stack ?? error) });
      });
      break;
    case 'go': {
      const resolve = goResolve;
      goResolve = undefined;
      resolve?.();
      break;
    }
    case 'report':
      send({ type: 'report', stats: snapshot() });
      break;
    case 'stop':
      stopResolve?.();
      break;
    case 'exit':
      setImmediate(() => process.exit(0));
      break;
  }
});

// A stray socket error must not take 10,000 simulated stations down with it: count it instead.
process.on('uncaughtException', (error) => incr(counters.uncaught, errorKind(error)));
process.on('unhandledRejection', (error) => incr(counters.uncaught, errorKind(error)));
// The parent went away (crash, hard timeout): nothing left to report to.
process.on('disconnect', () => process.exit(0));

send({ type: 'online', worker: WORKER, pid: process.pid });
