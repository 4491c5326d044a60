/** Local authorization lists: what Anode believes a station's list is, updates sent by hand, and group sync. */
import type { Domain } from '../../domain/index.js';
import { ConflictError } from '../../domain/errors.js';
import type { ListCall, LocalListEntry, LocalLists, SentUpdate } from '../../domain/local-lists.js';
import type { StationLink } from '../../domain/station-calls.js';
import type { AdminHandlers, Schemas } from './shared.js';
import type { OcppVersion, StationAnswer } from './station-operation.js';

type Operations = 'lookupChargeStationLocalList' | 'sendChargeStationLocalList' | 'checkChargeStationLocalListVersion' | 'syncChargeStationLocalList';
type EntryInput = Schemas['LocalListUpdate']['entries'][number];

/** A station's answer in the contract's shape. */
export function answerView(call: ListCall): StationAnswer {
  const common = { action: call.action, ocppVersion: call.ocppVersion as OcppVersion };
  if (call.callError) return { ...common, status: 'CallError', errorCode: call.callError.code, errorDescription: call.callError.description };
  return { ...common, status: 'Answered', response: call.response };
}

async function listView(localLists: LocalLists, stationId: string): Promise<Schemas['LocalList']> {
  const [list, reported] = await Promise.all([localLists.get(stationId), localLists.reported(stationId)]);
  return {
    chargeStationId: stationId,
    version: list.version,
    syncGroups: list.syncGroups,
    updatedAt: list.updatedAt?.toISOString() ?? null,
    stationReported: reported ? { version: reported.version, at: reported.at.toISOString() } : null,
    entries: list.entries.map((entry) => ({ idToken: entry.idToken, type: entry.idTokenType, info: entry.info, updatedAt: entry.updatedAt.toISOString() })),
  };
}

async function sentView(localLists: LocalLists, stationId: string, sent: SentUpdate): Promise<Schemas['LocalListSent']> {
  return { listVersion: sent.version, updateType: sent.updateType, stored: sent.stored, answer: answerView(sent), localList: await listView(localLists, stationId) };
}

/**
 * An entry as the operator wrote it, or a token of the token store. Without a type, a token already on the list
 * keeps its type (so a removal names the token as the station has it); a new one is ISO14443.
 */
async function entryOf(localLists: LocalLists, input: EntryInput, typesOnList: Map<string, string>): Promise<LocalListEntry> {
  if ('tokenUid' in input) return localLists.tokenEntry(input.tokenUid);
  const { info } = input;
  return {
    idToken: input.idToken,
    idTokenType: input.type ?? typesOnList.get(input.idToken) ?? 'ISO14443',
    ...(info && {
      authorization: {
        status: info.status,
        ...(info.expiresAt && { expiresAt: new Date(info.expiresAt) }),
        ...(info.groupId && { groupId: info.groupId }),
      },
    }),
  };
}

export function localListsHandlers({
  stations,
  localLists,
  stationLink,
}: Pick<Domain, 'stations' | 'localLists'> & { stationLink: StationLink }): AdminHandlers<Operations> {
  return {
    lookupChargeStationLocalList: async ({ path }) => {
      await stations.assertRegistered(path.csId);
      return { status: 200, body: await listView(localLists, path.csId) };
    },

    sendChargeStationLocalList: async ({ path, body }) => {
      await stations.assertRegistered(path.csId);
      const list = await localLists.get(path.csId);
      if (list.syncGroups) throw new ConflictError(`the local list of ${path.csId} follows token groups ${list.syncGroups.join(', ')}: stop the sync first`);
      const typesOnList = new Map(list.entries.map((entry) => [entry.idToken, entry.idTokenType]));
      const entries: LocalListEntry[] = [];
      for (const input of body.entries) entries.push(await entryOf(localLists, input, typesOnList));
      const sent = await localLists.send(stationLink, path.csId, body.updateType, entries);
      return { status: 200, body: await sentView(localLists, path.csId, sent) };
    },

    checkChargeStationLocalListVersion: async ({ path }) => {
      await stations.assertRegistered(path.csId);
      const asked = await localLists.askVersion(stationLink, path.csId);
      const { version } = await localLists.get(path.csId);
      return { status: 200, body: { answer: answerView(asked), stationVersion: asked.reported ?? null, listVersion: version } };
    },

    syncChargeStationLocalList: async ({ path, body }) => {
      await stations.assertRegistered(path.csId);
      await localLists.setSync(path.csId, body.groups);
      let update: Schemas['LocalListSent'] | null = null;
      if (body.groups && stationLink.connectedVersion(path.csId)) {
        const sent = await localLists.sendGroups(stationLink, path.csId, body.groups);
        update = await sentView(localLists, path.csId, sent);
      }
      const localList = await listView(localLists, path.csId);
      return { status: 200, body: { syncGroups: localList.syncGroups, update, localList } };
    },
  };
}
