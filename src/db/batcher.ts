/**
 * Coalesces many small writes into one statement. `add` resolves once the item's batch is written, so a caller that
 * awaits it (e.g. before answering a station) still only answers what is persisted; the database sees one multi-row
 * statement per batch instead of one per message.
 */
export interface BatcherOptions {
  /** write as soon as this many items are waiting */
  maxItems: number;
  /** or this long after the first one arrived */
  maxDelayMs: number;
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

  /** Writes what is waiting now; resolves when every write started so far has finished. */
  async drain(): Promise<void> {
    this.flush();
    await Promise.allSettled([...this.inFlight]);
  }

  private flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.queue;
    if (batch.length === 0) return;
    this.queue = [];
    const writing = this.write(batch.map((waiting) => waiting.item)).then(
      () => batch.forEach((waiting) => waiting.resolve()),
      (error: unknown) => batch.forEach((waiting) => waiting.reject(error)),
    );
    this.inFlight.add(writing);
    void writing.finally(() => this.inFlight.delete(writing));
  }
}
