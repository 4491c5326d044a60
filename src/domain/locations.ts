import { and, asc, count, eq, gte, inArray, isNull, lt, notInArray } from 'drizzle-orm';
import { byCodePoint, type Database } from '../db/client.js';
import { availability, connectorStatuses, connectors, evses, locations } from '../db/schema.js';
import { inoperativeInEffect } from './availability.js';
import type { ChangeFeed } from './change-feed.js';
import type { DataVersions } from './data-versions.js';
import { ConflictError, InvalidInputError, NotFoundError } from './errors.js';
import { evseStatusFromReports, type EvseStatus } from './evse-status.js';
import { shownOfflineColumn } from './offline-stations.js';
import type { Page, PageRequest } from './pagination.js';
import { isTimeZone } from './time.js';

export interface ConnectorInput {
  id: string;
  standard: string;
  format: string;
  powerType: string;
  maxVoltage: number;
  maxAmperage: number;
  maxElectricPower?: number;
  tariffIds?: string[];
}

export interface EvseInput {
  uid: string;
  evseId: string | null;
  /** the OCPP station serving the EVSE; the EVSE uid when not given */
  stationId?: string;
  /** OCPP 1.6 connectorId / OCPP 2.0.1 evseId; 1 when not given */
  ocppEvseId?: number;
  floorLevel?: string;
  physicalReference?: string;
  connectors: ConnectorInput[];
}

export interface LocationInput {
  countryCode?: string;
  partyId?: string;
  name: string | null;
  address: string;
  city: string;
  postalCode: string | null;
  state: string | null;
  country: string;
  latitude: string;
  longitude: string;
  parkingType: string | null;
  timeZone?: string;
  publish?: boolean;
  evses: EvseInput[];
}

export interface StoredConnector extends ConnectorInput {
  lastUpdated: Date;
}

export interface StoredEvse extends Omit<EvseInput, 'connectors'> {
  stationId: string;
  ocppEvseId: number;
  status: EvseStatus;
  connectors: StoredConnector[];
  lastUpdated: Date;
}

export interface StoredLocation extends Omit<LocationInput, 'evses'> {
  id: string;
  countryCode: string;
  partyId: string;
  timeZone: string;
  publish: boolean;
  evses: StoredEvse[];
  lastUpdated: Date;
}

export interface LocationFilter {
  changedFrom?: Date;
  changedBefore?: Date;
  publishedOnly?: boolean;
}

export interface LocationsSettings {
  cpo: { countryCode: string; partyId: string };
  defaultTimeZone: string;
  /** a station not connected for this long shows its EVSEs as UNKNOWN (offline-stations.ts); off when unset or 0 */
  offlineGraceMs?: number;
}

function duplicates(values: string[]): string[] {
  return [...new Set(values.filter((value, index) => values.indexOf(value) !== index))];
}

/** Checks what the contract cannot: identity against configuration, uniqueness inside the body, the time zone. */
function checkLocationInput(input: LocationInput, settings: LocationsSettings): void {
  const { countryCode, partyId } = settings.cpo;
  if (input.countryCode !== undefined && input.countryCode.toUpperCase() !== countryCode) {
    throw new InvalidInputError(`body.country_code must be this CPO's country code ${countryCode}`);
  }
  if (input.partyId !== undefined && input.partyId.toUpperCase() !== partyId) {
    throw new InvalidInputError(`body.party_id must be this CPO's party id ${partyId}`);
  }
  if (input.timeZone !== undefined && !isTimeZone(input.timeZone)) {
    throw new InvalidInputError(`body.time_zone is not an IANA time zone: ${input.timeZone}`);
  }
  const repeatedEvses = duplicates(input.evses.map((evse) => evse.uid));
  if (repeatedEvses.length > 0) throw new InvalidInputError(`body.evses has uid ${repeatedEvses[0]} more than once`);
  const repeatedOutlets = duplicates(input.evses.map((evse) => `${evse.stationId ?? evse.uid}#${evse.ocppEvseId ?? 1}`));
  if (repeatedOutlets.length > 0) {
    const [station, evseId] = repeatedOutlets[0].split('#');
    throw new InvalidInputError(`body.evses maps station ${station} OCPP EVSE ${evseId} more than once`);
  }
  input.evses.forEach((evse, index) => {
    const repeated = duplicates(evse.connectors.map((connector) => connector.id));
    if (repeated.length > 0) {
      throw new InvalidInputError(`body.evses[${index}].connectors has id ${repeated[0]} more than once`);
    }
  });
}

export class Locations {
  constructor(
    private readonly db: Database,
    private readonly settings: LocationsSettings,
    private readonly versions: DataVersions,
    private readonly feed: ChangeFeed,
  ) {}

