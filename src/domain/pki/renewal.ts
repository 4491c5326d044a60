/**
 * Automatic renewal of the certificates Anode issued to stations: a certificate within `renewBeforeDays` of its
 * expiry has the station asked (a stored trigger request) to send a new CSR, which is then signed and delivered as
 * any other. `renewalRequestedAt` marks the certificate whose renewal was asked for.
 *
 * Which certificates are due:
 * - issued by Anode (source Issued), of a type Anode signs, not asked for yet, expiring within `renewBeforeDays`;
 * - the station's newest of its type (latest expiry): an older one the station has since replaced is left to expire;
 * - and no renewal of that station and type was asked for within the last `renewBeforeDays`.
 * The last rule keeps renewal from looping: a certificate issued for fewer days than `renewBeforeDays` is due the
 * moment it is installed, and without it every sweep would ask again. So a station is asked at most once per
 * `renewBeforeDays` for each type; when certificates live longer than `renewBeforeDays` (as they should), the next
 * renewal it allows still comes before the renewed certificate expires.
 *
 * Rows are claimed with one UPDATE … RETURNING over rows locked with SKIP LOCKED, so nodes sweeping at once never
 * ask twice for the same certificate.
 */
import { PeriodicSweep } from '../periodic-sweep.js';
import { sql } from 'drizzle-orm';
import type { SignedCertificateType } from './settings.js';
import { rowsOf, type Database } from '../../db/client.js';
import { stationCertificates } from '../../db/schema.js';
import type { Stations } from '../stations.js';
import { SIGN_TRIGGERS } from './signings.js';

/** Certificates claimed per statement, and statements per sweep: a backlog is worked off over sweeps. */
const PER_BATCH = 200;
const BATCHES_PER_SWEEP = 5;

export interface RenewalAsked {
  certificateId: number;
  stationId: string;
  certificateType: SignedCertificateType;
}

export class CertificateRenewal {
  private sweeper: PeriodicSweep | undefined;

  constructor(
    private readonly db: Database,
    private readonly stations: Pick<Stations, 'addRequest'>,
    /** 0: never renewed */
    private readonly renewBeforeDays: number,
  ) {}

  /** Asks the stations whose certificates are due to renew them; answers what was asked. */
  async sweep(onError: (error: unknown, stationId: string) => void = () => {}): Promise<RenewalAsked[]> {
    if (!Number.isSafeInteger(this.renewBeforeDays) || this.renewBeforeDays <= 0) return [];
    const asked: RenewalAsked[] = [];
    for (let batch = 0; batch < BATCHES_PER_SWEEP; batch += 1) {
      const claimed = await this.claim();
      for (const row of claimed) {
        try {
          await this.stations.addRequest(row.stationId, 'trigger', { trigger: SIGN_TRIGGERS[row.certificateType] });
          asked.push(row);
        } catch (error) {
          onError(error, row.stationId);
        }
      }
      if (claimed.length < PER_BATCH) break;
    }
    return asked;
  }

  private async claim(): Promise<RenewalAsked[]> {
    const window = sql.raw(`interval '${this.renewBeforeDays} days'`);
    const types = Object.keys(SIGN_TRIGGERS);
    const result = await this.db.execute(sql`
      with due as (
        select c.id from ${stationCertificates} c
        where c.source = 'Issued' and c.certificate_type in (${sql.join(types.map((type) => sql`${type}`), sql`, `)})
          and c.renewal_requested_at is null and c.valid_to is not null and c.valid_to < now() + ${window}
          and not exists (
            select 1 from ${stationCertificates} newer
            where newer.station_id = c.station_id and newer.certificate_type = c.certificate_type and newer.source = 'Issued'
              and (newer.valid_to > c.valid_to or (newer.valid_to = c.valid_to and newer.id > c.id)))
          and not exists (
            select 1 from ${stationCertificates} asked
            where asked.station_id = c.station_id and asked.certificate_type = c.certificate_type
              and asked.renewal_requested_at > now() - ${window})
        order by c.valid_to, c.id
        limit ${PER_BATCH}
        for update of c skip locked
      )
      update ${stationCertificates} s set renewal_requested_at = now()
      from due where s.id = due.id and s.renewal_requested_at is null
      returning s.id, s.station_id, s.certificate_type`);
    return rowsOf<{ id: number | string; station_id: string; certificate_type: SignedCertificateType }>(result).map((row) => ({
      certificateId: Number(row.id),
      stationId: row.station_id,
      certificateType: row.certificate_type,
    }));
  }

  /** Sweeps every `intervalMs` (nothing when renewal is off). */
  start(intervalMs: number, onError: (error: unknown, stationId?: string) => void = () => {}): void {
    if (this.sweeper || this.renewBeforeDays <= 0) return;
    this.sweeper = new PeriodicSweep(() => this.sweep(onError));
    this.sweeper.start(intervalMs, (error) => onError(error));
  }

  /** Stops sweeping and waits for a sweep under way. */
  async stop(): Promise<void> {
    await this.sweeper?.stop();
    this.sweeper = undefined;
  }
}
