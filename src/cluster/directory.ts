import type { DirectoryEntry } from './messages.js';

/** Which worker holds which station's socket: kept by the primary, mirrored in every worker. */
export class StationDirectory {
  private readonly entries = new Map<string, DirectoryEntry>();

  get(stationId: string): DirectoryEntry | undefined {
    return this.entries.get(stationId);
  }

  /** Records the station's newest connection; returns the one it replaces, if any. */
  set(entry: DirectoryEntry): DirectoryEntry | undefined {
    const previous = this.entries.get(entry.stationId);
    this.entries.set(entry.stationId, entry);
    return previous;
  }

  /** Forgets the station's connection, unless a newer one (maybe on another worker) has taken its place. */
  drop(stationId: string, worker: number, connectionId: number): void {
    const entry = this.entries.get(stationId);
    if (entry?.worker === worker && entry.connectionId === connectionId) this.entries.delete(stationId);
  }

  replaceAll(entries: DirectoryEntry[]): void {
    this.entries.clear();
    for (const entry of entries) this.entries.set(entry.stationId, entry);
  }

  all(): DirectoryEntry[] {
    return [...this.entries.values()];
  }
}
