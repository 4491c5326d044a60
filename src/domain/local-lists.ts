/**
 * Local authorization lists: the tokens a station may authorize on its own (offline, or before asking the CSMS), with
 * the version Anode believes the station's list has. What is stored is what the station accepted: an update the
 * station refuses (Failed, VersionMismatch) changes nothing here. The OCPP wing words the lists (`LocalListWording`,
 * filled in at start-up); the domain hands it protocol-neutral entries.
 */
import { and, desc, eq, inArray, isNotNull, ne } from 'drizzle-orm';
import { byCodePoint, type Database } from '../db/client.js';
import { localListEntries, localLists, stationCalls, tokens } from '../db/schema.js';
import { storedVerdict, type Authorization } from './authorization.js';
import { InvalidInputError } from './errors.js';
import { InvalidStationCallError, StationCallError, StationNotConnectedError, type StationLink } from './station-calls.js';
import { preferredToken } from './token-id-tags.js';
import type { Token } from './tokens.js';

export type LocalListUpdateType = 'Full' | 'Differential';

/** A token for a station's list; without an authorization, a Differential update removes it from the list. */
export interface LocalListEntry {
  idToken: string;
  /** the kind of identifier: ISO14443 (an RFID card's UID), Central, eMAID, KeyCode, … */
  idTokenType: string;
  authorization?: Authorization;
}

/** An entry as it goes to the station: its authorization worded for the station's OCPP version. */
export interface WordedEntry {
  idToken: string;
  idTokenType: string;
  info?: Record<string, unknown>;
}

export interface StationCallForm {
  action: string;
  payload: Record<string, unknown>;
}

/** How a station's OCPP version words its local list; the OCPP wing implements it. */
export interface LocalListWording {
  /** the action that asks a station for its list version (the same in every version), with an empty payload */
  readonly versionAction: string;
  /** the list version in a station's answer to `versionAction` */
  versionIn(response: Record<string, unknown>): number | undefined;
  /** the status of a station's answer to an update (Accepted, Failed, VersionMismatch, NotSupported) */
  statusIn(response: Record<string, unknown>): string | undefined;
  /** why the version cannot carry the entry, if it cannot (e.g. an idTag longer than OCPP 1.6 allows) */
  refusal(ocppVersion: string, entry: LocalListEntry): string | undefined;
  info(ocppVersion: string, authorization: Authorization): Record<string, unknown>;
  sendList(ocppVersion: string, update: { version: number; updateType: LocalListUpdateType; entries: WordedEntry[] }): StationCallForm;
}

export interface StoredListEntry extends Required<WordedEntry> {
  updatedAt: Date;
}

export interface LocalList {
  stationId: string;
  /** the version Anode believes the station's list has; 0 before any update was accepted */
  version: number;
  /** token groups kept on the list automatically; null when the list is managed by hand */
  syncGroups: string[] | null;
  updatedAt: Date | null;
  entries: StoredListEntry[];
}

/** A station's answer to a call about its list: a response, or a CALLERROR. */
export interface ListCall {
  ocppVersion: string;
  action: string;
  response?: Record<string, unknown>;
  callError?: { code: string; description: string };
}

export interface SentUpdate extends ListCall {
  /** the version the update was sent with */
  version: number;
  updateType: LocalListUpdateType;
  /** the station's answer status (Accepted, Failed, VersionMismatch, NotSupported) */
  status: string | undefined;
  /** whether Anode now holds the update as the station's list (only when the station accepted it) */
  stored: boolean;
}

/** CALLERROR codes by which a station says it cannot do what it was asked. */
const UNSUPPORTED_CODES = ['NotImplemented', 'NotSupported'];

/** Whether the station's answer says it keeps no local list. */
const unsupported = (sent: SentUpdate) => sent.status === 'NotSupported' || (sent.callError !== undefined && UNSUPPORTED_CODES.includes(sent.callError.code));

/** The kind of identifier a token of the token store is on a station: an RFID card's UID, else Anode's own. */
export const idTokenTypeOf = (token: Pick<Token, 'type'>): string => (token.type === 'RFID' ? 'ISO14443' : 'Central');

/** A token's verdict as the token store holds it (no real-time question to its eMSP: the list is for offline use). */
export function storedAuthorization(token: Token, now = new Date()): Authorization {
  return {
    status: storedVerdict(token, now),
    ...(token.expiresAt && { expiresAt: token.expiresAt }),
    ...(token.groupId && { groupId: token.groupId }),
  };
}

