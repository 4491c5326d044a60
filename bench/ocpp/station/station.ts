/**
 * A simulated charge station: connects (retrying as real stations do), boots until Accepted, sends status, Heartbeats,
 * a transaction and its meter values, answers the server's calls, and records every call it makes in the current
 * phase (stats.ts).
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { incr, type ScenarioOptions, type StationSpec } from '../messages.js';
import { CallFailed, ConnectFailed, StationClient, type Payload } from './ocpp-client.js';
import {
  bootNotification,
  configurationAnswer,
  meterValues16,
  POWER_W,
  statusNotification,
  transactionEvent,
} from './payloads.js';
import { counters, currentPhase } from './stats.js';

let inflight = 0;
/** Calls sent and not yet answered or failed, all stations of this worker. */
export const inflightCalls = () => inflight;

export function epochNow(): number {
  return performance.timeOrigin + performance.now();
}

/** How a call failed, as the stats count it. */
export function errorKind(error: unknown): string {
  if (error instanceof CallFailed) return error.kind;
  return `other:${String((error as Error)?.message ?? error).slice(0, 80)}`;
}

export class Station {
  client?: StationClient;
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

  constructor(
    readonly spec: StationSpec,
    private readonly options: ScenarioOptions,
  ) {}

  private get v16(): boolean {
    return this.spec.version === '1.6';
  }

  async connect(): Promise<boolean> {
    counters.connectAttempted++;
    if (counters.firstConnectAt === null) counters.firstConnectAt = epochNow();
    const t0 = performance.now();
    this.connectStartedAt = t0;
    const client = new StationClient({
      identity: this.spec.id,
      endpoint: this.options.endpoint,
      subprotocol: this.v16 ? 'ocpp1.6' : 'ocpp2.0.1',
      password: this.spec.password,
      handshakeTimeoutMs: this.options.connectTimeoutMs,
      pingIntervalMs: this.options.wsPingMs,
      answer: (action, params) => this.answer(action, params),
      onStrictFailure: (label) => incr(counters.strictFailures, label),
      onClose: (code) => {
        if (!this.open) return;
        this.open = false;
        counters.openNow--;
        if (this.wantOpen) incr(counters.unexpectedCloses, String(code));
        this.clearTimers();
        this.wake?.();
      },
    });
    this.client = client;
    try {
      await client.connect();
    } catch (error) {
      incr(counters.connectFailures, error instanceof ConnectFailed ? error.kind : String((error as Error)?.message ?? error).slice(0, 80));
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

  /** A call from the server, counted by action; null (NotImplemented, counted as such) for those not simulated. */
  private answer(action: string, params: Payload): Payload | null {
    if (action === 'TriggerMessage') {
      incr(counters.serverCalls, action);
      const requested = String(params.requestedMessage);
      if (!['BootNotification', 'Heartbeat', 'StatusNotification'].includes(requested)) return { status: 'NotImplemented' };
      setImmediate(() => this.onTrigger(requested));
      return { status: 'Accepted' };
    }
    const answer = configurationAnswer(this.v16, action, params);
    incr(counters.serverCalls, answer ? action : `${action} (NotImplemented)`);
    return answer ?? null;
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
    const p = currentPhase();
    if (!this.open || !this.client) {
      p.fail(action, 'not-connected');
      return undefined;
    }
    inflight++;
    const t0 = performance.now();
    try {
      const result = await this.client.call(action, params);
      p.ok(action, performance.now() - t0, t0);
      return result;
    } catch (error) {
      p.fail(action, errorKind(error));
      return undefined;
    } finally {
      inflight--;
    }
  }

  /** One BootNotification; true when Accepted. */
  private async boot(): Promise<boolean> {
    const result = await this.call('BootNotification', bootNotification(this.v16, this.spec.id));
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
    const deadline = this.connectStartedAt + this.options.bootTimeoutMs;
    while (this.open && !this.accepted) {
      if (await this.boot()) break;
      if (this.accepted) break; // a triggered boot got there first
      const left = deadline - performance.now();
      if (left <= 0 || !this.open) break;
      await this.pause(Math.min(left, this.options.bootRetryMs * (1 + Math.random())));
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
      const waitMs = this.options.bootRetryMs * (1 + Math.random()) * attempt;
      if (attempt > this.options.connectRetries || performance.now() + waitMs - firstTry > this.options.bootTimeoutMs) return false;
      await new Promise((resolve) => setTimeout(resolve, waitMs));
    }
    this.connectStartedAt = firstTry;
    return this.bootUntilAccepted();
  }

  async sendStatus(): Promise<void> {
    await this.call('StatusNotification', statusNotification(this.v16, this.charging));
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
    this.every(this.options.heartbeatIntervalMs, () => this.periodic('Heartbeat', () => this.call('Heartbeat', {})));
  }

  clearTimers(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers = [];
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
    return transactionEvent(eventType, this.tx201, this.seqNo++, this.meterWh, extra);
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
    this.meterWh += (POWER_W * this.options.meterValuesIntervalMs) / 3_600_000;
    if (this.v16) {
      if (this.tx16 === undefined) return;
      if (this.outstanding.has('MeterValues')) {
        incr(counters.skipped, 'MeterValues');
        return;
      }
      const params = meterValues16(this.tx16, this.meterWh);
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
    this.every(this.options.meterValuesIntervalMs, () => this.sendMeterValues());
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
    if (!this.client || !this.open) return;
    await this.client.close();
  }
}
