/**
 * How a token of the store is named to a station, and how what a station presents names a token again.
 *
 * OCPP 1.6 idTags hold 20 characters, OCPI uids 36 (APP_USER uids are often UUIDs). A longer uid is given to a 1.6
 * station as its station idTag: "X" and 19 upper-case hex digits of a SHA-256 over type and uid, deterministic and
 * stored with the token (indexed), so that the StartTransaction or Authorize that carries it finds the token. "X"
 * keeps it apart from RFID uids, which are hex. The migration that introduced it computes the same in SQL.
 *
 * Several tokens may share a uid (an RFID card and an app account of one issuer). When what the station presents
 * does not say which, one is chosen the same way every time: a station idTag over a uid, then the type the station's
 * idToken type points to (ISO 14443/15693: RFID; Central: APP_USER, then AD_HOC_USER), then RFID, APP_USER,
 * AD_HOC_USER, OTHER.
 */
import { createHash } from 'node:crypto';
import { eq, or } from 'drizzle-orm';
import type { Database } from '../db/client.js';
import { tokens, type tokenTypes } from '../db/schema.js';

export type TokenType = (typeof tokenTypes)[number];

/** The identity of a token in the store. */
export interface TokenKey {
  uid: string;
  type: TokenType;
}

/** OCPP 1.6 idTag and parentIdTag: CiString20 */
export const MAX_ID_TAG_16 = 20;

/** The station idTag of a uid too long for OCPP 1.6; null for one that fits. */
export function stationIdTagOf(uid: string, type: string): string | null {
  if (uid.length <= MAX_ID_TAG_16) return null;
  return `X${createHash('sha256').update(`${type}:${uid}`, 'utf8').digest('hex').slice(0, MAX_ID_TAG_16 - 1).toUpperCase()}`;
}

/** What a station of this OCPP version is given for the token. */
export function idTagFor(ocppVersion: string, token: TokenKey): string {
  return ocppVersion === 'ocpp1.6' ? (stationIdTagOf(token.uid, token.type) ?? token.uid) : token.uid;
}

const RANK: TokenType[] = ['RFID', 'APP_USER', 'AD_HOC_USER', 'OTHER'];

/** The token types an OCPP 2.0.1 idToken type points to, best first. */
function typesFor(idTokenType: string | undefined): TokenType[] {
  if (idTokenType === 'ISO14443' || idTokenType === 'ISO15693') return ['RFID'];
  if (idTokenType === 'Central') return ['APP_USER', 'AD_HOC_USER'];
  return [];
}

/** The tokens a presented idTag may name: by uid, or by station idTag. */
export function tokensPresentedAs(db: Database, idTag: string) {
  return db
    .select()
    .from(tokens)
    .where(or(eq(tokens.uid, idTag), eq(tokens.stationIdTag, idTag)));
}

/** The one token among `candidates` (all presented as `idTag`) that is taken to be meant, as the module comment says. */
export function preferredToken<T extends { uid: string; type: TokenType; stationIdTag: string | null }>(
  candidates: T[],
  idTag: string,
  idTokenType?: string,
): T | undefined {
  const hinted = typesFor(idTokenType);
  const score = (token: T) => {
    const hint = hinted.indexOf(token.type);
    return [token.stationIdTag === idTag ? 0 : 1, hint === -1 ? hinted.length : hint, RANK.indexOf(token.type)];
  };
  return [...candidates].sort((a, b) => {
    const [x, y] = [score(a), score(b)];
    return x[0] - y[0] || x[1] - y[1] || x[2] - y[2];
  })[0];
}