/** JSON text with object keys sorted, so that a value read back from jsonb compares equal to the one written. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, inner: unknown) =>
    inner && typeof inner === 'object' && !Array.isArray(inner)
      ? Object.fromEntries(Object.entries(inner).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : inner,
  );
}

export class LocalLists {
  private wording: LocalListWording | undefined;
  /** one update at a time per station in this process, so versions follow one another */
  private readonly busy = new Map<string, Promise<unknown>>();

  constructor(private readonly db: Database) {}

  useWording(wording: LocalListWording): void {
    this.wording = wording;
  }

  async get(stationId: string): Promise<LocalList> {
    const [list] = await this.db.select().from(localLists).where(eq(localLists.stationId, stationId));
    const entries = await this.db
      .select()
      .from(localListEntries)
      .where(eq(localListEntries.stationId, stationId))
      .orderBy(byCodePoint(localListEntries.idToken));
    return {
      stationId,
      version: list?.version ?? 0,
      syncGroups: list?.syncGroups ?? null,
      updatedAt: list?.updatedAt ?? null,
      entries: entries.map((entry) => ({ idToken: entry.idToken, idTokenType: entry.idTokenType, info: entry.info, updatedAt: entry.updatedAt })),
    };
  }

  /** The version the station last reported, read from the calls Anode made to it (every call is recorded). */
  async reported(stationId: string): Promise<{ version: number; at: Date } | undefined> {
    const wording = this.wordingOrFail();
    const [call] = await this.db
      .select({ response: stationCalls.response, at: stationCalls.answeredAt })
      .from(stationCalls)
      .where(and(eq(stationCalls.stationId, stationId), eq(stationCalls.action, wording.versionAction), eq(stationCalls.status, 'Answered')))
      .orderBy(desc(stationCalls.id))
      .limit(1);
    const version = call?.response ? wording.versionIn(call.response) : undefined;
    return version !== undefined && call.at ? { version, at: call.at } : undefined;
  }

  /** Asks the connected station which version of the list it has. */
  async askVersion(link: StationLink, stationId: string): Promise<ListCall & { reported: number | undefined }> {
    const wording = this.wordingOrFail();
    const ocppVersion = connected(link, stationId);
    const answer = await callStation(link, stationId, wording.versionAction, {});
    return { ocppVersion, action: wording.versionAction, ...answer, reported: answer.response && wording.versionIn(answer.response) };
  }

  /**
   * Sends an update with the next version (one above both Anode's and the station's last reported version) and,
   * when the station accepts it, stores it as the station's list. A Full update needs an authorization in every
   * entry. Throws InvalidStationCallError when the station's version cannot carry an entry.
   */
  async send(link: StationLink, stationId: string, updateType: LocalListUpdateType, entries: LocalListEntry[]): Promise<SentUpdate> {
    const duplicate = entries.find((entry, index) => entries.findIndex((other) => other.idToken === entry.idToken) !== index);
    if (duplicate) throw new InvalidInputError(`idToken ${duplicate.idToken} is named twice`);
    if (updateType === 'Full') {
      const bare = entries.find((entry) => !entry.authorization);
      if (bare) throw new InvalidInputError(`a Full update gives every entry its info; ${bare.idToken} has none`);
    }
    return this.oneAtATime(stationId, () => this.sendNow(link, stationId, updateType, entries));
  }

  /** Sends the station a Full update of the tokens of `groups` (those its OCPP version can carry). */
  async sendGroups(link: StationLink, stationId: string, groups: string[]): Promise<SentUpdate> {
    return this.oneAtATime(stationId, async () => {
      const ocppVersion = connected(link, stationId);
      return this.sendNow(link, stationId, 'Full', this.carried(ocppVersion, await this.groupEntries(groups)));
    });
  }

  /**
   * Brings the list of a station that follows `groups` in step with the token store: with `checkVersion` the
   * station is asked its version first and sent a Full update when it differs from Anode's; else (and always when
   * Anode has sent it no list yet) what changed goes as a Differential update, and a VersionMismatch answer is
   * followed by a Full update. `unsupported`: the station said it keeps no list; `checked`: it told its version.
   */
  async keepInStep(link: StationLink, stationId: string, groups: string[], checkVersion: boolean): Promise<{ checked: boolean; unsupported: boolean }> {
    return this.oneAtATime(stationId, async () => {
      const ocppVersion = connected(link, stationId);
      const wanted = this.carried(ocppVersion, await this.groupEntries(groups));
      const { version } = await this.get(stationId);
      let full = version === 0;
      if (checkVersion) {
        const asked = await this.askVersion(link, stationId);
        if (asked.callError) return { checked: false, unsupported: UNSUPPORTED_CODES.includes(asked.callError.code) };
        if (asked.reported === undefined || asked.reported < 0) return { checked: true, unsupported: true };
        full ||= asked.reported !== version;
      }
      if (!full) {
        const changes = await this.differences(stationId, ocppVersion, wanted);
        if (changes.length === 0) return { checked: checkVersion, unsupported: false };
        const sent = await this.sendNow(link, stationId, 'Differential', changes);
        if (sent.status !== 'VersionMismatch') return { checked: checkVersion, unsupported: unsupported(sent) };
      }
      const sent = await this.sendNow(link, stationId, 'Full', wanted);
      return { checked: checkVersion, unsupported: unsupported(sent) };
    });
  }

  /** Words, sends and (when accepted) stores an update; the caller holds the station's turn. */
  private async sendNow(link: StationLink, stationId: string, updateType: LocalListUpdateType, entries: LocalListEntry[]): Promise<SentUpdate> {
    const wording = this.wordingOrFail();
    const ocppVersion = connected(link, stationId);
    for (const entry of entries) {
      const refusal = wording.refusal(ocppVersion, entry);
      if (refusal) throw new InvalidStationCallError(refusal);
    }
    const worded: WordedEntry[] = entries.map((entry) => ({
      idToken: entry.idToken,
      idTokenType: entry.idTokenType,
      ...(entry.authorization && { info: wording.info(ocppVersion, entry.authorization) }),
    }));
    const [list, reported] = await Promise.all([this.get(stationId), this.reported(stationId)]);
    const version = Math.max(list.version, reported?.version ?? 0) + 1;
    const { action, payload } = wording.sendList(ocppVersion, { version, updateType, entries: worded });
    const answer = await callStation(link, stationId, action, payload);
    const status = answer.response && wording.statusIn(answer.response);
    if (status === 'Accepted') await this.store(stationId, version, updateType, worded);
    return { ocppVersion, action, ...answer, version, updateType, status, stored: status === 'Accepted' };
  }

  /** Sets the token groups the station's list follows, or (null) stops following. The list itself stays. */
  async setSync(stationId: string, groups: string[] | null): Promise<void> {
    const now = new Date();
    const syncGroups = groups === null ? null : [...new Set(groups)];
    await this.db
      .insert(localLists)
      .values({ stationId, version: 0, syncGroups, updatedAt: now })
      .onConflictDoUpdate({ target: localLists.stationId, set: { syncGroups, updatedAt: now } });
  }

  /** The stations whose lists follow token groups. */
  async syncing(): Promise<Array<{ stationId: string; groups: string[] }>> {
    const rows = await this.db
      .select({ stationId: localLists.stationId, groups: localLists.syncGroups })
      .from(localLists)
      .where(isNotNull(localLists.syncGroups));
    return rows.map((row) => ({ stationId: row.stationId, groups: row.groups ?? [] }));
  }

  /**
   * A token of the token store as a list entry. Refused when it is not known, or when its eMSP wants to be asked
   * each time (OCPI whitelist NEVER): a station would otherwise let it charge without that question.
   */
  async tokenEntry(uid: string, now = new Date()): Promise<LocalListEntry> {
    // Of tokens sharing the uid, the one a station presenting it would be found to name.
    const token = preferredToken(await this.db.select().from(tokens).where(eq(tokens.uid, uid)), uid);
    if (!token) throw new InvalidInputError(`token ${uid} is not in the token store`);
    if (token.cacheMode === 'NEVER') throw new InvalidInputError(`token ${uid} may not be authorized locally: its issuer wants to be asked each time`);
    return { idToken: token.uid, idTokenType: idTokenTypeOf(token), authorization: storedAuthorization(token, now) };
  }

  /** The tokens of these groups as list entries (tokens whose eMSP wants to be asked each time left out). */
  async groupEntries(groups: string[], now = new Date()): Promise<LocalListEntry[]> {
    if (groups.length === 0) return [];
    const rows = await this.db
      .select()
      .from(tokens)
      .where(and(inArray(tokens.groupId, groups), ne(tokens.cacheMode, 'NEVER')))
      .orderBy(byCodePoint(tokens.uid));
    // A list holds a uid once: of tokens sharing it, the one a station presenting it would be found to name.
    const byUid = new Map<string, Token[]>();
    for (const token of rows) byUid.set(token.uid, [...(byUid.get(token.uid) ?? []), token]);
    return [...byUid].map(([uid, shared]) => {
      const token = preferredToken(shared, uid)!;
      return { idToken: token.uid, idTokenType: idTokenTypeOf(token), authorization: storedAuthorization(token, now) };
    });
  }

  /**
   * What a Differential update must carry to turn the stored list into `wanted`, as the station's version words it:
   * entries added or changed, and (without authorization) entries to remove. Entries the version cannot carry are
   * left out of `wanted`.
   */
  private async differences(stationId: string, ocppVersion: string, wanted: LocalListEntry[]): Promise<LocalListEntry[]> {
    const wording = this.wordingOrFail();
    const stored = new Map((await this.get(stationId)).entries.map((entry) => [entry.idToken, entry]));
    const changes: LocalListEntry[] = [];
    const kept = new Set<string>();
    for (const entry of wanted) {
      if (wording.refusal(ocppVersion, entry)) continue;
      kept.add(entry.idToken);
      const before = stored.get(entry.idToken);
      const info = entry.authorization && wording.info(ocppVersion, entry.authorization);
      if (!before || before.idTokenType !== entry.idTokenType || canonical(before.info) !== canonical(info)) changes.push(entry);
    }
    for (const [idToken, entry] of stored) if (!kept.has(idToken)) changes.push({ idToken, idTokenType: entry.idTokenType });
    return changes;
  }

  /** `wanted` without the entries the station's version cannot carry. */
  private carried(ocppVersion: string, wanted: LocalListEntry[]): LocalListEntry[] {
    const wording = this.wordingOrFail();
    return wanted.filter((entry) => !wording.refusal(ocppVersion, entry));
  }

  private async store(stationId: string, version: number, updateType: LocalListUpdateType, entries: WordedEntry[]): Promise<void> {
    const now = new Date();
    await this.db.transaction(async (tx) => {
      await tx
        .insert(localLists)
        .values({ stationId, version, syncGroups: null, updatedAt: now })
        .onConflictDoUpdate({ target: localLists.stationId, set: { version, updatedAt: now } });
      const ofStation = eq(localListEntries.stationId, stationId);
      if (updateType === 'Full') {
        await tx.delete(localListEntries).where(ofStation);
      } else if (entries.length > 0) {
        const named = entries.map((entry) => entry.idToken);
        await tx.delete(localListEntries).where(and(ofStation, inArray(localListEntries.idToken, named)));
      }
      const added = entries.flatMap((entry) =>
        entry.info ? [{ stationId, idToken: entry.idToken, idTokenType: entry.idTokenType, info: entry.info, updatedAt: now }] : [],
      );
      if (added.length > 0) await tx.insert(localListEntries).values(added);
    });
  }

  private async oneAtATime<T>(stationId: string, work: () => Promise<T>): Promise<T> {
    const before = this.busy.get(stationId) ?? Promise.resolve();
    const mine = before.catch(() => undefined).then(work);
    this.busy.set(stationId, mine);
    try {
      return await mine;
    } finally {
      if (this.busy.get(stationId) === mine) this.busy.delete(stationId);
    }
  }

  private wordingOrFail(): LocalListWording {
    if (!this.wording) throw new Error('local lists have no wording: the composition root fills it in at start-up');
    return this.wording;
  }
}

/** The station's answer, or its CALLERROR; other failures (not connected, silent) are thrown. */
async function callStation(link: StationLink, stationId: string, action: string, payload: Record<string, unknown>): Promise<Pick<ListCall, 'response' | 'callError'>> {
  try {
    return { response: await link.call(stationId, action, payload) };
  } catch (error) {
    if (!(error instanceof StationCallError)) throw error;
    return { callError: { code: error.code, description: error.description } };
  }
}

function connected(link: StationLink, stationId: string): string {
  const ocppVersion = link.connectedVersion(stationId);
  if (!ocppVersion) throw new StationNotConnectedError(`charge station ${stationId} is not connected`);
  return ocppVersion;
}
