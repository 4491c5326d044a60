/** What each worker is told to run: its share of the stations and the scenario's timings. */
import type { ScenarioName, ScenarioOptions, StationSpec } from '../messages.js';
import { config } from '../options.js';
import type { ServerHandle } from '../server.js';
import type { WorkerHandle } from '../worker-pool.js';

export function scenarioOptions(scenario: ScenarioName, server: ServerHandle, w: WorkerHandle, all: StationSpec[], ramped: boolean): ScenarioOptions {
  return {
    scenario,
    worker: w.index,
    endpoint: server.endpoint,
    stations: all.filter((_, i) => i % config.workers === w.index),
    rampBatch: ramped ? Math.max(1, Math.ceil(config.rampBatch / config.workers)) : 0,
    rampEveryMs: ramped ? config.rampEveryMs : 0,
    connectTimeoutMs: config.connectTimeoutS * 1000,
    callTimeoutMs: config.callTimeoutS * 1000,
    bootTimeoutMs: config.bootTimeoutS * 1000,
    bootRetryMs: config.bootRetryMs,
    connectRetries: config.connectRetries,
    heartbeatIntervalMs: config.heartbeatIntervalS * 1000,
    meterValuesIntervalMs: config.mvIntervalS * 1000,
    warmupMs: config.mvWarmupS * 1000,
    windowMs: config.mvSeconds * 1000,
    wsPingMs: config.wsPingS * 1000,
  };
}

/** How long the connect ramp of `count` stations takes, in seconds. */
export function rampSeconds(count: number): number {
  return config.rampEveryMs > 0 ? (Math.ceil(count / config.rampBatch) * config.rampEveryMs) / 1000 : 0;
}
