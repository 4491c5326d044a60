/**
 * Keeps the lists of stations that follow token groups in step with the token store. A pass looks at every such
 * station this process holds the socket of: the first time it sees one connected it asks the station's list version
 * and sends a Full update when it differs from Anode's; otherwise it sends a Differential update of what changed in
 * the token store since the station's last accepted list (nothing when nothing did). A VersionMismatch answer is
 * followed by a Full update. Passes run every `intervalMs` and soon after a token changes (the bus's
 * `tokens.changed`), one at a time.
 */
import type { Bus } from '../cluster/bus.js';
import type { LocalLists } from './local-lists.js';
import type { StationLink } from './station-calls.js';

export interface LocalListSyncSettings {
  intervalMs: number;
  /** stations brought up to date at once */
  concurrency?: number;
}

/** A token change is followed by a pass after this short wait, so a burst of changes costs one pass. */
const SETTLE_MS = 50;

export class LocalListSync {
  private timer: NodeJS.Timeout | undefined;
  private soonTimer: NodeJS.Timeout | undefined;
  private unsubscribe: (() => void) | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  /** stations whose list version was checked since they were last seen connected here */
  private readonly checked = new Set<string>();
  /** stations that said they keep no list (NotSupported, a CALLERROR), left alone until they reconnect */
  private readonly unsupported = new Set<string>();

  constructor(
    private readonly lists: LocalLists,
    /** the stations this process holds: the sync leaves the others to the process that holds them */
    private readonly link: StationLink,
    private readonly bus: Bus,
    private readonly settings: LocalListSyncSettings,
    private readonly onError: (error: unknown, stationId?: string) => void = () => {},
  ) {}

  start(): void {
    if (this.timer) return;
    this.unsubscribe = this.bus.subscribe('tokens.changed', () => this.soon());
    this.timer = setInterval(() => this.pass(), this.settings.intervalMs);
    this.timer.unref();
  }

  /** Stops the passes and waits for one under way. */
  async stop(): Promise<void> {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    if (this.timer) clearInterval(this.timer);
    if (this.soonTimer) clearTimeout(this.soonTimer);
    this.timer = undefined;
    this.soonTimer = undefined;
    this.again = false;
    await this.running;
  }

  /** Runs a pass now, or right after the one under way; resolves when it is done. */
  pass(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = this.passOnce()
      .catch((error: unknown) => this.onError(error))
      .finally(() => {
        this.running = undefined;
        if (this.again && this.timer) {
          this.again = false;
          void this.pass();
        }
      });
    return this.running;
  }

  private soon(): void {
    if (!this.timer || this.soonTimer) return;
    this.soonTimer = setTimeout(() => {
      this.soonTimer = undefined;
      void this.pass();
    }, SETTLE_MS);
    this.soonTimer.unref();
  }

  private async passOnce(): Promise<void> {
    const syncing = await this.lists.syncing();
    const here = syncing.filter(({ stationId }) => this.link.connectedVersion(stationId) !== undefined);
    const connectedIds = new Set(here.map(({ stationId }) => stationId));
    for (const stationId of [...this.checked, ...this.unsupported]) {
      if (!connectedIds.has(stationId)) {
        this.checked.delete(stationId);
        this.unsupported.delete(stationId);
      }
    }
    const queue = here.filter(({ stationId }) => !this.unsupported.has(stationId));
    const worker = async () => {
      for (let next = queue.shift(); next; next = queue.shift()) {
        await this.bringUpToDate(next.stationId, next.groups).catch((error: unknown) => this.onError(error, next.stationId));
      }
    };
    await Promise.all(Array.from({ length: this.settings.concurrency ?? 4 }, worker));
  }

  private async bringUpToDate(stationId: string, groups: string[]): Promise<void> {
    const { checked, unsupported } = await this.lists.keepInStep(this.link, stationId, groups, !this.checked.has(stationId));
    if (checked) this.checked.add(stationId);
    if (unsupported) this.unsupported.add(stationId);
  }
}
