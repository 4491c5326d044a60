/**
 * Commands receiver: a partner's START_SESSION, STOP_SESSION and UNLOCK_CONNECTOR become OCPP calls to the station.
 * The HTTP answer is the CommandResponse at once; the station's outcome is POSTed later to the partner's
 * response_url as a CommandResult, also when the station is offline or does not answer in time.
 */
import { randomInt } from 'node:crypto';
import type { components } from '../../../generated/ocpi-2.2.1-cpo.js';
import type { components as EmspComponents } from '../../../generated/ocpi-2.2.1-emsp.js';
import type { Partner } from '../../domain/parties.js';
import { StationCallError, StationTimeoutError, type StationLink } from '../../domain/station-calls.js';
import type { OcpiContext } from '../context.js';
import { partnerClient } from '../partner-client.js';
import { requestIds } from './credentials.js';

type Schemas = components['schemas'];
export type CommandResponse = Schemas['CommandResponse'];
type CommandResultType = EmspComponents['schemas']['CommandResultType'];
type Outlet = { stationId: string; ocppEvseId: number; connectorId: string };

const text = (message: string): Schemas['DisplayText'][] => [{ language: 'en', text: message }];

export interface CommandSettings {
  /** how long a station gets to answer, and what the CommandResponse promises */
  timeoutSeconds: number;
}

function respond(result: Schemas['CommandResponseType'], settings: CommandSettings, message?: string): CommandResponse {
  return { result, timeout: settings.timeoutSeconds, ...(message && { message: text(message) }) };
}

/** How a station's answer to the OCPP call reads as an OCPI command result. */
const RESULTS: Record<string, CommandResultType> = {
  Accepted: 'ACCEPTED',
  Rejected: 'REJECTED',
  Unlocked: 'ACCEPTED',
  UnlockFailed: 'FAILED',
  NotSupported: 'NOT_SUPPORTED',
  OngoingAuthorizedTransaction: 'REJECTED',
  UnknownConnector: 'REJECTED',
};

export class CommandReceiver {
  constructor(
    private readonly ctx: OcpiContext,
    private readonly link: StationLink,
    private readonly settings: CommandSettings,
  ) {}

  async startSession(partner: Partner, body: Schemas['StartSession']): Promise<CommandResponse> {
    const owns = partner.roles.some((role) => same(role.country_code, body.token.country_code) && same(role.party_id, body.token.party_id));
    if (!owns) return respond('REJECTED', this.settings, 'the token is not one of this party');
    const outlet = await this.outletOf(body.location_id, body.evse_uid, body.connector_id);
    if (!outlet) return respond('REJECTED', this.settings, 'unknown location, EVSE or connector');
    const known = await this.ctx.domain.tokens.ofParty(body.token.country_code, body.token.party_id, body.token.uid, body.token.type);
    if (!known) {
      const stored = await this.ctx.domain.tokens.get(body.token.uid).catch(() => undefined);
      if (stored) return respond('REJECTED', this.settings, 'the token uid belongs to another issuer');
      await this.ctx.domain.tokens.putFromPartner({
        countryCode: body.token.country_code.toUpperCase(),
        partyId: body.token.party_id.toUpperCase(),
        uid: body.token.uid,
        type: body.token.type,
        contractId: body.token.contract_id,
        visualNumber: body.token.visual_number ?? null,
        issuer: body.token.issuer,
        groupId: body.token.group_id ?? null,
        valid: body.token.valid,
        languageCode: body.token.language ?? null,
        cacheMode: body.token.whitelist,
        expiresAt: null,
        ownerPartyId: partner.id,
        lastUpdated: new Date(body.token.last_updated),
      });
    }
    this.run(partner, body.response_url, outlet.stationId, (version) =>
      version === 'ocpp1.6'
        ? ['RemoteStartTransaction', { idTag: body.token.uid, connectorId: outlet.ocppEvseId }]
        : ['RequestStartTransaction', { idToken: { idToken: body.token.uid, type: 'Central' }, remoteStartId: randomInt(1, 2 ** 31 - 1), evseId: outlet.ocppEvseId }],
    );
    return respond('ACCEPTED', this.settings);
  }

