/**
 * The load generator: forked worker processes (station/worker.ts), each running its share of the simulated stations,
 * driven over IPC (messages.ts) and reporting progress and stats back.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { REPO_ROOT } from '../shared/local-server.js';
import { withGcProbe } from './gc.js';
import { say } from './log.js';
import type { ParentToWorker, WorkerProgress, WorkerStatsJSON, WorkerToParent } from './messages.js';
import { args, config } from './options.js';
import { isExiting, onCleanup } from './run-state.js';
import { BenchError, sleep, withTimeout } from './wait.js';

const WORKER_SCRIPT = join(dirname(fileURLToPath(import.meta.url)), 'station/worker.ts');

export interface WorkerHandle {
  index: number;
  proc: ChildProcess;
  progress?: WorkerProgress;
  inbox: Map<string, WorkerStatsJSON>;
  waiters: Set<() => void>;
  failure?: string;
}

export class WorkerPool {
  readonly workers: WorkerHandle[] = [];
  private progressTimer?: NodeJS.Timeout;

  static async start(count: number): Promise<WorkerPool> {
    if (isExiting()) throw new BenchError('stopping');
    const pool = new WorkerPool();
    onCleanup('stop the load-generator workers', async () => pool.kill());
    const online: Promise<void>[] = [];
    for (let index = 0; index < count; index++) {
      const env: NodeJS.ProcessEnv = { ...process.env, BENCH_WORKER_INDEX: String(index) };
      const proc = fork(WORKER_SCRIPT, [], {
        execArgv: [
          ...config.workerNodeArgs,
          ...withGcProbe(['--import', 'tsx'], `w${index}`, env),
          ...(args['worker-cpu-prof'] ? ['--cpu-prof', `--cpu-prof-dir=${args['worker-cpu-prof']}`] : [])],
        cwd: REPO_ROOT, // where `--import tsx` resolves
        env,
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      });
      const handle: WorkerHandle = { index, proc, inbox: new Map(), waiters: new Set() };
      pool.workers.push(handle);
      online.push(
        new Promise<void>((resolveOnline, reject) => {
          proc.on('message', (raw) => {
            const message = raw as WorkerToParent;
            if (message.type === 'online') resolveOnline();
            else if (message.type === 'progress') handle.progress = message.progress;
            else if (message.type === 'fatal') handle.failure = `worker ${index} failed: ${message.error}`;
            else handle.inbox.set(message.type, message.stats);
            for (const waiter of handle.waiters) waiter();
          });
          proc.on('exit', (code, signal) => {
            handle.failure ??= `worker ${index} exited (code ${code}, signal ${signal})`;
            for (const waiter of handle.waiters) waiter();
            reject(new BenchError(handle.failure));
          });
        }),
      );
    }
    await withTimeout(Promise.all(online), 60_000, 'starting the load-generator workers');
    return pool;
  }

  send(message: ParentToWorker | ((w: WorkerHandle) => ParentToWorker)): void {
    for (const w of this.workers) {
      if (w.proc.connected) w.proc.send(typeof message === 'function' ? message(w) : message);
    }
  }

  /** Every worker's stats from its next message of this type. */
  async waitAll(type: 'ready' | 'window-done' | 'done' | 'report', timeoutMs: number): Promise<WorkerStatsJSON[]> {
    const one = (w: WorkerHandle) =>
      new Promise<WorkerStatsJSON>((resolveStats, reject) => {
        const check = () => {
          const stats = w.inbox.get(type);
          if (stats) {
            w.waiters.delete(check);
            w.inbox.delete(type);
            resolveStats(stats);
          } else if (w.failure) {
            w.waiters.delete(check);
            reject(new BenchError(w.failure));
          }
        };
        w.waiters.add(check);
        check();
      });
    return withTimeout(Promise.all(this.workers.map(one)), timeoutMs, `waiting for the workers (${type})`);
  }

  progress(): WorkerProgress {
    const sum: WorkerProgress = { worker: -1, open: 0, accepted: 0, connectFailed: 0, answered: 0, failed: 0 };
    for (const w of this.workers) {
      if (!w.progress) continue;
      sum.open += w.progress.open;
      sum.accepted += w.progress.accepted;
      sum.connectFailed += w.progress.connectFailed;
      sum.answered += w.progress.answered;
      sum.failed += w.progress.failed;
    }
    return sum;
  }

  startProgress(label: string, total: number, everyMs: number): void {
    this.stopProgress();
    const started = performance.now();
    let lastAnswered = 0;
    let lastAt = started;
    this.progressTimer = setInterval(() => {
      const p = this.progress();
      const now = performance.now();
      const rate = ((p.answered - lastAnswered) * 1000) / (now - lastAt);
      lastAnswered = p.answered;
      lastAt = now;
      say(
        `  ${label} +${((now - started) / 1000).toFixed(0)}s: open ${p.open}/${total}, accepted ${p.accepted}, connect failures ${p.connectFailed}, ` +
          `answered ${p.answered} (${Math.round(rate)}/s), failed calls ${p.failed}`,
      );
    }, everyMs);
  }

  stopProgress(): void {
    clearInterval(this.progressTimer);
    this.progressTimer = undefined;
  }

  async exit(): Promise<void> {
    this.stopProgress();
    const exits = this.workers.map((w) => (w.proc.exitCode !== null || w.proc.signalCode !== null ? Promise.resolve() : new Promise<void>((r) => w.proc.once('exit', () => r()))));
    this.send({ type: 'exit' });
    await Promise.race([Promise.all(exits), sleep(5000)]);
    this.kill();
  }

  kill(): void {
    this.stopProgress();
    for (const w of this.workers) if (w.proc.exitCode === null && w.proc.signalCode === null) w.proc.kill('SIGKILL');
  }
}
