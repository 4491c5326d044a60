import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startIsolatedAnode, type TestAnode } from '../support/anode.js';

const passwordHash = (password: string) => createHash('sha256').update(password).digest('base64');

let anode: TestAnode;
beforeAll(async () => {
  anode = await startIsolatedAnode();
});
afterAll(() => anode?.stop());

describe('registerChargeStation: POST /cs/{csId}', () => {
  it('stores the auth and marks the station pending', async () => {
    const { response } = await anode.admin.POST('/cs/{csId}', {
      params: { path: { csId: 'REG-1' } },
      body: { securityProfile: 0, base64SHA256Password: passwordHash('s3cret'), invalidUsernameAllowed: true },
    });
    expect(response.status).toBe(201);
    const { data } = await anode.admin.GET('/cs/{csId}', { params: { path: { csId: 'REG-1' } } });
    expect(data).toMatchObject({
      id: 'REG-1',
      securityProfile: 0,
      invalidUsernameAllowed: true,
      hasPassword: true,
      registrationStatus: 'Pending',
      connection: { connected: false, ocppVersion: null },
      pendingRequests: 0,
    });
  });

  it('re-registering updates the auth of a known station', async () => {
    await anode.admin.POST('/cs/{csId}', {
      params: { path: { csId: 'REG-2' } },
      body: { securityProfile: 1, base64SHA256Password: passwordHash('first') },
    });
    const { response } = await anode.admin.POST('/cs/{csId}', {
      params: { path: { csId: 'REG-2' } },
      body: { securityProfile: 2 },
    });
    expect(response.status).toBe(201);
    const { data } = await anode.admin.GET('/cs/{csId}/auth', { params: { path: { csId: 'REG-2' } } });
    expect(data).toEqual({ securityProfile: 2, invalidUsernameAllowed: false });
  });

  it('profiles 0 and 1 (basic auth) require a password hash', async () => {
    const { response, error } = await anode.admin.POST('/cs/{csId}', {
      params: { path: { csId: 'REG-3' } },
      body: { securityProfile: 1 },
    });
    expect(response.status).toBe(400);
    expect(error?.error).toContain('body.base64SHA256Password is required');
  });

  it('rejects a security profile outside 0..2, naming the field', async () => {
    const { response, error } = await anode.admin.POST('/cs/{csId}', {
      params: { path: { csId: 'REG-4' } },
      body: { securityProfile: 3 as 0 },
    });
    expect(response.status).toBe(400);
    expect(error).toEqual({ status: 'Bad Request', error: 'body.securityProfile must be one of: 0, 1, 2' });
  });

  it('rejects a password hash that is not base64 SHA-256', async () => {
    const { response, error } = await anode.admin.POST('/cs/{csId}', {
      params: { path: { csId: 'REG-5' } },
      body: { securityProfile: 0, base64SHA256Password: 'plain-text-password' },
    });
    expect(response.status).toBe(400);
    expect(error?.error).toContain('body.base64SHA256Password must match pattern');
  });

  it('rejects unknown fields', async () => {
    const { response, error } = await anode.admin.POST('/cs/{csId}', {
      params: { path: { csId: 'REG-6' } },
      body: { securityProfile: 2, password: 'x' } as never,
    });
    expect(response.status).toBe(400);
    expect(error?.error).toBe('body.password is not a known field');
  });

  it('rejects a station id OCPP cannot carry', async () => {
    const { response, error } = await anode.admin.POST('/cs/{csId}', {
      params: { path: { csId: 'has space' } },
      body: { securityProfile: 2 },
    });
    expect(response.status).toBe(400);
    expect(error?.error).toContain('path.csId must match pattern');
  });
});

describe('lookupChargeStationAuth: GET /cs/{csId}/auth', () => {
  it('returns what was registered', async () => {
    const hash = passwordHash('look-me-up');
    await anode.admin.POST('/cs/{csId}', {
      params: { path: { csId: 'AUTH-1' } },
      body: { securityProfile: 1, base64SHA256Password: hash, invalidUsernameAllowed: false },
    });
    const { data, response } = await anode.admin.GET('/cs/{csId}/auth', { params: { path: { csId: 'AUTH-1' } } });
    expect(response.status).toBe(200);
    expect(data).toEqual({ securityProfile: 1, base64SHA256Password: hash, invalidUsernameAllowed: false });
  });

  it('is 404 with a Status body for an unknown station', async () => {
    const { response, error } = await anode.admin.GET('/cs/{csId}/auth', { params: { path: { csId: 'NOPE' } } });
    expect(response.status).toBe(404);
    expect(error).toEqual({ status: 'Not Found', error: 'charge station NOPE is not registered' });
  });
});

