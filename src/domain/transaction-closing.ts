/**
 * Closing transactions nobody will end, so that no session stays open forever: a transaction its station had open
 * when it booted (unless Anode asked it to boot) and that showed no news within a grace after the boot (the station
 * neither resumed nor ended it), one without news for a long time, and one the operator closes. News is an event of
 * the transaction received, a meter value sampled, or a change to its row. A closed transaction ends through the normal stop path, so its
 * session ends and its CDR is made in the same commit; it ends at its last news, at its last meter reading.
 */
import { PeriodicSweep } from './periodic-sweep.js';
import { eq, sql, type SQL } from 'drizzle-orm';
import { rowsOf, type Database } from '../db/client.js';
import { meterValues, stationCalls, stations, transactionEvents, transactions } from '../db/schema.js';
import { ConflictError, NotFoundError } from './errors.js';
import type { Transaction, Transactions } from './transactions.js';

export type ClosedBy = 'station-reboot' | 'stale' | 'operator';

export interface ClosingRules {
  /** seconds after a boot by which each transaction the station had open must have shown news; 0: rule off */
  rebootGraceSeconds: number;
  /** seconds without news after which a transaction is closed; 0: rule off */
  staleSeconds: number;
}

/** The stop reason a rule records (OCPP's own reasons: Reboot, and Other for a transaction gone quiet). */
const RULE_REASONS: Record<Exclude<ClosedBy, 'operator'>, string> = { 'station-reboot': 'Reboot', stale: 'Other' };

/** Transactions closed per sweep at most; the rest wait for the next sweep. */
const SWEEP_BATCH = 100;


const newsSince = (transactionId: SQL, since: SQL) => sql`(
  exists (select 1 from ${transactionEvents} e where e.transaction_id = ${transactionId} and e.received_at >= ${since})
  or exists (select 1 from ${meterValues} m where m.transaction_id = ${transactionId} and m.sampled_at >= ${since}))`;

/**
 * The station's last boot answered Anode's own request for one (TriggerMessage BootNotification, which Anode sends
 * after applying a configuration): the station did not restart. Looked for among its latest 100 calls.
 */
const bootAskedFor = (stationId: SQL, bootAt: SQL) => sql`exists (
  select 1 from (select c.action, c.request, c.created_at from ${stationCalls} c where c.station_id = ${stationId} order by c.id desc limit 100) c
  where c.action in ('TriggerMessage', 'ExtendedTriggerMessage') and c.request->>'requestedMessage' = 'BootNotification'
    and c.created_at between ${bootAt} - interval '5 minutes' and ${bootAt})`;

/** The transaction's last news as an ISO moment: its latest event or meter value, or its start; never in the future. */
const lastNews = (transactionId: SQL, startedAt: SQL) => sql`to_json(least(now(), greatest(${startedAt},
  (select max(e.occurred_at) from ${transactionEvents} e where e.transaction_id = ${transactionId}),
  (select max(m.sampled_at) from ${meterValues} m where m.transaction_id = ${transactionId}))))#>>'{}'`;

const seconds = (value: number) => sql`${value}::integer * interval '1 second'`;

export class TransactionClosing {
  private sweeper: PeriodicSweep | undefined;

  constructor(
    private readonly db: Database,
    private readonly transactions: Pick<Transactions, 'stop'>,
  ) {}

  /**
   * The operator ends a transaction the station does not: it ends at its last news, with the operator's reason.
   * 409 when it has ended already.
   */
  async closeByOperator(transactionId: number, reason: string): Promise<Transaction> {
    const [row] = await this.db
      .select({ stoppedAt: transactions.stoppedAt, lastNews: sql<string>`${lastNews(sql`${transactions.id}`, sql`${transactions.startedAt}`)}` })
      .from(transactions)
      .where(eq(transactions.id, transactionId));
    if (!row) throw new NotFoundError(`transaction ${transactionId} is not known`);
    if (row.stoppedAt) throw new ConflictError(`transaction ${transactionId} has ended already`);
    const { transaction, changed } = await this.transactions.stop({ transactionId, stoppedAt: new Date(row.lastNews), reason, closedBy: 'operator' });
    if (!changed) throw new ConflictError(`transaction ${transactionId} has ended already`);
    return transaction;
  }

  /** Closes the transactions the rules say are due, at most SWEEP_BATCH of them; resolves with those it closed. */
  async sweep(rules: ClosingRules): Promise<Array<{ transactionId: number; closedBy: ClosedBy }>> {
    if (rules.rebootGraceSeconds <= 0 && rules.staleSeconds <= 0) return [];
    const t = sql`t.id`;
    const rebooted = rules.rebootGraceSeconds > 0
      ? sql`(s.last_boot_at <= now() - ${seconds(rules.rebootGraceSeconds)} and t.updated_at < s.last_boot_at
             and not ${newsSince(t, sql`s.last_boot_at`)} and not ${bootAskedFor(sql`t.station_id`, sql`s.last_boot_at`)})`
      : sql`false`;
    const staleSince = sql`now() - ${seconds(rules.staleSeconds)}`;
    const stale = rules.staleSeconds > 0 ? sql`(t.updated_at < ${staleSince} and not ${newsSince(t, staleSince)})` : sql`false`;
    // the moments the claim compares with travel as text: a Date would lose their microseconds
    const due = rowsOf<{ id: number; rebooted: boolean; updated_at: string; found_at: string; last_news: string }>(
      await this.db.execute(sql`
        select t.id, ${rebooted} as rebooted, t.updated_at::text as updated_at, now()::text as found_at,
          ${lastNews(t, sql`t.started_at`)} as last_news
        from ${transactions} t left join ${stations} s on s.id = t.station_id
        where t.stopped_at is null and (${rebooted} or ${stale})
        order by t.id
        limit ${SWEEP_BATCH}`),
    );
    const closed: Array<{ transactionId: number; closedBy: ClosedBy }> = [];
    for (const row of due) {
      const closedBy = row.rebooted ? 'station-reboot' : 'stale';
      // Claimed by the statement that ends it, and only if nothing was heard of it since it was found due.
      const quiet = sql`${transactions.updatedAt} = ${row.updated_at}::timestamptz
        and not exists (select 1 from ${transactionEvents} e where e.transaction_id = ${transactions.id} and e.received_at >= ${row.found_at}::timestamptz)`;
      const { changed } = await this.transactions.stop(
        { transactionId: Number(row.id), stoppedAt: new Date(row.last_news), reason: RULE_REASONS[closedBy], closedBy },
        quiet,
      );
      if (changed) closed.push({ transactionId: Number(row.id), closedBy });
    }
    return closed;
  }

  /** Sweeps every `intervalMs` until `stopSweeper`; the timer does not keep the process alive. */
  startSweeper(
    intervalMs: number,
    rules: ClosingRules,
    report: { onClosed?: (closed: { transactionId: number; closedBy: ClosedBy }) => void; onError?: (error: unknown) => void } = {},
  ): void {
    if (this.sweeper || (rules.rebootGraceSeconds <= 0 && rules.staleSeconds <= 0)) return;
    this.sweeper = new PeriodicSweep(async () => (await this.sweep(rules)).forEach((entry) => report.onClosed?.(entry)));
    this.sweeper.start(intervalMs, report.onError);
  }

  /** Stops the sweeper and waits for a sweep under way. */
  async stopSweeper(): Promise<void> {
    await this.sweeper?.stop();
    this.sweeper = undefined;
  }
}
