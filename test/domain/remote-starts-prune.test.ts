/**
 * Remote starts are pruned once no transaction can answer them: taken or refused ones when their window is over,
 * those a transaction may still name (accepted, or never answered) a keep period later, since an OCPP 2.0.1 station
 * reports the events it queued offline when it is back. Recent ones stay.
 */
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type DatabaseHandle } from '../../src/db/client.js';
import { remoteStarts, transactions } from '../../src/db/schema.js';
import { RemoteStarts } from '../../src/domain/remote-starts.js';
import { createTestDatabase, type TestDatabase } from '../support/anode.js';
import { eventually } from '../support/stations.js';

const WINDOW_SECONDS = 60;
const KEEP_SECONDS = 3600;

let database: TestDatabase;
let handle: DatabaseHandle;
let starts: RemoteStarts;

const minutesAgo = (minutes: number, now: Date) => new Date(now.getTime() - minutes * 60_000);

/** A remote start sent at `sentAt`, its window `WINDOW_SECONDS`, settled with `result` and taken by `transactionId`. */
async function sent(idTag: string, sentAt: Date, result: string | null, transactionId: number | null = null): Promise<void> {
  const row = await starts.record(
    { stationId: 'PRUNE-CS', ocppEvseId: 1, idTag, tokenUid: null, tokenType: null, partnerId: null, authorizationReference: null, expiresAt: new Date(sentAt.getTime() + WINDOW_SECONDS * 1000) },
    sentAt,
  );
  await handle.db.update(remoteStarts).set({ result, transactionId }).where(eq(remoteStarts.id, row.id));
}

const kept = async () => (await handle.db.select({ idTag: remoteStarts.idTag }).from(remoteStarts)).map((row) => row.idTag).sort();

beforeAll(async () => {
  database = await createTestDatabase();
  const url = database.env.DATABASE_URL;
  handle = await openDatabase(url ? { kind: 'postgres', url, maxConnections: 2 } : { kind: 'pglite', dataDir: database.env.ANODE_DATA_DIR });
  starts = new RemoteStarts(handle.db, { windowSeconds: WINDOW_SECONDS, keepSeconds: KEEP_SECONDS });
});
afterAll(async () => {
  await starts?.stopSweeper();
  await handle?.close();
  await database?.drop();
});

describe('remote starts are pruned after their window, and kept while a transaction may still answer them', () => {
  it('old rows no transaction can answer are gone; recent ones and those a queued 2.0.1 start may name are kept', async () => {
    const now = new Date();
    // within the window: kept whatever came of them
    await sent('recent-accepted', minutesAgo(0.5, now), 'ACCEPTED');
    await sent('recent-taken', minutesAgo(0.5, now), 'ACCEPTED', 101);
    await sent('recent-unanswered', minutesAgo(0.5, now), null);
    // window over, keep not over: those a station may still name stay, the rest go
    await sent('late-accepted', minutesAgo(30, now), 'ACCEPTED');
    await sent('late-timeout', minutesAgo(30, now), 'TIMEOUT');
    await sent('late-taken', minutesAgo(30, now), 'ACCEPTED', 102);
    await sent('late-rejected', minutesAgo(30, now), 'REJECTED');
    await sent('late-failed', minutesAgo(30, now), 'FAILED');
    // window and keep over: all go
    await sent('old-accepted', minutesAgo(120, now), 'ACCEPTED');
    await sent('old-unanswered', minutesAgo(120, now), null);
    await sent('old-taken', minutesAgo(120, now), 'ACCEPTED', 103);

    expect(await starts.prune(now)).toBe(6);
    expect(await kept()).toEqual(['late-accepted', 'late-timeout', 'recent-accepted', 'recent-taken', 'recent-unanswered']);
    // pruning again changes nothing
    expect(await starts.prune(now)).toBe(0);
  });

  it('a taken remote start stays while its transaction runs (real-time authorization reads it), and goes once it ended', async () => {
    const now = new Date();
    const startedAt = minutesAgo(60, now);
    const [running] = await handle.db
      .insert(transactions)
      .values({ stationId: 'PRUNE-CS', ocppVersion: 'ocpp1.6', evseId: 1, connectorId: 1, meterStartWh: 0, startedAt, updatedAt: startedAt })
      .returning({ id: transactions.id });
    await sent('taken-running', minutesAgo(60, now), 'ACCEPTED', running.id);
    await starts.prune(now);
    expect(await kept()).toContain('taken-running');
    await handle.db.update(transactions).set({ stoppedAt: now }).where(eq(transactions.id, running.id));
    await starts.prune(now);
    expect(await kept()).not.toContain('taken-running');
  });

  it('the sweeper prunes on its own once started', async () => {
    const now = new Date();
    await sent('swept', minutesAgo(240, now), 'ACCEPTED');
    const sweeping = new RemoteStarts(handle.db, { windowSeconds: 1, keepSeconds: 1 });
    sweeping.startSweeper();
    try {
      await eventually(async () => expect(await kept()).not.toContain('swept'), 5000);
    } finally {
      await sweeping.stopSweeper();
    }
  });
});
