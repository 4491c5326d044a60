/**
 * Local authorization lists (D01 Send local list, D02 Get local list version; OCPP 1.6 SendLocalList,
 * GetLocalListVersion) from the admin API, and lists kept following token groups of the token store.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { components } from '../../generated/admin.js';
import { startIsolatedAnode, type TestAnode } from '../support/anode.js';
import { bootedStation, connectStation, eventually, registerStation, type OcppVersion, type SimulatedStation } from '../support/stations.js';

type Token = components['schemas']['Token'];

let anode: TestAnode;
const open: SimulatedStation[] = [];

beforeAll(async () => {
  // No periodic sync pass within a test: what reaches a syncing station is sent because a token changed.
  anode = await startIsolatedAnode({ LOCAL_LIST_SYNC_SECONDS: '3600' });
});
afterAll(async () => {
  for (const station of open) await station.close();
  await anode?.stop();
});

/**
 * A station that keeps a local list as the specification says: a Full update replaces it, a Differential one
 * applies only above the station's version (else VersionMismatch); `answer` overrides its answer.
 */
interface ListKeeper {
  station: SimulatedStation;
  version: number;
  list: Map<string, unknown>;
  answer?: string;
  sent(): Array<Record<string, unknown>>;
}

async function listKeeper(id: string, version: OcppVersion): Promise<ListKeeper> {
  const v16 = version === 'ocpp1.6';
  const keeper: ListKeeper = {
    station: undefined as unknown as SimulatedStation,
    version: 0,
    list: new Map(),
    sent: () => keeper.station.received.filter((call) => call.action === 'SendLocalList').map((call) => call.params),
  };
  const handlers = {
    GetLocalListVersion: () => (v16 ? { listVersion: keeper.version } : { versionNumber: keeper.version }),
    SendLocalList: (params: Record<string, unknown>) => {
      if (keeper.answer) return { status: keeper.answer };
      const listVersion = (v16 ? params.listVersion : params.versionNumber) as number;
      const entries = (params.localAuthorizationList ?? []) as Array<Record<string, unknown>>;
      if (params.updateType === 'Differential' && listVersion <= keeper.version) return { status: 'VersionMismatch' };
      if (params.updateType === 'Full') keeper.list.clear();
      for (const entry of entries) {
        const token = v16 ? (entry.idTag as string) : (entry.idToken as { idToken: string }).idToken;
        const info = v16 ? entry.idTagInfo : entry.idTokenInfo;
        if (info) keeper.list.set(token, info);
        else keeper.list.delete(token);
      }
      keeper.version = listVersion;
      return { status: 'Accepted' };
    },
  };
  keeper.station = await bootedStation(anode, id, { version, handlers });
  open.push(keeper.station);
  return keeper;
}

const localList = async (csId: string) => {
  const { data, response } = await anode.admin.GET('/cs/{csId}/local-list', { params: { path: { csId } } });
  expect(response.status).toBe(200);
  return data!;
};

const send = (csId: string, body: components['schemas']['LocalListUpdate']) =>
  anode.admin.POST('/cs/{csId}/local-list', { params: { path: { csId } }, body });

const setToken = async (uid: string, extra: Partial<Token> = {}, on: TestAnode = anode) => {
  const { response } = await on.admin.POST('/token', {
    body: { countryCode: 'NL', partyId: 'ANO', type: 'RFID', uid, contractId: `NL-ANO-${uid}`, issuer: 'Anode', valid: true, cacheMode: 'ALWAYS', ...extra },
  });
  expect(response.status).toBe(201);
};

const sync = (csId: string, groups: string[] | null) =>
  anode.admin.PUT('/cs/{csId}/local-list/sync', { params: { path: { csId } }, body: { groups } });