  /**
   * Registers a location or replaces it. EVSEs it no longer lists are kept as removed (OCPI never forgets an EVSE);
   * an EVSE uid or a station's OCPP EVSE that belongs to another location is a conflict. A location that stops being
   * published is told to the feed as such, so partners who had it learn it may no longer be shown.
   */
  async register(id: string, input: LocationInput): Promise<void> {
    checkLocationInput(input, this.settings);
    const now = new Date();
    const uids = input.evses.map((evse) => evse.uid);
    await this.db.transaction(async (tx) => {
      await this.assertNoForeignEvses(tx, id, input.evses);
      const [before] = await tx.select({ publish: locations.publish }).from(locations).where(eq(locations.id, id)).for('update');
      const location = {
        countryCode: this.settings.cpo.countryCode,
        partyId: this.settings.cpo.partyId,
        name: input.name,
        address: input.address,
        city: input.city,
        postalCode: input.postalCode,
        state: input.state,
        country: input.country,
        latitude: input.latitude,
        longitude: input.longitude,
        parkingType: input.parkingType,
        timeZone: input.timeZone ?? this.settings.defaultTimeZone,
        publish: input.publish ?? true,
        lastUpdated: now,
      };
      await tx
        .insert(locations)
        .values({ id, ...location })
        .onConflictDoUpdate({ target: locations.id, set: location });
      const dropped = uids.length > 0 ? notInArray(evses.uid, uids) : undefined;
      await tx
        .update(evses)
        .set({ removedAt: now, lastUpdated: now })
        .where(and(eq(evses.locationId, id), isNull(evses.removedAt), dropped));
      for (const [position, evse] of input.evses.entries()) {
        const row = {
          locationId: id,
          position,
          evseId: evse.evseId,
          stationId: evse.stationId ?? evse.uid,
          ocppEvseId: evse.ocppEvseId ?? 1,
          floorLevel: evse.floorLevel ?? null,
          physicalReference: evse.physicalReference ?? null,
          removedAt: null,
          lastUpdated: now,
        };
        await tx
          .insert(evses)
          .values({ uid: evse.uid, ...row })
          .onConflictDoUpdate({ target: evses.uid, set: row });
        await tx.delete(connectors).where(eq(connectors.evseUid, evse.uid));
        await tx.insert(connectors).values(
          evse.connectors.map((connector, connectorPosition) => ({
            evseUid: evse.uid,
            position: connectorPosition,
            id: connector.id,
            standard: connector.standard,
            format: connector.format,
            powerType: connector.powerType,
            maxVoltage: connector.maxVoltage,
            maxAmperage: connector.maxAmperage,
            maxElectricPower: connector.maxElectricPower ?? null,
            tariffIds: connector.tariffIds ?? [],
            lastUpdated: now,
          })),
        );
      }
      const unpublished = before?.publish === true && !location.publish;
      await this.feed.record(tx, [{ kind: 'location', locationId: id, ...(unpublished && { unpublished }) }]);
    });
    await this.versions.refresh();
  }

  private async assertNoForeignEvses(db: Database, locationId: string, input: EvseInput[]): Promise<void> {
    if (input.length === 0) return;
    const byUid = await db
      .select({ uid: evses.uid, locationId: evses.locationId })
      .from(evses)
      .where(inArray(evses.uid, input.map((evse) => evse.uid)));
    const foreign = byUid.find((row) => row.locationId !== locationId);
    if (foreign) throw new ConflictError(`EVSE ${foreign.uid} belongs to location ${foreign.locationId}`);
    const stationIds = [...new Set(input.map((evse) => evse.stationId ?? evse.uid))];
    const outlets = await db
      .select({ uid: evses.uid, locationId: evses.locationId, stationId: evses.stationId, ocppEvseId: evses.ocppEvseId })
      .from(evses)
      .where(and(inArray(evses.stationId, stationIds), isNull(evses.removedAt)));
    for (const evse of input) {
      const stationId = evse.stationId ?? evse.uid;
      const ocppEvseId = evse.ocppEvseId ?? 1;
      const clash = outlets.find(
        (row) =>
          row.stationId === stationId &&
          row.ocppEvseId === ocppEvseId &&
          row.locationId !== locationId &&
          row.uid !== evse.uid,
      );
      if (clash) {
        throw new ConflictError(
          `station ${stationId} OCPP EVSE ${ocppEvseId} is already EVSE ${clash.uid} of location ${clash.locationId}`,
        );
      }
    }
  }

  /** A number that changes whenever anything a location is made of changes; undefined while unknown. */
  version(): number | undefined {
    return this.versions.current('locations');
  }

  /** Where a station's outlets are published: its location and EVSE uids, if it is mapped to one. */
  async whereIs(stationId: string): Promise<{ locationId: string; evseUids: string[] } | undefined> {
    const rows = await this.db
      .select({ uid: evses.uid, locationId: evses.locationId })
      .from(evses)
      .where(and(eq(evses.stationId, stationId), isNull(evses.removedAt)));
    if (rows.length === 0) return undefined;
    return { locationId: rows[0].locationId, evseUids: rows.filter((row) => row.locationId === rows[0].locationId).map((row) => row.uid) };
  }

  async get(id: string): Promise<StoredLocation> {
    const [location] = await this.loadLocations([id]);
    if (!location) throw new NotFoundError(`location ${id} is not known`);
    return location;
  }

