import { afterAll, describe, expect, it } from 'vitest';
import { createTestDatabase, onPostgres, startTestAnode, type TestDatabase } from '../support/anode.js';

describe(`data survives a restart (${onPostgres ? 'PostgreSQL' : 'PGlite in a data directory'})`, () => {
  let database: TestDatabase;
  afterAll(() => database?.drop());

  it('a second server on the same data sees everything the first stored', async () => {
    database = await createTestDatabase({ persistent: true });
    const first = await startTestAnode(database);
    await first.admin.POST('/cs/{csId}', { params: { path: { csId: 'KEEP-1' } }, body: { securityProfile: 2 } });
    await first.admin.POST('/cs/{csId}/trigger', { params: { path: { csId: 'KEEP-1' } }, body: { trigger: 'BootNotification' } });
    await first.admin.POST('/token', {
      body: { countryCode: 'NL', partyId: 'EMS', type: 'RFID', uid: 'KEEP-T', contractId: 'C1', issuer: 'I', valid: true, cacheMode: 'ALWAYS' },
    });
    await first.admin.POST('/location/{locationId}', {
      params: { path: { locationId: 'KEEP-L' } },
      body: { address: 'A', city: 'B', country: 'NLD', coordinates: { latitude: '52.00000', longitude: '4.00000' }, evses: [] },
    });
    await first.stop();

    const second = await startTestAnode(database);
    try {
      expect((await second.admin.GET('/cs/{csId}', { params: { path: { csId: 'KEEP-1' } } })).data?.pendingRequests).toBe(1);
      expect((await second.admin.GET('/token/{tokenUid}', { params: { path: { tokenUid: 'KEEP-T' } } })).data?.contractId).toBe('C1');
      expect((await second.admin.GET('/location/{locationId}', { params: { path: { locationId: 'KEEP-L' } } })).response.status).toBe(200);
    } finally {
      await second.stop();
    }
  });
});