describe('D01 Send local list (OCPP 2.0.1)', () => {
  let keeper: ListKeeper;
  beforeAll(async () => {
    keeper = await listKeeper('LL-201', 'ocpp2.0.1');
    await setToken('LL-STORE-1', { groupId: 'LL-FLEET', expiryDate: '2031-01-01T00:00:00Z' });
  });

  it('a Full update carries idToken and idTokenInfo per entry and, once Accepted, is the stored list at version 1', async () => {
    const { data, response } = await send('LL-201', {
      updateType: 'Full',
      entries: [
        { idToken: 'CARD-A', info: { status: 'Accepted', expiresAt: '2030-06-01T00:00:00Z', groupId: 'FLEET' } },
        { idToken: 'KEY-B', type: 'KeyCode', info: { status: 'NotAllowed' } },
        { tokenUid: 'LL-STORE-1' },
      ],
    });
    expect(response.status).toBe(200);
    expect(keeper.sent().at(-1)).toEqual({
      versionNumber: 1,
      updateType: 'Full',
      localAuthorizationList: [
        {
          idToken: { idToken: 'CARD-A', type: 'ISO14443' },
          idTokenInfo: { status: 'Accepted', cacheExpiryDateTime: '2030-06-01T00:00:00.000Z', groupIdToken: { idToken: 'FLEET', type: 'Central' } },
        },
        { idToken: { idToken: 'KEY-B', type: 'KeyCode' }, idTokenInfo: { status: 'NotAtThisLocation' } },
        {
          idToken: { idToken: 'LL-STORE-1', type: 'ISO14443' },
          idTokenInfo: { status: 'Accepted', cacheExpiryDateTime: '2031-01-01T00:00:00.000Z', groupIdToken: { idToken: 'LL-FLEET', type: 'Central' } },
        },
      ],
    });
    expect(data).toMatchObject({ listVersion: 1, updateType: 'Full', stored: true, answer: { status: 'Answered', ocppVersion: 'ocpp2.0.1', response: { status: 'Accepted' } } });
    const list = await localList('LL-201');
    expect(list).toMatchObject({ chargeStationId: 'LL-201', version: 1, syncGroups: null });
    expect(list.entries.map((entry) => [entry.idToken, entry.type, entry.info])).toEqual([
      ['CARD-A', 'ISO14443', { status: 'Accepted', cacheExpiryDateTime: '2030-06-01T00:00:00.000Z', groupIdToken: { idToken: 'FLEET', type: 'Central' } }],
      ['KEY-B', 'KeyCode', { status: 'NotAtThisLocation' }],
      ['LL-STORE-1', 'ISO14443', { status: 'Accepted', cacheExpiryDateTime: '2031-01-01T00:00:00.000Z', groupIdToken: { idToken: 'LL-FLEET', type: 'Central' } }],
    ]);
  });

  it('a Differential update adds and changes entries, removes those without info, and takes the next version', async () => {
    const { data } = await send('LL-201', {
      updateType: 'Differential',
      entries: [{ idToken: 'CARD-C', info: { status: 'Blocked' } }, { idToken: 'KEY-B' }, { idToken: 'CARD-A', info: { status: 'Expired' } }],
    });
    expect(keeper.sent().at(-1)).toEqual({
      versionNumber: 2,
      updateType: 'Differential',
      localAuthorizationList: [
        { idToken: { idToken: 'CARD-C', type: 'ISO14443' }, idTokenInfo: { status: 'Blocked' } },
        { idToken: { idToken: 'KEY-B', type: 'KeyCode' } },
        { idToken: { idToken: 'CARD-A', type: 'ISO14443' }, idTokenInfo: { status: 'Expired' } },
      ],
    });
    expect(data).toMatchObject({ listVersion: 2, stored: true });
    const list = await localList('LL-201');
    expect(list.version).toBe(2);
    expect(list.entries.map((entry) => [entry.idToken, entry.info.status])).toEqual([
      ['CARD-A', 'Expired'],
      ['CARD-C', 'Blocked'],
      ['LL-STORE-1', 'Accepted'],
    ]);
    expect([...keeper.list.keys()].sort()).toEqual(list.entries.map((entry) => entry.idToken));
  });

  it('a Failed answer is returned and nothing is stored', async () => {
    keeper.answer = 'Failed';
    const { data } = await send('LL-201', { updateType: 'Differential', entries: [{ idToken: 'CARD-D', info: { status: 'Accepted' } }] });
    keeper.answer = undefined;
    expect(data).toMatchObject({ listVersion: 3, stored: false, answer: { response: { status: 'Failed' } } });
    const list = await localList('LL-201');
    expect(list.version).toBe(2);
    expect(list.entries.map((entry) => entry.idToken)).not.toContain('CARD-D');
  });

  it('a VersionMismatch is returned and not stored; a Full update then puts the station and Anode in step', async () => {
    keeper.version = 40; // another system sent the station a newer list
    const mismatch = await send('LL-201', { updateType: 'Differential', entries: [{ idToken: 'CARD-E', info: { status: 'Accepted' } }] });
    expect(mismatch.data).toMatchObject({ listVersion: 3, stored: false, answer: { response: { status: 'VersionMismatch' } } });
    expect((await localList('LL-201')).version).toBe(2);

    const full = await send('LL-201', { updateType: 'Full', entries: [{ idToken: 'CARD-E', info: { status: 'Accepted' } }] });
    expect(full.data).toMatchObject({ listVersion: 3, stored: true });
    const list = await localList('LL-201');
    expect(list.version).toBe(3);
    expect(keeper.version).toBe(3);
    expect(list.entries.map((entry) => entry.idToken)).toEqual(['CARD-E']);
  });

  it('a Full update without info for an entry, a token the store does not know or may not hand out, a twice-named token: 400', async () => {
    await setToken('LL-NEVER', { cacheMode: 'NEVER' });
    const sentBefore = keeper.sent().length;
    const cases: Array<[components['schemas']['LocalListUpdate'], string]> = [
      [{ updateType: 'Full', entries: [{ idToken: 'CARD-X' }] }, 'a Full update gives every entry its info; CARD-X has none'],
      [{ updateType: 'Differential', entries: [{ tokenUid: 'NOT-STORED' }] }, 'token NOT-STORED is not in the token store'],
      [{ updateType: 'Differential', entries: [{ tokenUid: 'LL-NEVER' }] }, 'token LL-NEVER may not be authorized locally: its issuer wants to be asked each time'],
      [{ updateType: 'Differential', entries: [{ idToken: 'CARD-Y' }, { idToken: 'CARD-Y', info: { status: 'Accepted' } }] }, 'idToken CARD-Y is named twice'],
    ];
    for (const [body, error] of cases) {
      const { response, error: body400 } = await send('LL-201', body);
      expect(response.status).toBe(400);
      expect(body400).toEqual({ status: 'Bad Request', error });
    }
    const { response } = await send('LL-201', { updateType: 'Full', entries: [{ idToken: 'CARD-Z', info: { status: 'Whatever' as 'Accepted' } }] });
    expect(response.status).toBe(400);
    expect(keeper.sent()).toHaveLength(sentBefore);
  });

  it('a station that is not connected: 409; one that is not registered: 404', async () => {
    await registerStation(anode, 'LL-OFF');
    const off = await send('LL-OFF', { updateType: 'Full', entries: [] });
    expect(off.response.status).toBe(409);
    const unknown = await send('LL-NOBODY', { updateType: 'Full', entries: [] });
    expect(unknown.response.status).toBe(404);
    expect((await anode.admin.GET('/cs/{csId}/local-list', { params: { path: { csId: 'LL-NOBODY' } } })).response.status).toBe(404);
  });

  it('a station that answers with a CALLERROR: status CallError, nothing stored', async () => {
    const station = await bootedStation(anode, 'LL-NOLIST', { version: 'ocpp2.0.1' });
    open.push(station);
    const { data } = await send('LL-NOLIST', { updateType: 'Full', entries: [] });
    expect(data).toMatchObject({ stored: false, answer: { status: 'CallError', errorCode: 'NotImplemented' } });
    expect((await localList('LL-NOLIST')).version).toBe(0);
  });
});

