/**
 * Station authentication at the WebSocket upgrade, following the admin API's registration (MaEVe numbering):
 *   0 = HTTP Basic over plain ws (OCPP security profile 1)
 *   1 = TLS + HTTP Basic (OCPP security profile 2)
 *   2 = TLS with a client certificate that names the station and chains to the configured CA or Anode's CSMS CA
 *       (OCPP profile 3); or, behind a load balancer that ends TLS, the certificate it forwards (client-certificate.ts)
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { TLSSocket } from 'node:tls';
import type { StationAuth } from '../domain/stations.js';
import { namesOf, type AuthVerdict, type ForwardedCertificates } from './client-certificate.js';

export type { AuthVerdict };

const fail = (reason: string): AuthVerdict => ({ ok: false, reason });

/** The password from `Authorization: Basic`, when the username is the station id (or any, when allowed). */
export function basicPassword(header: string | undefined, stationId: string, anyUsername: boolean): Buffer | undefined {
  const match = /^\s*Basic\s+([A-Za-z0-9+/=._~-]+)\s*$/i.exec(header ?? '');
  if (!match) return undefined;
  const decoded = Buffer.from(match[1], 'base64');
  const expectedPrefix = Buffer.from(`${stationId}:`);
  if (decoded.subarray(0, expectedPrefix.length).equals(expectedPrefix)) return decoded.subarray(expectedPrefix.length);
  if (!anyUsername) return undefined;
  const colon = decoded.indexOf(':'.charCodeAt(0));
  return colon < 0 ? undefined : decoded.subarray(colon + 1);
}

/** Compares the SHA-256 of the password with the stored base64 hash in constant time. */
export function passwordMatches(password: Buffer, storedBase64Hash: string): boolean {
  const presented = createHash('sha256').update(password).digest();
  const stored = Buffer.from(storedBase64Hash, 'base64');
  return stored.length === presented.length && timingSafeEqual(presented, stored);
}

function certificateNames(socket: TLSSocket): string[] {
  const certificate = socket.getPeerCertificate();
  if (!certificate || Object.keys(certificate).length === 0) return [];
  const commonName = certificate.subject?.CN;
  return namesOf(commonName ? (Array.isArray(commonName) ? commonName : [commonName]) : [], certificate.subjectaltname);
}

/**
 * Answers at once for every station but one of profile 2 whose certificate a trusted proxy forwards: that one needs
 * the database (was the certificate uploaded?), so its verdict is a promise.
 */
export function authenticateStation(
  request: IncomingMessage,
  stationId: string,
  auth: StationAuth,
  forwarded?: ForwardedCertificates,
): AuthVerdict | Promise<AuthVerdict> {
  const socket = request.socket;
  const tls = socket instanceof TLSSocket && socket.encrypted;
  if (auth.securityProfile === 2) {
    // A trusted proxy that ended the station's TLS speaks for the station, even over a TLS connection of its own.
    const header = forwarded?.headerOf(request);
    if (header !== undefined) return forwarded!.verify(header, stationId);
    if (!tls) return fail('profile 2 needs TLS with a client certificate');
    if (!socket.authorized) return fail(`client certificate not trusted: ${String(socket.authorizationError ?? 'none sent')}`);
    if (!certificateNames(socket).includes(stationId)) return fail('client certificate does not name this station');
    return { ok: true };
  }
  if (auth.securityProfile === 1 && !tls && !forwarded?.fromTrustedProxy(request)) return fail('profile 1 needs TLS');
  if (!auth.passwordHash) return fail('no password registered for basic auth');
  const password = basicPassword(request.headers.authorization, stationId, auth.invalidUsernameAllowed);
  if (!password) return fail('no basic auth credentials for this station');
  if (!passwordMatches(password, auth.passwordHash)) return fail('wrong password');
  return { ok: true };
}
