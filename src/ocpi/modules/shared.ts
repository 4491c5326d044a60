/** What the modules' handlers share: their types, paging, and who may act for which party. */
import type { Context } from 'hono';
import type { operations } from '../../../generated/ocpi-2.2.1-cpo.js';
import type { PageRequest } from '../../domain/pagination.js';
import { actsFor, type Partner } from '../../domain/parties.js';
import type { OperationHandlers } from '../../http/contract.js';
import type { OcpiContext } from '../context.js';
import { ocpiNotFound, partnerOf, StatusCode, type OcpiEnv } from '../transport.js';

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

/**
 * A partner may only act for the country code and party id of one of its own roles; a hub acts for the party its
 * OCPI-from-* routing headers name.
 */
export function assertOwnParty(context: Context<OcpiEnv>, countryCode: string, partyId: string): Partner {
  const partner = partnerOf(context);
  const own = actsFor(partner, countryCode, partyId);
  const viaHub =
    partner.roles.some((role) => role.role === 'HUB') &&
    sameCode(context.req.header('ocpi-from-country-code'), countryCode) &&
    sameCode(context.req.header('ocpi-from-party-id'), partyId);
  if (!own && !viaHub) throw ocpiNotFound(StatusCode.clientError, `${countryCode}/${partyId} is not a party this token acts for`);
  return partner;
}