  /** A page of locations; OCPI filters by last change (from inclusive, to exclusive) and, for open data, publish. */
  async list(page: PageRequest, filter: LocationFilter = {}): Promise<Page<StoredLocation>> {
    const where = and(
      filter.changedFrom ? gte(locations.lastUpdated, filter.changedFrom) : undefined,
      filter.changedBefore ? lt(locations.lastUpdated, filter.changedBefore) : undefined,
      filter.publishedOnly ? eq(locations.publish, true) : undefined,
    );
    const ids = await this.db
      .select({ id: locations.id })
      .from(locations)
      .where(where)
      .orderBy(byCodePoint(locations.id))
      .offset(page.offset)
      .limit(page.limit);
    const [{ total }] = await this.db.select({ total: count() }).from(locations).where(where);
    return { items: await this.loadLocations(ids.map((row) => row.id)), total, ...page };
  }

  /**
   * What the stations last reported and what the operator took out of service (availability.ts), as a function
   * giving the OCPI status of one of their EVSEs.
   */
  private async liveStatuses(stationIds: string[]): Promise<(stationId: string, ocppEvseId: number) => EvseStatus> {
    if (stationIds.length === 0) return () => 'UNKNOWN';
    const reports = await this.db
      .select({
        stationId: connectorStatuses.stationId,
        evseId: connectorStatuses.evseId,
        connectorId: connectorStatuses.connectorId,
        status: connectorStatuses.status,
      })
      .from(connectorStatuses)
      .where(inArray(connectorStatuses.stationId, stationIds));
    const outOfService = (await this.db.select().from(availability).where(inArray(availability.stationId, stationIds))).filter(inoperativeInEffect);
    return (stationId, ocppEvseId) => {
      const taken = outOfService.filter((entry) => entry.stationId === stationId && (entry.evseId === 0 || entry.evseId === ocppEvseId));
      if (taken.some((entry) => entry.connectorId === 0)) return 'INOPERATIVE';
      const ofStation = reports.filter((report) => report.stationId === stationId);
      const station = ofStation.find((report) => report.evseId === 0)?.status;
      // A connector taken out of service counts as Unavailable, whatever it last reported.
      const takenConnectors = taken.map((entry) => entry.connectorId);
      const evse = ofStation
        .filter((report) => report.evseId === ocppEvseId && !takenConnectors.includes(report.connectorId))
        .map((report) => report.status)
        .concat(takenConnectors.map(() => 'Unavailable'));
      return evseStatusFromReports(evse, station);
    };
  }

  private async loadLocations(ids: string[]): Promise<StoredLocation[]> {
    if (ids.length === 0) return [];
    const locationRows = await this.db.select().from(locations).where(inArray(locations.id, ids)).orderBy(byCodePoint(locations.id));
    const evseRows = (
      await this.db
        .select({ evse: evses, offline: shownOfflineColumn(this.settings.offlineGraceMs) })
        .from(evses)
        .where(inArray(evses.locationId, ids))
        .orderBy(asc(evses.locationId), asc(evses.position))
    ).map(({ evse, offline }) => ({ ...evse, offline }));
    const connectorRows =
      evseRows.length === 0
        ? []
        : await this.db
            .select()
            .from(connectors)
            .where(inArray(connectors.evseUid, evseRows.map((evse) => evse.uid)))
            .orderBy(asc(connectors.evseUid), asc(connectors.position));
    const liveStatus = await this.liveStatuses([...new Set(evseRows.map((evse) => evse.stationId))]);
    return locationRows.map((location) => ({
      id: location.id,
      countryCode: location.countryCode,
      partyId: location.partyId,
      name: location.name,
      address: location.address,
      city: location.city,
      postalCode: location.postalCode,
      state: location.state,
      country: location.country,
      latitude: location.latitude,
      longitude: location.longitude,
      parkingType: location.parkingType,
      timeZone: location.timeZone,
      publish: location.publish,
      lastUpdated: location.lastUpdated,
      evses: evseRows
        .filter((evse) => evse.locationId === location.id)
        .map((evse) => ({
          uid: evse.uid,
          evseId: evse.evseId,
          stationId: evse.stationId,
          ocppEvseId: evse.ocppEvseId,
          floorLevel: evse.floorLevel ?? undefined,
          physicalReference: evse.physicalReference ?? undefined,
          status: evse.removedAt ? 'REMOVED' : evse.offline ? 'UNKNOWN' : liveStatus(evse.stationId, evse.ocppEvseId),
          lastUpdated: evse.lastUpdated,
          connectors: connectorRows
            .filter((connector) => connector.evseUid === evse.uid)
            .map((connector) => ({
              id: connector.id,
              standard: connector.standard,
              format: connector.format,
              powerType: connector.powerType,
              maxVoltage: connector.maxVoltage,
              maxAmperage: connector.maxAmperage,
              maxElectricPower: connector.maxElectricPower ?? undefined,
              tariffIds: connector.tariffIds,
              lastUpdated: connector.lastUpdated,
            })),
        })),
    }));
  }
}
