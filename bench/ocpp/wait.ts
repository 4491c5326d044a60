/** Waiting with a bound, and the error for a failure the benchmark expects and explains. */

/** A failure the benchmark expects and explains: printed without a stack trace. */
export class BenchError extends Error {}

export { sleep } from '../shared/local-server.js';

export async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new BenchError(`${what}: no answer within ${Math.round(ms / 1000)} s`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
