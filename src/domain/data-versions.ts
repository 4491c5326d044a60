/**
 * The data versions database triggers keep (see data_versions), as this node last read them. A background poll
 * picks up changes made by other nodes within `pollMs`; a change made through this node's domain is followed by
 * `refresh()`, so this node reads its own writes at once. Caches of derived data compare versions to stay current.
 */
import type { Database } from '../db/client.js';
import { dataVersions } from '../db/schema.js';

export type VersionedData = 'locations' | 'partners';

export class DataVersions {
  private versions = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private reads: Promise<void> = Promise.resolve();
  /** a read asked for but not started yet: later askers share it (it starts after their writes too) */
  private queued: Promise<void> | undefined;

  constructor(
    private readonly db: Database,
    private readonly pollMs: number,
  ) {}

  /** The version as last read; undefined until the first read (callers then do without their cache). */
  current(name: VersionedData): number | undefined {
    return this.versions.get(name);
  }

  /**
   * Reads the versions again. A read asked for after a write starts after any read already under way; asks that
   * arrive while a read waits to start share it, so a burst of writes costs two reads, not one each.
   */
  refresh(): Promise<void> {
    if (this.queued) return this.queued;
    const read = this.reads.then(async () => {
      this.queued = undefined;
      const rows = await this.db.select().from(dataVersions);
      this.versions = new Map(rows.map((row) => [row.name, row.version]));
    });
    this.queued = read;
    this.reads = read.catch(() => undefined);
    return read;
  }

  start(): void {
    if (this.timer) return;
    void this.refresh().catch(() => undefined);
    this.timer = setInterval(() => void this.refresh().catch(() => undefined), this.pollMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}