  async stopSession(partner: Partner, body: Schemas['StopSession']): Promise<CommandResponse> {
    const id = Number(body.session_id);
    const facts = Number.isInteger(id) && id > 0 ? await this.ctx.domain.chargingRecords.facts(id) : undefined;
    const owned = facts && partner.roles.some((role) => same(role.country_code, facts.token.countryCode) && same(role.party_id, facts.token.partyId));
    if (!facts || !owned) return respond('UNKNOWN_SESSION', this.settings);
    if (facts.transaction.stoppedAt) return respond('REJECTED', this.settings, 'the session has ended');
    const { transaction } = facts;
    this.run(partner, body.response_url, transaction.stationId, (version) =>
      version === 'ocpp1.6'
        ? ['RemoteStopTransaction', { transactionId: transaction.id }]
        : ['RequestStopTransaction', { transactionId: transaction.stationTransactionId ?? String(transaction.id) }],
    );
    return respond('ACCEPTED', this.settings);
  }

  async unlockConnector(partner: Partner, body: Schemas['UnlockConnector']): Promise<CommandResponse> {
    const outlet = await this.outletOf(body.location_id, body.evse_uid, body.connector_id);
    if (!outlet) return respond('REJECTED', this.settings, 'unknown location, EVSE or connector');
    this.run(partner, body.response_url, outlet.stationId, (version) =>
      version === 'ocpp1.6'
        ? ['UnlockConnector', { connectorId: outlet.ocppEvseId }]
        : ['UnlockConnector', { evseId: outlet.ocppEvseId, connectorId: Number(outlet.connectorId) || 1 }],
    );
    return respond('ACCEPTED', this.settings);
  }

  private async outletOf(locationId: string, evseUid?: string, connectorId?: string): Promise<Outlet | undefined> {
    const location = await this.ctx.domain.locations.get(locationId).catch(() => undefined);
    const evse = location?.evses.find((candidate) => candidate.status !== 'REMOVED' && (evseUid === undefined || candidate.uid === evseUid));
    const connector = evse?.connectors.find((candidate) => connectorId === undefined || candidate.id === connectorId);
    return evse && connector ? { stationId: evse.stationId, ocppEvseId: evse.ocppEvseId, connectorId: connector.id } : undefined;
  }

  /** Calls the station in the background and POSTs the outcome to the partner's response_url. */
  private run(partner: Partner, responseUrl: string, stationId: string, call: (version: string) => [string, Record<string, unknown>]): void {
    void (async () => {
      const version = this.link.connectedVersion(stationId);
      let result: CommandResultType;
      let message: string | undefined;
      if (!version) {
        [result, message] = ['FAILED', 'the charge station is offline'];
      } else {
        const [action, payload] = call(version);
        try {
          const answer = await this.link.call(stationId, action, payload, { timeoutMs: this.settings.timeoutSeconds * 1000 });
          result = RESULTS[String(answer.status)] ?? 'FAILED';
        } catch (error) {
          if (error instanceof StationTimeoutError) result = 'TIMEOUT';
          else if (error instanceof StationCallError && ['NotImplemented', 'NotSupported'].includes(error.code)) result = 'NOT_SUPPORTED';
          else result = 'FAILED';
          message = (error as Error).message;
        }
      }
      await this.postResult(partner, responseUrl, { result, ...(message && { message: text(message) }) });
    })().catch((error: unknown) => this.ctx.logger.error({ err: error, partnerId: partner.id }, 'command failed'));
  }

  private async postResult(partner: Partner, responseUrl: string, result: EmspComponents['schemas']['CommandResult']): Promise<void> {
    if (!partner.outgoingToken) return;
    const client = partnerClient(
      { token: partner.outgoingToken, rawTokens: partner.rawTokens, endpoints: partner.endpoints, exactUrls: { commands: responseUrl } },
      { ...this.ctx.cpo, timeoutMs: this.ctx.partnerTimeoutMs },
    );
    const { response } = await client.POST('/commands/{command}/{uid}', {
      params: { header: requestIds(), path: { command: 'START_SESSION', uid: 'result' } },
      body: result,
    });
    if (!response.ok) this.ctx.logger.warn({ partnerId: partner.id, status: response.status }, 'the partner refused a command result');
  }
}

const same = (a: string, b: string) => a.toUpperCase() === b.toUpperCase();