describe('listChargeStations: GET /cs', () => {
  it('pages through stations in id order with X-Total-Count, X-Limit and a next link', async () => {
    for (const id of ['LIST-A', 'LIST-B', 'LIST-C']) {
      await anode.admin.POST('/cs/{csId}', { params: { path: { csId: id } }, body: { securityProfile: 2 } });
    }
    const first = await anode.admin.GET('/cs', { params: { query: { limit: 2 } } });
    expect(first.response.status).toBe(200);
    const total = Number(first.response.headers.get('X-Total-Count'));
    expect(total).toBeGreaterThanOrEqual(3);
    expect(first.response.headers.get('X-Limit')).toBe('2');
    expect(first.data).toHaveLength(2);
    const link = first.response.headers.get('Link');
    expect(link).toBe(`<${anode.url}/api/v0/cs?limit=2&offset=2>; rel="next"`);

    const ids: string[] = [];
    for (let offset = 0; offset < total; offset += 2) {
      const page = await anode.admin.GET('/cs', { params: { query: { offset, limit: 2 } } });
      ids.push(...page.data!.map((station) => station.id));
    }
    expect(ids).toEqual([...ids].sort());
    expect(new Set(ids).size).toBe(total);
    expect(ids).toEqual(expect.arrayContaining(['LIST-A', 'LIST-B', 'LIST-C']));
  });

  it('has no next link on the last page and defaults to 20 per page', async () => {
    const { response, data } = await anode.admin.GET('/cs', {});
    expect(response.headers.get('X-Limit')).toBe('20');
    expect(data!.length).toBe(Number(response.headers.get('X-Total-Count')));
    expect(response.headers.get('Link')).toBeNull();
  });

  it('rejects a limit above 100 and a negative offset', async () => {
    const tooMany = await anode.admin.GET('/cs', { params: { query: { limit: 101 } } });
    expect(tooMany.response.status).toBe(400);
    expect(tooMany.error?.error).toBe('query.limit must be <= 100');
    const negative = await anode.admin.GET('/cs', { params: { query: { offset: -1 } } });
    expect(negative.response.status).toBe(400);
    expect(negative.error?.error).toBe('query.offset must be >= 0');
  });

  it('rejects a limit that is not a number', async () => {
    const response = await fetch(`${anode.url}/api/v0/cs?limit=ten`);
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ status: 'Bad Request', error: 'query.limit must be integer' });
  });
});

