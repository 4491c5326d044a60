/**
 * Which running transactions' rows are due to take their latest energy reading. Every sample is stored as it comes;
 * the row's copy (last_meter_wh) is for readers that list sessions, and rewriting that row on every MeterValues was a
 * third of PostgreSQL's work in bench:ocpp.
 *
 * A transaction's first reading is taken at once; its refreshes then keep a phase of their own within the interval.
 * Stations that began charging together (after a power cut, at a depot's shift change) would otherwise all fall due
 * in the same second, every interval: in bench:ocpp, 5,000 rows updated within one second every 15 s made that
 * second's answers ten times slower.
 */
export class EnergyRowSync {
  /** when each transaction's row is next due; a transaction not in here has not been seen since this process began */
  private readonly nextDueAt = new Map<number, number>();

  constructor(
    private readonly intervalMs: number,
    private readonly maxTracked = 100_000,
  ) {}

  /**
   * True when this transaction's row should take a reading now: the first time this process sees the transaction,
   * then at its phase (within one interval), then once per interval.
   */
  due(transactionId: number, now: number): boolean {
    const dueAt = this.nextDueAt.get(transactionId);
    if (dueAt === undefined) {
      if (this.nextDueAt.size >= this.maxTracked) this.forgetOverdue(now);
      this.nextDueAt.set(transactionId, now + this.phase(transactionId));
      return true;
    }
    if (now < dueAt) return false;
    this.nextDueAt.set(transactionId, now + this.intervalMs);
    return true;
  }

  get tracked(): number {
    return this.nextDueAt.size;
  }

  forget(transactionId: number): void {
    this.nextDueAt.delete(transactionId);
  }

  /**
   * Spreads consecutive transaction ids evenly over the interval (multiples of the golden ratio, modulo 1, are
   * evenly spread for any run of consecutive integers).
   */
  private phase(transactionId: number): number {
    const fraction = (transactionId * 0.6180339887498949) % 1;
    return Math.floor(fraction * this.intervalMs);
  }

  /** Transactions that went quiet: seen again, their reading is taken at once. */
  private forgetOverdue(now: number): void {
    for (const [transactionId, dueAt] of this.nextDueAt) if (dueAt <= now) this.nextDueAt.delete(transactionId);
  }
}
