import type { Context } from 'hono';
import type { Page } from '../domain/pagination.js';

/**
 * `X-Total-Count`, `X-Limit` and, when there is a next page, `Link: <…>; rel="next"` built on the public base URL
 * (the node may sit behind a proxy, so the request's own host is not trusted for links).
 */
export function paginationHeaders(context: Context, page: Page<unknown>, publicBaseUrl: string): Record<string, string> {
  const headers: Record<string, string> = { 'X-Total-Count': String(page.total), 'X-Limit': String(page.limit) };
  const nextOffset = page.offset + page.items.length;
  if (page.items.length > 0 && nextOffset < page.total) {
    const url = new URL(context.req.url);
    url.searchParams.set('offset', String(nextOffset));
    url.searchParams.set('limit', String(page.limit));
    headers.Link = `<${publicBaseUrl}${url.pathname}${url.search}>; rel="next"`;
  }
  return headers;
}