describe('D02 Get local list version (OCPP 2.0.1)', () => {
  let keeper: ListKeeper;
  beforeAll(async () => {
    keeper = await listKeeper('LL-V201', 'ocpp2.0.1');
  });

  it("the station's version is returned beside Anode's and kept, so a mismatch is visible; the next update goes above it", async () => {
    keeper.version = 7;
    const { data } = await anode.admin.POST('/cs/{csId}/local-list/version', { params: { path: { csId: 'LL-V201' } } });
    expect(data).toEqual({
      answer: { action: 'GetLocalListVersion', ocppVersion: 'ocpp2.0.1', status: 'Answered', response: { versionNumber: 7 } },
      stationVersion: 7,
      listVersion: 0,
    });
    const list = await localList('LL-V201');
    expect(list.version).toBe(0);
    expect(list.stationReported).toMatchObject({ version: 7 });

    const { data: sent } = await send('LL-V201', { updateType: 'Differential', entries: [{ idToken: 'CARD-V', info: { status: 'Accepted' } }] });
    expect(sent).toMatchObject({ listVersion: 8, stored: true });
    expect(keeper.version).toBe(8);
  });
});

describe('OCPP 1.6 SendLocalList and GetLocalListVersion', () => {
  let keeper: ListKeeper;
  beforeAll(async () => {
    keeper = await listKeeper('LL-16', 'ocpp1.6');
  });

  it('an update carries listVersion, idTag and idTagInfo in OCPP 1.6 verdicts (NoCredit reads Blocked, Unknown Invalid)', async () => {
    const { data } = await send('LL-16', {
      updateType: 'Full',
      entries: [
        { idToken: 'TAG-1', info: { status: 'Accepted', expiresAt: '2030-06-01T00:00:00Z', groupId: 'PARENT' } },
        { idToken: 'TAG-2', info: { status: 'NoCredit' } },
        { idToken: 'TAG-3', info: { status: 'Unknown', groupId: 'A-GROUP-LONGER-THAN-20' } },
      ],
    });
    expect(keeper.sent().at(-1)).toEqual({
      listVersion: 1,
      updateType: 'Full',
      localAuthorizationList: [
        { idTag: 'TAG-1', idTagInfo: { status: 'Accepted', expiryDate: '2030-06-01T00:00:00.000Z', parentIdTag: 'PARENT' } },
        { idTag: 'TAG-2', idTagInfo: { status: 'Blocked' } },
        { idTag: 'TAG-3', idTagInfo: { status: 'Invalid' } },
      ],
    });
    expect(data).toMatchObject({ listVersion: 1, stored: true, answer: { ocppVersion: 'ocpp1.6' } });
    expect((await localList('LL-16')).entries.map((entry) => [entry.idToken, entry.info])).toEqual([
      ['TAG-1', { status: 'Accepted', expiryDate: '2030-06-01T00:00:00.000Z', parentIdTag: 'PARENT' }],
      ['TAG-2', { status: 'Blocked' }],
      ['TAG-3', { status: 'Invalid' }],
    ]);

    await send('LL-16', { updateType: 'Differential', entries: [{ idToken: 'TAG-2' }] });
    expect(keeper.sent().at(-1)).toEqual({ listVersion: 2, updateType: 'Differential', localAuthorizationList: [{ idTag: 'TAG-2' }] });
    expect((await localList('LL-16')).entries.map((entry) => entry.idToken)).toEqual(['TAG-1', 'TAG-3']);
  });

  it('an idTag longer than the 20 characters of OCPP 1.6 is refused with 400 before anything is sent', async () => {
    const before = keeper.sent().length;
    const { response, error } = await send('LL-16', { updateType: 'Differential', entries: [{ idToken: 'A-TOKEN-OF-21-CHARSXX', info: { status: 'Accepted' } }] });
    expect(response.status).toBe(400);
    expect(error?.error).toContain('A-TOKEN-OF-21-CHARSXX is longer than the 20 characters');
    expect(keeper.sent()).toHaveLength(before);
  });

  it('GetLocalListVersion: listVersion is returned and kept', async () => {
    keeper.version = 5;
    const { data } = await anode.admin.POST('/cs/{csId}/local-list/version', { params: { path: { csId: 'LL-16' } } });
    expect(data).toMatchObject({ answer: { response: { listVersion: 5 } }, stationVersion: 5, listVersion: 2 });
    expect((await localList('LL-16')).stationReported).toMatchObject({ version: 5 });
  });
});

