/**
 * The asynchronous half of OCPI's receiver modules (commands, charging profiles): the partner gets its answer at once,
 * the station is called in the background through the StationLink port, and what came of it is POSTed to the
 * response_url the partner gave, with the generated eMSP client.
 */
import type { Partner, PartyKey } from '../domain/parties.js';
import { StationCallError, StationNotConnectedError, StationTimeoutError, type StationLink } from '../domain/station-calls.js';
import type { Logger } from '../log.js';
import type { OcpiContext } from './context.js';
import { partnerAddress, partnerClient, type EmspClient } from './partner-client.js';

/** Builds the OCPP action and payload for the version the station speaks; undefined when there is none for it. */
export type VersionedStationCall = (version: string) => [action: string, payload: Record<string, unknown>] | undefined;

/** What came of calling a station: its answer, or why there is none. */
export type StationOutcome =
  | { kind: 'answered'; action: string; answer: Record<string, unknown> }
  | { kind: 'offline'; reason: string }
  | { kind: 'timeout'; action: string; reason: string }
  | { kind: 'call-error'; action: string; code: string; reason: string }
  | { kind: 'failed'; action?: string; reason: string };

/** Calls the station with the call for the version it is connected with; never throws. */
export async function callStation(link: StationLink, stationId: string, callFor: VersionedStationCall, timeoutMs: number): Promise<StationOutcome> {
  const version = link.connectedVersion(stationId);
  if (!version) return { kind: 'offline', reason: 'the charge station is offline' };
  const call = callFor(version);
  if (!call) return { kind: 'failed', reason: `no such request for a station on ${version}` };
  const [action, payload] = call;
  try {
    return { kind: 'answered', action, answer: await link.call(stationId, action, payload, { timeoutMs }) };
  } catch (error) {
    const reason = (error as Error).message;
    if (error instanceof StationTimeoutError) return { kind: 'timeout', action, reason };
    if (error instanceof StationCallError) return { kind: 'call-error', action, code: error.code, reason };
    if (error instanceof StationNotConnectedError) return { kind: 'offline', reason };
    return { kind: 'failed', action, reason };
  }
}

/** Runs `work` after the HTTP answer has gone; a failure is logged, never thrown. */
export function inBackground(logger: Logger, fields: Record<string, unknown>, what: string, work: () => Promise<void>): void {
  void work().catch((error: unknown) => logger.error({ err: error, ...fields }, `${what} failed`));
}

/**
 * The generated eMSP client aimed at one response_url: every call under `/${module}/…` goes to that exact URL,
 * addressed (OCPI-to-*) to `to`, by default the partner's own party. Undefined when Anode holds no token to call the
 * partner with.
 */
export function responseClient(ctx: OcpiContext, partner: Partner, module: string, responseUrl: string, to?: PartyKey): EmspClient | undefined {
  if (!partner.outgoingToken) return undefined;
  return partnerClient(partnerAddress(partner, { to, exactUrls: { [module]: responseUrl } }), { ...ctx.cpo, timeoutMs: ctx.partnerTimeoutMs });
}
