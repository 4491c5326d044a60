/**
 * The push outbox's claim on a dead partner's backlog: 100,000 pending entries (1,000 objects of 100 entries each,
 * every head waiting for its next attempt) are not read on every poll. The claim is a range read of
 * ocpi_outbox_claim_idx per partner that stops after the batch: no Seq Scan and no Sort of the outbox. The plan and
 * the time of one claim are printed (docs/performance.md keeps a copy).
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, rowsOf, type DatabaseHandle } from '../../src/db/client.js';
import { ocpiParties } from '../../src/db/schema.js';
import { claimQuery, PartnerOutbox } from '../../src/domain/partner-outbox.js';
import { createTestDatabase, type TestDatabase } from '../support/anode.js';

const BACKLOG = 100_000;
const OBJECTS = 1_000;
const CLAIM = { perPartner: 50, leaseMs: 60_000, busyPartners: [] };

let database: TestDatabase;
let handle: DatabaseHandle;
let dead: number;
let healthy: number;

async function party(token: string): Promise<number> {
  const [row] = await handle.db.insert(ocpiParties).values({ registrationToken: token, status: 'REGISTERED' }).returning({ id: ocpiParties.id });
  return row.id;
}

/** The claim's plan with what it did (EXPLAIN ANALYZE), in a transaction rolled back so the leases stay untaken. */
async function claimPlan(): Promise<string> {
  let plan = '';
  await handle.db
    .transaction(async (tx) => {
      const rows = rowsOf<Record<string, string>>(await tx.execute(sql`explain (analyze, costs off, timing off, summary off) ${claimQuery(CLAIM)}`));
      plan = rows.map((row) => Object.values(row)[0]).join('\n');
      tx.rollback();
    })
    .catch((error: unknown) => {
      if (!plan) throw error;
    });
  return plan;
}

beforeAll(async () => {
  database = await createTestDatabase();
  const url = database.env.DATABASE_URL;
  handle = await openDatabase(url ? { kind: 'postgres', url, maxConnections: 2 } : { kind: 'pglite', dataDir: database.env.ANODE_DATA_DIR });
  dead = await party('claim-dead');
  healthy = await party('claim-healthy');
  // The dead partner: each object's first entry failed a few times and waits for its next attempt; the other 99 of
  // each object wait behind it (due, but not heads).
  await handle.db.execute(sql`
    insert into ocpi_outbox (partner_id, module, kind, object_key, target, body, attempts, next_attempt_at, head)
    select ${dead}, 'locations', 'evse.patch', 'location:L' || (g % ${OBJECTS}), '{}'::jsonb, '{"status":"AVAILABLE"}'::jsonb,
           case when g < ${OBJECTS} then 5 else 0 end,
           case when g < ${OBJECTS} then now() + interval '10 minutes' else now() - interval '1 second' end,
           g < ${OBJECTS}
    from generate_series(0, ${BACKLOG - 1}) g`);
  // The healthy partner: three objects, two entries each, all due.
  await handle.db.execute(sql`
    insert into ocpi_outbox (partner_id, module, kind, object_key, target, body, next_attempt_at, head)
    select ${healthy}, 'locations', 'evse.patch', 'location:H' || (g % 3), '{}'::jsonb, '{"status":"AVAILABLE"}'::jsonb, now() - interval '1 second', g < 3
    from generate_series(0, 5) g`);
  await handle.db.execute(sql`analyze ocpi_outbox`);
  await handle.db.execute(sql`analyze ocpi_parties`);
}, 120_000);
afterAll(async () => {
  await handle?.close();
  await database?.drop();
});

describe('the outbox claim reads only due heads, by index, whatever waits behind them', () => {
  it('the plan is a range read of ocpi_outbox_claim_idx: no Seq Scan and no Sort of the outbox', async () => {
    const plan = await claimPlan();
    const started = performance.now();
    await claimPlan();
    const elapsedMs = performance.now() - started;
    console.log(`outbox claim over ${BACKLOG} pending entries of a dead partner (${handle.kind}), ${elapsedMs.toFixed(1)} ms:\n${plan}`);
    expect(plan).toContain('ocpi_outbox_claim_idx');
    expect(plan).not.toMatch(/Seq Scan on ocpi_outbox/);
    expect(plan).not.toMatch(/Sort/);
    // Bounded: the rows the claim's index scan returns are the healthy partner's heads, not the backlog.
    const scanned = [...plan.matchAll(/Index Scan using ocpi_outbox_claim_idx[^\n]*\(actual rows=(\d+)/g)].map((match) => Number(match[1]));
    expect(Math.max(...scanned)).toBeLessThanOrEqual(CLAIM.perPartner);
  });

  it('claims the heads that are due, one per object, and none of the entries waiting behind a head', async () => {
    const outbox = new PartnerOutbox(handle.db);
    const claimed = await outbox.claimDue(CLAIM);
    expect(claimed.map((entry) => [entry.partnerId, entry.objectKey])).toEqual([
      [healthy, 'location:H0'],
      [healthy, 'location:H1'],
      [healthy, 'location:H2'],
    ]);
    // Delivering a head makes the next entry of its object the head, and only that one goes next.
    await outbox.delivered(claimed[0].id);
    const next = await outbox.claimDue(CLAIM);
    expect(next.map((entry) => entry.objectKey)).toEqual(['location:H0']);
    expect(next[0].id).toBeGreaterThan(claimed[0].id);
  });

  it("when the dead partner's heads fall due, one batch of them is claimed", async () => {
    await handle.db.execute(sql`update ocpi_outbox set next_attempt_at = now() - interval '1 second' where partner_id = ${dead} and head`);
    const claimed = await new PartnerOutbox(handle.db).claimDue({ ...CLAIM, busyPartners: [healthy] });
    expect(claimed).toHaveLength(CLAIM.perPartner);
    expect(new Set(claimed.map((entry) => entry.objectKey)).size).toBe(CLAIM.perPartner);
    expect(claimed.every((entry) => entry.partnerId === dead && entry.attempts === 5)).toBe(true);
  });
});