describe('local lists that follow token groups', () => {
  const entryTokens = (keeper: ListKeeper) => [...keeper.list.keys()].sort();

  it('setting groups sends a Full update of their tokens (not of other groups, not those whose issuer must be asked)', async () => {
    await setToken('SYNC-A1', { groupId: 'SYNC-A' });
    await setToken('SYNC-A2', { groupId: 'SYNC-A', type: 'APP_USER' });
    await setToken('SYNC-A-NEVER', { groupId: 'SYNC-A', cacheMode: 'NEVER' });
    await setToken('SYNC-B1', { groupId: 'SYNC-B' });
    const keeper = await listKeeper('SYNC-201', 'ocpp2.0.1');
    const { data, response } = await sync('SYNC-201', ['SYNC-A']);
    expect(response.status).toBe(200);
    expect(data).toMatchObject({ syncGroups: ['SYNC-A'], update: { updateType: 'Full', stored: true } });
    expect(keeper.sent().at(-1)).toEqual({
      versionNumber: data!.update!.listVersion,
      updateType: 'Full',
      localAuthorizationList: [
        { idToken: { idToken: 'SYNC-A1', type: 'ISO14443' }, idTokenInfo: { status: 'Accepted', groupIdToken: { idToken: 'SYNC-A', type: 'Central' } } },
        { idToken: { idToken: 'SYNC-A2', type: 'Central' }, idTokenInfo: { status: 'Accepted', groupIdToken: { idToken: 'SYNC-A', type: 'Central' } } },
      ],
    });
    const list = await localList('SYNC-201');
    expect(list.syncGroups).toEqual(['SYNC-A']);
    expect(list.entries.map((entry) => entry.idToken)).toEqual(['SYNC-A1', 'SYNC-A2']);
    // a list that follows groups is not changed by hand
    const byHand = await send('SYNC-201', { updateType: 'Differential', entries: [{ idToken: 'X', info: { status: 'Accepted' } }] });
    expect(byHand.response.status).toBe(409);
  });

  it('a token created, blocked, moved to another group or deleted reaches the syncing station as a Differential update', async () => {
    const keeper = await listKeeper('SYNC-CHG', 'ocpp2.0.1');
    await sync('SYNC-CHG', ['SYNC-C']);
    const base = keeper.sent().length;
    const baseVersion = keeper.version;
    /** the nth update after the sync's Full one, once it arrived (a bounded wait) */
    const update = (n: number) =>
      eventually(async () => {
        expect(keeper.sent()).toHaveLength(base + n);
        return keeper.sent().at(-1)!;
      }, 4000);

    await setToken('SYNC-C1', { groupId: 'SYNC-C' });
    expect(await update(1)).toEqual({
      versionNumber: baseVersion + 1,
      updateType: 'Differential',
      localAuthorizationList: [{ idToken: { idToken: 'SYNC-C1', type: 'ISO14443' }, idTokenInfo: { status: 'Accepted', groupIdToken: { idToken: 'SYNC-C', type: 'Central' } } }],
    });
    await setToken('SYNC-C2', { groupId: 'SYNC-C' });
    await update(2);

    await setToken('SYNC-C1', { groupId: 'SYNC-C', valid: false });
    expect(await update(3)).toMatchObject({
      versionNumber: baseVersion + 3,
      updateType: 'Differential',
      localAuthorizationList: [{ idToken: { idToken: 'SYNC-C1' }, idTokenInfo: { status: 'Blocked' } }],
    });

    await setToken('SYNC-C2', { groupId: 'SYNC-OTHER' });
    expect(await update(4)).toEqual({ versionNumber: baseVersion + 4, updateType: 'Differential', localAuthorizationList: [{ idToken: { idToken: 'SYNC-C2', type: 'ISO14443' } }] });

    expect((await anode.admin.DELETE('/token/{tokenUid}', { params: { path: { tokenUid: 'SYNC-C1' } } })).response.status).toBe(204);
    expect(await update(5)).toEqual({ versionNumber: baseVersion + 5, updateType: 'Differential', localAuthorizationList: [{ idToken: { idToken: 'SYNC-C1', type: 'ISO14443' } }] });

    expect(entryTokens(keeper)).toEqual([]);
    const list = await localList('SYNC-CHG');
    expect(list.version).toBe(baseVersion + 5);
    expect(list.entries).toEqual([]);
  });

  it('a VersionMismatch to a Differential update is followed by a Full update', async () => {
    const keeper = await listKeeper('SYNC-MIS', 'ocpp2.0.1');
    await setToken('SYNC-M1', { groupId: 'SYNC-M' });
    await sync('SYNC-MIS', ['SYNC-M']);
    // a first token change has the station's version checked (it matches): from then on what changed is sent
    await setToken('SYNC-M1', { groupId: 'SYNC-M' });
    await eventually(async () => expect(keeper.station.received.some((call) => call.action === 'GetLocalListVersion')).toBe(true), 4000);
    const base = keeper.sent().length;
    const { version } = await localList('SYNC-MIS');
    keeper.version = 90;
    await setToken('SYNC-M2', { groupId: 'SYNC-M' });
    await eventually(async () => expect(keeper.sent().slice(base).map((update) => update.updateType)).toEqual(['Differential', 'Full']), 4000);
    expect(keeper.sent()[base]).toMatchObject({ versionNumber: version + 1, updateType: 'Differential' });
    expect(keeper.sent()[base + 1]).toMatchObject({ versionNumber: version + 1, updateType: 'Full' });
    expect(entryTokens(keeper)).toEqual(['SYNC-M1', 'SYNC-M2']);
    const list = await localList('SYNC-MIS');
    expect(list.version).toBe(version + 1);
    expect(list.entries.map((entry) => entry.idToken)).toEqual(['SYNC-M1', 'SYNC-M2']);
  });

  it('groups: null stops the sync: the list stays, token changes no longer reach the station, hand updates are allowed again', async () => {
    const keeper = await listKeeper('SYNC-STOP', 'ocpp2.0.1');
    await setToken('SYNC-S1', { groupId: 'SYNC-S' });
    await sync('SYNC-STOP', ['SYNC-S']);
    const { data } = await sync('SYNC-STOP', null);
    expect(data).toMatchObject({ syncGroups: null, update: null, localList: { version: 1 } });
    await setToken('SYNC-S2', { groupId: 'SYNC-S' });
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(keeper.sent()).toHaveLength(1);
    expect((await send('SYNC-STOP', { updateType: 'Differential', entries: [{ idToken: 'SYNC-S1' }] })).data).toMatchObject({ stored: true, listVersion: 2 });
  });
});

