/** Sessions sender: the domain's charging facts in OCPI's shape, as a session and, once it ended, as a CDR. */
import type { components } from '../../../generated/ocpi-2.2.1-cpo.js';
import type { ChargingFacts } from '../../domain/charging-records.js';
import type { Price } from '../../domain/pricing/types.js';
import { paginationHeaders } from '../../http/pagination.js';
import type { OcpiContext } from '../context.js';
import { withOcpiNumbers } from '../numbers.js';
import { envelope, ocpiDate } from '../transport.js';
import { ocpiPlace } from './locations.js';
import { callerOf, pageOf, type ModuleHandlers } from './shared.js';
import { ocpiTariff } from './tariffs.js';

type Schemas = components['schemas'];

const price = (value: Price | undefined): Schemas['Price'] | undefined =>
  value === undefined ? undefined : { excl_vat: value.excl_vat, ...(value.incl_vat !== undefined && { incl_vat: value.incl_vat }) };

function cdrToken(facts: ChargingFacts): Schemas['CdrToken'] {
  return {
    country_code: facts.token.countryCode,
    party_id: facts.token.partyId,
    uid: facts.token.uid,
    type: facts.token.type,
    contract_id: facts.token.contractId,
  };
}

/**
 * COMMAND when a partner's command (or the operator's remote start) brought the token, AUTH_REQUEST when its eMSP
 * answered a real-time authorization, WHITELIST otherwise (also for transactions recorded before the method was).
 */
function authMethod({ transaction }: ChargingFacts): Schemas['AuthMethod'] {
  if (transaction.authorizationMethod === 'command' || transaction.remoteStartId !== null) return 'COMMAND';
  return transaction.authorizationMethod === 'realtime' ? 'AUTH_REQUEST' : 'WHITELIST';
}

const chargingPeriods = (facts: ChargingFacts): Schemas['ChargingPeriod'][] => facts.priced.chargingPeriods;

/** The session of a transaction; numbers have at most 4 decimals (OCPI's number type). */
export function ocpiSession(facts: ChargingFacts, cpo: { countryCode: string; partyId: string }): Schemas['Session'] {
  const { transaction } = facts;
  const totalCost = facts.tariff ? price(facts.priced.totalCost) : undefined;
  return withOcpiNumbers({
    country_code: cpo.countryCode,
    party_id: cpo.partyId,
    id: String(transaction.id),
    start_date_time: transaction.startedAt.toISOString(),
    ...(transaction.stoppedAt && { end_date_time: transaction.stoppedAt.toISOString() }),
    kwh: Math.max(0, ((transaction.meterStopWh ?? transaction.lastMeterWh ?? transaction.meterStartWh) - transaction.meterStartWh) / 1000),
    cdr_token: cdrToken(facts),
    auth_method: authMethod(facts),
    ...(transaction.authorizationReference !== null && { authorization_reference: transaction.authorizationReference }),
    location_id: facts.location.id,
    evse_uid: facts.evse.uid,
    connector_id: facts.connector.id,
    currency: facts.currency,
    charging_periods: chargingPeriods(facts),
    ...(totalCost && { total_cost: totalCost }),
    status: transaction.stoppedAt ? 'COMPLETED' : 'ACTIVE',
    last_updated: transaction.updatedAt.toISOString(),
  });
}

/**
 * A CDR must name its EVSE by an eMI3 EVSE id; for an EVSE the operator gave none, one is made from the CPO's
 * identity and the EVSE uid (upper case letters and digits only, as the format allows).
 */
export function derivedEvseId(cpo: { countryCode: string; partyId: string }, uid: string): string {
  const local = uid.toUpperCase().replace(/[^A-Z0-9]/g, '').slice(0, 30) || '0';
  return `${cpo.countryCode}*${cpo.partyId}*E${local}`;
}

/** The CDR of an ended transaction, priced with the tariff of its connector (free when it has none); numbers have at most 4 decimals. */
export function ocpiCdr(facts: ChargingFacts, cpo: { countryCode: string; partyId: string }): Schemas['CDR'] {
  const { transaction, location, evse, connector, priced } = facts;
  const optional = (name: keyof Schemas['CDR'], value: Price | number | undefined) => (value === undefined ? {} : { [name]: typeof value === 'number' ? value : price(value) });
  return withOcpiNumbers({
    country_code: cpo.countryCode,
    party_id: cpo.partyId,
    id: `${cpo.countryCode}${cpo.partyId}-${transaction.id}`,
    start_date_time: transaction.startedAt.toISOString(),
    end_date_time: (transaction.stoppedAt ?? transaction.updatedAt).toISOString(),
    session_id: String(transaction.id),
    cdr_token: cdrToken(facts),
    auth_method: authMethod(facts),
    ...(transaction.authorizationReference !== null && { authorization_reference: transaction.authorizationReference }),
    cdr_location: {
      id: location.id,
      ...ocpiPlace(location),
      evse_uid: evse.uid,
      evse_id: evse.evseId ?? derivedEvseId(cpo, evse.uid),
      connector_id: connector.id,
      connector_standard: connector.standard as Schemas['ConnectorType'],
      connector_format: connector.format as Schemas['ConnectorFormat'],
      connector_power_type: connector.powerType as Schemas['PowerType'],
    },
    currency: facts.currency,
    ...(facts.tariff && { tariffs: [ocpiTariff(facts.tariff)] }),
    charging_periods: chargingPeriods(facts),
    total_cost: price(priced.totalCost)!,
    ...optional('total_fixed_cost', priced.totalFixedCost),
    total_energy: priced.totalEnergyKwh,
    ...optional('total_energy_cost', priced.totalEnergyCost),
    total_time: priced.totalTimeHours,
    ...optional('total_time_cost', priced.totalTimeCost),
    ...(priced.totalParkingTimeHours > 0 && { total_parking_time: priced.totalParkingTimeHours }),
    ...optional('total_parking_cost', priced.totalParkingCost),
    last_updated: new Date().toISOString(),
  });
}

/** Sessions sender (only those of tokens the requester's parties issued), and its charging preferences receiver. */
export function sessionsHandlers(ctx: OcpiContext): ModuleHandlers<'cpoGetSessions' | 'cpoPutChargingPreferences'> {
  return {
    cpoGetSessions: async ({ query, context }) => {
      // Only the sessions of the parties the caller acts for (a hub: the one party behind it the request is from).
      const page = await ctx.domain.chargingRecords.sessions(callerOf(context).actingFor, pageOf(ctx, query), {
        from: ocpiDate(query.date_from),
        before: ocpiDate(query.date_to),
      });
      return {
        status: 200,
        body: envelope(page.items.map((facts) => ocpiSession(facts, ctx.cpo))),
        headers: paginationHeaders(context, page, ctx.publicBaseUrl),
      };
    },
    // Anode does not plan charging from preferences (yet): the honest answer the spec provides.
    cpoPutChargingPreferences: async () => ({ status: 200, body: envelope('NOT_POSSIBLE' as const) }),
  };
}
