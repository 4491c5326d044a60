import { asUnavailability } from './availability.js';

/**
 * Coalesces many small writes into one statement. `add` resolves once the item's batch is written, so a caller that
 * awaits it (e.g. before answering a station) still only answers what is persisted; the database sees one multi-row
 * statement per batch instead of one per message.
 *
 * At most `maxConcurrent` batches are written at a time: while they are, new items wait and go together in the next
 * batch. So when the database slows down, batches grow and commits get fewer, instead of ever more small
 * transactions queueing for connections (measured with bench:ocpp: 80 writes in flight at once made the slowest
 * answers wait seconds).
 *
 * A batch the database refuses for its data (SQLSTATE class 22 or 23: a value out of range, a broken constraint) is
 * written again in halves, down to the item that caused it, so one station's bad value fails only that station's
 * call. A batch's statement commits all or nothing, so writing part of it again stores nothing twice.
 *
 * A batch that fails because the database is unavailable (the connection died, PostgreSQL is restarting) fails every
 * caller in it with a DatabaseUnavailableError and is not written again here: it may have committed with only its
 * answer lost, so what a caller was told failed may be stored, and what it was told is stored always is.
 */
export interface BatcherOptions {
  /** write as soon as this many items are waiting; no batch is bigger */
  maxItems: number;
  /** or this long after the first one arrived */
  maxDelayMs: number;
  /** batches being written at once (default 2) */
  maxConcurrent?: number;
}

interface Waiting<T> {
  item: T;
  resolve: () => void;
  reject: (error: unknown) => void;
}

export class Batcher<T> {
  private queue: Waiting<T>[] = [];
  private timer: NodeJS.Timeout | undefined;
  private inFlight = new Set<Promise<void>>();
  /** a write was due while the most batches were being written: it starts when one finishes */
  private due = false;

  constructor(
    private readonly write: (items: T[]) => Promise<void>,
    private readonly options: BatcherOptions,
  ) {}

  add(item: T): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      if (this.queue.length >= this.options.maxItems) this.flush();
      else this.timer ??= setTimeout(() => this.flush(), this.options.maxDelayMs);
    });
  }

  /** Writes everything waiting now; resolves when every write started so far (and those it waited for) finished. */
  async drain(): Promise<void> {
    this.flush();
    while (this.inFlight.size > 0 || this.queue.length > 0) {
      await Promise.allSettled([...this.inFlight]);
      this.flush();
    }
  }

  private flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.queue.length === 0) return;
    if (this.inFlight.size >= (this.options.maxConcurrent ?? 2)) {
      this.due = true;
      return;
    }
    this.due = false;
    const batch = this.queue.splice(0, this.options.maxItems);
    if (this.queue.length > 0) this.due = true;
    const writing = this.settle(batch);
    this.inFlight.add(writing);
    void writing.finally(() => {
      this.inFlight.delete(writing);
      if (this.due) this.flush();
    });
  }

  private async settle(batch: Waiting<T>[]): Promise<void> {
    try {
      await this.write(batch.map((waiting) => waiting.item));
      batch.forEach((waiting) => waiting.resolve());
    } catch (error) {
      if (batch.length === 1 || !refusedForItsData(error)) {
        const failure = asUnavailability(error);
        batch.forEach((waiting) => waiting.reject(failure));
        return;
      }
      const half = Math.ceil(batch.length / 2);
      await this.settle(batch.slice(0, half));
      await this.settle(batch.slice(half));
    }
  }
}

/** A PostgreSQL data exception (22xxx) or integrity violation (23xxx), possibly wrapped by the ORM. */
function refusedForItsData(error: unknown): boolean {
  let cause = error;
  for (let depth = 0; depth < 5 && cause instanceof Object; depth += 1, cause = (cause as { cause?: unknown }).cause) {
    const code = (cause as { code?: unknown }).code;
    if (typeof code === 'string' && /^2[23][0-9A-Z]{3}$/.test(code)) return true;
  }
  return false;
}

/**
 * A Batcher whose items each get an answer: `run` turns a batch into one answer per item, in the same order.
 * For the frequent small reads and writes of many stations at once (admission, boot), one statement per batch.
 */
export class AnsweringBatcher<T, R> {
  private readonly batcher: Batcher<{ item: T; answer: (result: R) => void }>;

  constructor(run: (items: T[]) => Promise<R[]>, options: BatcherOptions) {
    this.batcher = new Batcher(async (entries) => {
      const results = await run(entries.map((entry) => entry.item));
      entries.forEach((entry, index) => entry.answer(results[index]));
    }, options);
  }

  async add(item: T): Promise<R> {
    let result: R | undefined;
    await this.batcher.add({ item, answer: (value) => (result = value) });
    return result as R;
  }

  drain(): Promise<void> {
    return this.batcher.drain();
  }
}