describe('local lists that follow token groups: the periodic sync pass', () => {
  let passes: TestAnode;
  beforeAll(async () => {
    passes = await startIsolatedAnode({ LOCAL_LIST_SYNC_SECONDS: '1' });
  });
  afterAll(() => passes?.stop());

  it('an OCPP 1.6 station that was offline gets a Full update on the first sync pass after it connects', async () => {
    await setToken('SYNC-O1', { groupId: 'SYNC-O' }, passes);
    await setToken('SYNC-O-TOKEN-LONGER-THAN-20', { groupId: 'SYNC-O' }, passes);
    const password = await registerStation(passes, 'SYNC-OFF16');
    const { data } = await passes.admin.PUT('/cs/{csId}/local-list/sync', { params: { path: { csId: 'SYNC-OFF16' } }, body: { groups: ['SYNC-O'] } });
    expect(data).toMatchObject({ syncGroups: ['SYNC-O'], update: null });
    let version = 0;
    const station = await connectStation(passes, {
      id: 'SYNC-OFF16',
      password,
      handlers: {
        GetLocalListVersion: () => ({ listVersion: version }),
        SendLocalList: (params) => {
          version = params.listVersion as number;
          return { status: 'Accepted' };
        },
      },
    });
    open.push(station);
    await station.call('BootNotification', { chargePointVendor: 'Anode', chargePointModel: 'Test' });
    const listCalls = () => station.received.filter((call) => ['GetLocalListVersion', 'SendLocalList'].includes(call.action));
    await eventually(async () => expect(listCalls().map((call) => call.action)).toEqual(['GetLocalListVersion', 'SendLocalList']), 4000);
    // the token an OCPP 1.6 idTag cannot carry is left out of the list
    expect(listCalls()[1].params).toEqual({
      listVersion: 1,
      updateType: 'Full',
      localAuthorizationList: [{ idTag: 'SYNC-O1', idTagInfo: { status: 'Accepted', parentIdTag: 'SYNC-O' } }],
    });
    await eventually(async () => expect((await passes.admin.GET('/cs/{csId}/local-list', { params: { path: { csId: 'SYNC-OFF16' } } })).data?.version).toBe(1));
  });
});
