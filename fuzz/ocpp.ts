/**
 * Sends fuzzed OCPP frames (ocpp-frames.ts) from many stations of both versions to an Anode and reports how it
 * answered. Each station sends one frame at a time and waits for its answer (or, for a frame without a message id, for
 * the answer to a Heartbeat sent after it); a station whose socket is closed (a frame refused with 1007, say)
 * connects again. Bounded by a frame count and a duration; it talks only to `baseUrl`.
 */
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import WebSocket from 'ws';
import { stationFrames, type FuzzFrame, type OcppVersion } from './ocpp-frames.js';

export interface OcppFuzzOptions {
  /** http://127.0.0.1:port of the Anode under test */
  baseUrl: string;
  /** frames in all, across stations */
  frames: number;
  /** stop sending after this long even if frames remain */
  durationMs: number;
  /** stations per OCPP version */
  stationsPerVersion: number;
  seed: number;
  /** headers for the admin API (registering the stations) */
  adminHeaders?: Record<string, string>;
  /** how long a frame's answer may take */
  answerTimeoutMs?: number;
}

export interface OcppFuzzReport {
  seed: number;
  framesSent: number;
  /** answers by kind: CALLRESULT, or the CALLERROR's code */
  answers: Record<string, number>;
  /** frames whose socket was closed by the server, by close code */
  closes: Record<string, number>;
  /** connects after a station's first (its socket was closed) */
  reconnects: number;
  /** connects refused or failed (each retried after a pause) */
  connectFailures: number;
  /** frames with no answer in time (the station reconnects after one) */
  unanswered: number;
  /** frames answered with InternalError: each a bug */
  internalErrors: Array<{ frame: string; answer: unknown }>;
  elapsedMs: number;
}

const PASSWORD = 'fuzz-station-password';
const passwordHash = createHash('sha256').update(PASSWORD).digest('base64');