describe('pending work: reconfigure, certificates and triggers are stored for the OCPP gateway', () => {
  const station = 'WORK-1';
  beforeAll(async () => {
    await anode.admin.POST('/cs/{csId}', { params: { path: { csId: station } }, body: { securityProfile: 2 } });
  });

  it('reconfigureChargeStation stores the settings as a pending request', async () => {
    const { data, response } = await anode.admin.POST('/cs/{csId}/reconfigure', {
      params: { path: { csId: station }, query: { reboot: true } },
      body: { HeartbeatInterval: '300', 'OCPPCommCtrlr/HeartbeatInterval': '300' },
    });
    expect(response.status).toBe(200);
    expect(data).toMatchObject({
      chargeStationId: station,
      kind: 'reconfigure',
      status: 'Pending',
      payload: { settings: { HeartbeatInterval: '300', 'OCPPCommCtrlr/HeartbeatInterval': '300' }, reboot: true },
      outcome: null,
    });
  });

  it('installChargeStationCertificates stores each certificate with status Pending by default', async () => {
    const { data } = await anode.admin.POST('/cs/{csId}/certificates', {
      params: { path: { csId: station } },
      body: {
        certificates: [
          { type: 'V2G', certificate: '-----BEGIN CERTIFICATE-----\\nMIIB\\n-----END CERTIFICATE-----' },
          { type: 'CSMS', certificate: 'pem-2', status: 'Accepted' },
        ],
      },
    });
    expect(data?.kind).toBe('certificates');
    expect(data?.payload).toEqual({
      certificates: [
        { type: 'V2G', certificate: '-----BEGIN CERTIFICATE-----\\nMIIB\\n-----END CERTIFICATE-----', status: 'Pending' },
        { type: 'CSMS', certificate: 'pem-2', status: 'Accepted' },
      ],
    });
  });

  it('triggerChargeStation stores the trigger', async () => {
    const { data } = await anode.admin.POST('/cs/{csId}/trigger', {
      params: { path: { csId: station } },
      body: { trigger: 'SignChargingStationCertificate' },
    });
    expect(data).toMatchObject({ kind: 'trigger', status: 'Pending', payload: { trigger: 'SignChargingStationCertificate' } });
  });

  it('an operator reads the requests newest first, one by one, and counts them on the station', async () => {
    const { data, response } = await anode.admin.GET('/cs/{csId}/requests', { params: { path: { csId: station } } });
    expect(response.headers.get('X-Total-Count')).toBe('3');
    expect(data!.map((request) => request.kind)).toEqual(['trigger', 'certificates', 'reconfigure']);
    const one = await anode.admin.GET('/cs/{csId}/requests/{requestId}', {
      params: { path: { csId: station, requestId: data![2].id } },
    });
    expect(one.data).toEqual(data![2]);
    const pending = await anode.admin.GET('/cs/{csId}/requests', {
      params: { path: { csId: station }, query: { status: 'Pending' } },
    });
    expect(pending.data).toHaveLength(3);
    const { data: view } = await anode.admin.GET('/cs/{csId}', { params: { path: { csId: station } } });
    expect(view?.pendingRequests).toBe(3);
  });

  it('work for an unknown station is a 404 and stores nothing', async () => {
    const { response, error } = await anode.admin.POST('/cs/{csId}/trigger', {
      params: { path: { csId: 'GHOST' } },
      body: { trigger: 'BootNotification' },
    });
    expect(response.status).toBe(404);
    expect(error?.status).toBe('Not Found');
    const requests = await anode.admin.GET('/cs/{csId}/requests', { params: { path: { csId: 'GHOST' } } });
    expect(requests.response.status).toBe(404);
  });

  it('a request of another station is not found', async () => {
    await anode.admin.POST('/cs/{csId}', { params: { path: { csId: 'WORK-2' } }, body: { securityProfile: 2 } });
    const { data } = await anode.admin.GET('/cs/{csId}/requests', { params: { path: { csId: station } } });
    const { response } = await anode.admin.GET('/cs/{csId}/requests/{requestId}', {
      params: { path: { csId: 'WORK-2', requestId: data![0].id } },
    });
    expect(response.status).toBe(404);
  });

  it('rejects an unknown trigger, an empty settings object and an unknown certificate type', async () => {
    const trigger = await anode.admin.POST('/cs/{csId}/trigger', {
      params: { path: { csId: station } },
      body: { trigger: 'Reboot' as 'BootNotification' },
    });
    expect(trigger.response.status).toBe(400);
    expect(trigger.error?.error).toMatch(/^body\.trigger must be one of: BootNotification, StatusNotification/);
    const settings = await anode.admin.POST('/cs/{csId}/reconfigure', { params: { path: { csId: station } }, body: {} });
    expect(settings.response.status).toBe(400);
    expect(settings.error?.error).toBe('body must NOT have fewer than 1 properties');
    const certificate = await anode.admin.POST('/cs/{csId}/certificates', {
      params: { path: { csId: station } },
      body: { certificates: [{ type: 'TLS' as 'V2G', certificate: 'x' }] },
    });
    expect(certificate.response.status).toBe(400);
    expect(certificate.error?.error).toBe('body.certificates[0].type must be one of: V2G, MO, MF, CSMS');
  });

  it('rejects a setting value longer than 1000 characters', async () => {
    const { response, error } = await anode.admin.POST('/cs/{csId}/reconfigure', {
      params: { path: { csId: station } },
      body: { SomeKey: 'x'.repeat(1001) },
    });
    expect(response.status).toBe(400);
    expect(error?.error).toBe('body.SomeKey must NOT have more than 1000 characters');
  });
});
