/** What the modules' handlers share: their types, paging, and who may act for which party. */
import type { Context } from 'hono';
import type { operations } from '../../../generated/ocpi-2.2.1-cpo.js';
import type { PageRequest } from '../../domain/pagination.js';
import { sameParty, type Partner, type PartyKey } from '../../domain/parties.js';
import type { OperationHandlers } from '../../http/contract.js';
import type { OcpiContext } from '../context.js';
import { ocpiNotFound, partnerOf, requesterOf, StatusCode, type OcpiEnv } from '../transport.js';

/** Every operation of the CPO document with its handler. */
export type CpoHandlers = OperationHandlers<operations, OcpiEnv>;
/** The handlers one module owns. */
export type ModuleHandlers<Id extends keyof operations> = Pick<CpoHandlers, Id>;

const DEFAULT_PAGE_SIZE = 50;

export function pageOf(ctx: OcpiContext, query: { offset?: number; limit?: number } | undefined): PageRequest {
  return { offset: query?.offset ?? 0, limit: Math.min(query?.limit ?? DEFAULT_PAGE_SIZE, ctx.maxPageSize) };
}

/** Country codes and party ids compare without regard to case. */
export const sameCode = (a: string | undefined, b: string) => a !== undefined && a.toUpperCase() === b.toUpperCase();

/** Who a request comes from: the partner that called and the parties it acts for in this request. */
export interface Caller {
  partner: Partner;
  actingFor: PartyKey[];
}

/** The caller of a request; a 401 for open-data requesters. */
export function callerOf(context: Context<OcpiEnv>): Caller {
  const partner = partnerOf(context);
  const requester = requesterOf(context);
  return { partner, actingFor: requester.kind === 'partner' ? requester.actingFor : [] };
}

/** Whether the caller acts for the party `countryCode`/`partyId`. */
export const actsForParty = (caller: Caller, countryCode: string, partyId: string) =>
  caller.actingFor.some((party) => sameParty(party, { countryCode, partyId }));

/**
 * A partner may only act for the country code and party id of one of its own roles; a hub for the party behind it
 * its OCPI-from-* routing headers name (Parties.actingParties).
 */
export function assertOwnParty(context: Context<OcpiEnv>, countryCode: string, partyId: string): Partner {
  const caller = callerOf(context);
  if (!actsForParty(caller, countryCode, partyId)) throw ocpiNotFound(StatusCode.clientError, `${countryCode}/${partyId} is not a party this token acts for`);
  return caller.partner;
}
