/** What every admin resource uses: the contract's schemas, paging of list queries and instants as text. */
import type { Context } from 'hono';
import type { components, operations } from '../../../generated/admin.js';
import type { Page, PageRequest } from '../../domain/pagination.js';
import type { OperationHandlers } from '../../http/contract.js';
import { paginationHeaders } from '../../http/pagination.js';

export type Schemas = components['schemas'];

/** The handlers of these operations of the admin document. */
export type AdminHandlers<Id extends keyof operations> = Pick<OperationHandlers<operations>, Id>;

const DEFAULT_LIMIT = 20;

export function pageOf(query: { offset?: number; limit?: number }): PageRequest {
  return { offset: query.offset ?? 0, limit: query.limit ?? DEFAULT_LIMIT };
}

export const iso = (date: Date | null) => (date ? date.toISOString() : null);

/** The 200 answer to a list operation: the page's items in their contract shape, with the pagination headers. */
export function pageAnswer<Item, View>(
  context: Context,
  page: Page<Item>,
  view: (item: Item) => View,
  publicBaseUrl: string,
): { status: 200; body: View[]; headers: Record<string, string> } {
  return { status: 200, body: page.items.map((item) => view(item)), headers: paginationHeaders(context, page, publicBaseUrl) };
}
