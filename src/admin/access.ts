/** Who may use the admin API: bearer-token holders when a token is configured, else loopback clients only. */
import { createHash, timingSafeEqual } from 'node:crypto';
import { getConnInfo } from '@hono/node-server/conninfo';
import type { MiddlewareHandler } from 'hono';

export function isLoopbackAddress(address: string | undefined): boolean {
  if (!address) return false;
  const v4 = address.startsWith('::ffff:') ? address.slice('::ffff:'.length) : address;
  return v4 === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(v4);
}

const digest = (value: string) => createHash('sha256').update(value).digest();

/** Compares in constant time (over digests, so that lengths do not leak either). */
export function tokensMatch(presented: string, expected: string): boolean {
  return timingSafeEqual(digest(presented), digest(expected));
}

function remoteAddress(context: Parameters<MiddlewareHandler>[0]): string | undefined {
  try {
    return getConnInfo(context).remote.address;
  } catch {
    return undefined;
  }
}

export function adminAccess(token: string | undefined): MiddlewareHandler {
  return async (context, next) => {
    if (token === undefined) {
      if (!isLoopbackAddress(remoteAddress(context))) {
        return context.json(
          { status: 'Forbidden', error: 'the admin API answers loopback clients only when ADMIN_API_TOKEN is not set' },
          403,
        );
      }
      return next();
    }
    const header = context.req.header('authorization') ?? '';
    const match = /^Bearer\s+(.+)$/i.exec(header);
    if (!match || !tokensMatch(match[1].trim(), token)) {
      context.header('WWW-Authenticate', 'Bearer realm="anode-admin"');
      return context.json({ status: 'Unauthorized', error: 'a valid Authorization: Bearer <token> header is required' }, 401);
    }
    return next();
  };
}
