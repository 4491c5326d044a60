/**
 * bench:ocpi's load generator, a process of its own (forked by run.ts): `connections` concurrent loops of GET
 * <url>?offset=…&limit=50 for `seconds`, then the request rate and latency percentiles sent back over IPC.
 */
import { performance } from 'node:perf_hooks';

export interface LoadResult {
  requests: number;
  errors: number;
  seconds: number;
  rps: number;
  p50: number;
  p99: number;
  max: number;
}

export interface LoadOptions {
  url: string;
  token: string;
  seconds: number;
  connections: number;
  pages: number;
}

async function generateLoad({ url, token, seconds, connections, pages }: LoadOptions): Promise<LoadResult> {
  const latencies: number[] = [];
  let errors = 0;
  const deadline = performance.now() + seconds * 1000;
  const headers = { Authorization: `Token ${Buffer.from(token).toString('base64')}` };
  const worker = async (index: number) => {
    let n = index;
    while (performance.now() < deadline) {
      const offset = ((n * 7919) % pages) * 50;
      n += connections;
      const started = performance.now();
      try {
        const response = await fetch(`${url}?offset=${offset}&limit=50`, { headers });
        await response.arrayBuffer();
        if (response.status !== 200) errors += 1;
        else latencies.push(performance.now() - started);
      } catch {
        errors += 1;
      }
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: connections }, (_, index) => worker(index)));
  const elapsed = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0;
  return {
    requests: latencies.length,
    errors,
    seconds: elapsed,
    rps: latencies.length / elapsed,
    p50: at(0.5),
    p99: at(0.99),
    max: latencies.at(-1) ?? 0,
  };
}

if (process.send) {
  void generateLoad(JSON.parse(process.argv[2]) as LoadOptions).then((result) => process.send!(result));
}
