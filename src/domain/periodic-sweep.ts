/**
 * A sweep run every so often until stopped: a run never overlaps the one before it, the timer does not keep the
 * process alive, and stopping waits for a run under way (so the database can close after it).
 */
export class PeriodicSweep {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(private readonly run: () => Promise<unknown>) {}

  /** Starts sweeping every `intervalMs`; a second start while sweeping does nothing. */
  start(intervalMs: number, onError?: (error: unknown) => void): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      if (this.running) return;
      this.running = this.run()
        .then(() => undefined, onError)
        .finally(() => (this.running = undefined));
    }, intervalMs);
    this.timer.unref();
  }

  /** Stops sweeping and waits for a run under way. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }
}