async function registerStation(options: OcppFuzzOptions, id: string): Promise<void> {
  const response = await fetch(`${options.baseUrl}/api/v0/cs/${encodeURIComponent(id)}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...options.adminHeaders },
    body: JSON.stringify({ securityProfile: 0, base64SHA256Password: passwordHash }),
  });
  if (response.status !== 201 && response.status !== 200) throw new Error(`registering ${id}: HTTP ${response.status} ${await response.text()}`);
}

/** One station's socket, answering the CSMS's own calls with NotImplemented and handing on everything else. */
class FuzzStation {
  private socket: WebSocket | undefined;
  private waiting = new Map<string, (answer: unknown[] | { closed: number }) => void>();
  private lastProbe = 0;

  constructor(
    private readonly url: string,
    readonly id: string,
    readonly version: OcppVersion,
  ) {}

  async connect(): Promise<void> {
    const authorization = `Basic ${Buffer.from(`${this.id}:${PASSWORD}`).toString('base64')}`;
    const socket = new WebSocket(`${this.url.replace(/^http/, 'ws')}/ocpp/${encodeURIComponent(this.id)}`, this.version, {
      headers: { Authorization: authorization },
      maxPayload: 64 * 1024 * 1024,
    });
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
      socket.once('unexpected-response', (_request, response) => reject(new Error(`HTTP ${response.statusCode}`)));
    });
    socket.on('error', () => {});
    socket.on('message', (data) => this.received(String(data)));
    socket.once('close', (code) => {
      for (const resolve of this.waiting.values()) resolve({ closed: code });
      this.waiting.clear();
    });
    this.socket = socket;
  }

  private received(text: string): void {
    let message: unknown;
    try {
      message = JSON.parse(text);
    } catch {
      return;
    }
    if (!Array.isArray(message)) return;
    if (message[0] === 2) {
      this.socket?.send(JSON.stringify([4, message[1], 'NotImplemented', 'fuzz station', {}]));
      return;
    }
    const resolve = this.waiting.get(String(message[1]));
    if (resolve) {
      this.waiting.delete(String(message[1]));
      resolve(message);
    }
  }

  get open(): boolean {
    return this.socket?.readyState === WebSocket.OPEN;
  }

  /** Sends the frame and resolves with the answer to it (or to the probe sent after it), or how the socket closed. */
  send(frame: FuzzFrame, timeoutMs: number): Promise<unknown[] | { closed: number } | 'timeout'> {
    const socket = this.socket!;
    let awaitedId = frame.messageId;
    const frames: Array<string | Buffer> = [frame.data];
    if (!awaitedId) {
      awaitedId = `probe-${++this.lastProbe}`;
      frames.push(JSON.stringify([2, awaitedId, 'Heartbeat', {}]));
    }
    const id = awaitedId;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        resolve('timeout');
      }, timeoutMs);
      this.waiting.set(id, (answer) => {
        clearTimeout(timer);
        resolve(answer);
      });
      socket.send(frames[0], { binary: frame.binary });
      if (frames[1]) socket.send(frames[1]);
    });
  }

  close(): void {
    this.socket?.terminate();
  }
}

export async function runOcppFuzz(options: OcppFuzzOptions): Promise<OcppFuzzReport> {
  const started = Date.now();
  const report: OcppFuzzReport = { seed: options.seed, framesSent: 0, answers: {}, closes: {}, reconnects: 0, connectFailures: 0, unanswered: 0, internalErrors: [], elapsedMs: 0 };
  const timeoutMs = options.answerTimeoutMs ?? 10_000;
  const stations: FuzzStation[] = [];
  for (const version of ['ocpp1.6', 'ocpp2.0.1'] as const) {
    for (let i = 0; i < options.stationsPerVersion; i += 1) {
      const id = `FUZZ-${version === 'ocpp1.6' ? '16' : '201'}-${options.seed}-${i}`;
      await registerStation(options, id);
      stations.push(new FuzzStation(options.baseUrl, id, version));
    }
  }
  const arbitraries = { 'ocpp1.6': stationFrames('ocpp1.6'), 'ocpp2.0.1': stationFrames('ocpp2.0.1') };
  const deadline = started + options.durationMs;
  let remaining = options.frames;
  let batch = 0;

  const connect = async (station: FuzzStation) => {
    for (;;) {
      try {
        return await station.connect();
      } catch {
        report.connectFailures += 1;
        if (Date.now() >= deadline) throw new Error(`station ${station.id} could not connect`);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }
  };

  const runStation = async (station: FuzzStation, index: number) => {
    let connects = 0;
    while (remaining > 0 && Date.now() < deadline) {
      const count = Math.min(200, remaining);
      remaining -= count;
      const frames = fc.sample(arbitraries[station.version], { numRuns: count, seed: options.seed * 7919 + index * 104_729 + batch++ });
      for (const frame of frames) {
        if (Date.now() >= deadline) return;
        if (!station.open) {
          await connect(station);
          if (connects++ > 0) report.reconnects += 1;
        }
        const answer = await station.send(frame, timeoutMs);
        report.framesSent += 1;
        if (answer === 'timeout') {
          report.unanswered += 1;
          station.close();
        } else if ('closed' in answer) {
          report.closes[answer.closed] = (report.closes[answer.closed] ?? 0) + 1;
        } else {
          const kind = answer[0] === 3 ? 'CALLRESULT' : String(answer[2]);
          report.answers[kind] = (report.answers[kind] ?? 0) + 1;
          if (kind === 'InternalError' && report.internalErrors.length < 50) {
            report.internalErrors.push({ frame: typeof frame.data === 'string' ? frame.data : frame.data.toString('base64'), answer });
          }
        }
      }
    }
  };

  try {
    await Promise.all(stations.map((station, index) => runStation(station, index)));
  } finally {
    for (const station of stations) station.close();
  }
  report.elapsedMs = Date.now() - started;
  return report;
}
