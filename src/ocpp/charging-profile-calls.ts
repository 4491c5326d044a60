/**
 * What a station's accepted SetChargingProfile or ClearChargingProfile changed, read from the call in either version
 * (OCPP 1.6 names the outlet connectorId, 2.0.1 evseId): the domain is told, so partners following a session's
 * active charging profile learn of it.
 */
import type { ChargingNotices } from '../domain/charging-notices.js';

type Payload = Record<string, unknown>;

const num = (value: unknown): number | undefined => (typeof value === 'number' && Number.isInteger(value) ? value : undefined);
const field = (value: unknown, name: string): unknown => (value && typeof value === 'object' ? (value as Payload)[name] : undefined);

/** The EVSE (0 or undefined: the whole station) and profile an answered call changed; undefined when it changed none. */
export function profileChangeOf(action: string, payload: Payload, response: Payload): { evseId?: number; profileId?: number } | undefined {
  if (response.status !== 'Accepted') return undefined;
  const known = <T extends Record<string, number | undefined>>(change: T) =>
    Object.fromEntries(Object.entries(change).filter(([, value]) => value !== undefined)) as { evseId?: number; profileId?: number };
  if (action === 'SetChargingProfile') {
    if (payload.csChargingProfiles) return known({ evseId: num(payload.connectorId), profileId: num(field(payload.csChargingProfiles, 'chargingProfileId')) });
    return known({ evseId: num(payload.evseId), profileId: num(field(payload.chargingProfile, 'id')) });
  }
  if (action === 'ClearChargingProfile') {
    if ('chargingProfileId' in payload || 'chargingProfileCriteria' in payload) {
      return known({ evseId: num(field(payload.chargingProfileCriteria, 'evseId')), profileId: num(payload.chargingProfileId) });
    }
    return known({ evseId: num(payload.connectorId), profileId: num(payload.id) });
  }
  return undefined;
}

/** Tells the domain when an answered call changed a station's charging profiles. */
export function reportProfileChange(notices: ChargingNotices, stationId: string, action: string, payload: Payload, response: Payload): void {
  const change = profileChangeOf(action, payload, response);
  if (change) notices.profilesChanged(stationId, change);
}
