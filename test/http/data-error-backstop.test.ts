import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { createAdminApp } from '../../src/admin/app.js';
import type { Bus } from '../../src/cluster/bus.js';
import type { Domain } from '../../src/domain/index.js';
import type { StationLink } from '../../src/domain/station-calls.js';
import { createOcpiApp } from '../../src/ocpi/app.js';
import type { OcpiContext } from '../../src/ocpi/context.js';

/** A logger whose lines land in `lines` (pino levels: 40 warn, 50 error). */
function capturingLogger() {
  const lines: Array<{ level: number; msg: string }> = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(JSON.parse(String(chunk)) as { level: number; msg: string });
      done();
    },
  });
  return { logger: pino({ level: 'info' }, stream), lines };
}

/** What the ORM throws when PostgreSQL refuses a value: the driver's error, with its SQLSTATE, as the cause. */
function databaseRefusal(sqlState: string, message: string): Error {
  return new Error('Failed query: select … params: …', { cause: Object.assign(new Error(message), { code: sqlState }) });
}

function adminApp(domain: Domain, logger: ReturnType<typeof capturingLogger>['logger']) {
  return createAdminApp({
    domain,
    stationLink: {} as StationLink,
    sayFarewell: async () => {},
    logger,
    adminApiToken: undefined,
    publicBaseUrl: 'http://anode.test',
    validateResponses: true,
  });
}

function adminAppFailingWith(error: Error) {
  const { logger, lines } = capturingLogger();
  const domain = { tokens: { get: async () => { throw error; } } } as unknown as Domain;
  const app = adminApp(domain, logger);
  const get = () => app.request('/token/T1', {}, { incoming: { socket: { remoteAddress: '127.0.0.1', remoteFamily: 'IPv4' } } });
  return { get, lines };
}

function ocpiAppFailingWith(error: Error) {
  const { logger, lines } = capturingLogger();
  const ctx = {
    domain: { parties: { byToken: async () => { throw error; } }, authorizer: {} },
    bus: { subscribe: () => () => {} } as unknown as Bus,
    stationLink: {} as StationLink,
    commandTimeoutSeconds: 30,
    remoteStartWindowSeconds: 210,
    logger,
    publicBaseUrl: 'http://anode.test',
    cpo: { countryCode: 'NL', partyId: 'ANO', name: 'Anode' },
    maxPageSize: 100,
    partnerTimeoutMs: 1000,
  } as unknown as OcpiContext;
  const app = createOcpiApp(ctx, { openData: false, validateResponses: true });
  const get = () => app.request('/versions', { headers: { Authorization: `Token ${Buffer.from('some-token').toString('base64')}` } });
  return { get, lines };
}

describe('backstop: a value the database refuses for what it is (SQLSTATE class 22) is a 400 and a warning, not a 500', () => {
  it.each([
    ['22021 (NUL in text)', '22021', 'invalid byte sequence for encoding "UTF8": 0x00'],
    ['22003 (integer out of range)', '22003', 'value "10000000000" is out of range for type integer'],
    ['22008 (date out of range)', '22008', 'date/time field value out of range'],
    ['22P05 (unsupported escape in jsonb)', '22P05', 'unsupported Unicode escape sequence'],
  ])('admin API: %s', async (_what, sqlState, message) => {
    const { get, lines } = adminAppFailingWith(databaseRefusal(sqlState, message));
    const response = await get();
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ status: 'Bad Request', error: `the request holds a value the database cannot store (${message})` });
    expect(lines.map((line) => line.level)).toEqual([40]);
  });

  it('OCPI: 22021 is OCPI status 2001 in an HTTP 200 (the request reached OCPI), logged as a warning', async () => {
    const { get, lines } = ocpiAppFailingWith(databaseRefusal('22021', 'invalid byte sequence for encoding "UTF8": 0x00'));
    const response = await get();
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ status_code: 2001 });
    expect(lines.map((line) => line.level)).toEqual([40]);
  });
});

describe('a genuine server error is still a 500 and an error line (level 50)', () => {
  it.each([
    ['a bug', new TypeError("Cannot read properties of undefined (reading 'uid')")],
    ['a constraint violation (23505), which is not a data exception', databaseRefusal('23505', 'duplicate key value')],
  ])('admin API: %s', async (_what, error) => {
    const { get, lines } = adminAppFailingWith(error);
    const response = await get();
    expect(response.status).toBe(500);
    expect(await response.json()).toEqual({ status: 'Internal Server Error', error: 'unexpected error; see the server log' });
    expect(lines.map((line) => line.level)).toEqual([50]);
  });

  it('OCPI: a bug is a 500 with status 3000 and an error line', async () => {
    const { get, lines } = ocpiAppFailingWith(new TypeError('boom'));
    const response = await get();
    expect(response.status).toBe(500);
    expect(await response.json()).toMatchObject({ status_code: 3000 });
    expect(lines.map((line) => line.level)).toEqual([50]);
  });
});

describe('the database being unavailable is a 503 to try again later, and a warning', () => {
  it('admin API: a lost connection (08006) is a 503 with Retry-After', async () => {
    const { get, lines } = adminAppFailingWith(databaseRefusal('08006', 'connection failure'));
    const response = await get();
    expect(response.status).toBe(503);
    expect(response.headers.get('Retry-After')).toBe('5');
    expect(await response.json()).toEqual({ status: 'Service Unavailable', error: 'database unavailable, try again' });
    expect(lines.map((line) => line.level)).toEqual([40]);
  });

  it('OCPI: a lost connection (08006) is a 503 with status 3000 and Retry-After', async () => {
    const { get, lines } = ocpiAppFailingWith(databaseRefusal('08006', 'connection failure'));
    const response = await get();
    expect(response.status).toBe(503);
    expect(response.headers.get('Retry-After')).toBe('5');
    expect(await response.json()).toMatchObject({ status_code: 3000, status_message: 'database unavailable, try again' });
    expect(lines.map((line) => line.level)).toEqual([40]);
  });
});

describe('a client that goes away before its body arrived is no server error', () => {
  it('the body read fails: a 400 nobody hears, and no error line', async () => {
    const { logger, lines } = capturingLogger();
    const app = adminApp({} as Domain, logger);
    const body = new ReadableStream({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('{"uid": '));
        controller.error(Object.assign(new Error('aborted'), { code: 'ECONNRESET' }));
      },
    });
    const request = new Request('http://anode.test/token', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body, duplex: 'half' } as RequestInit);
    const response = await app.request(request, undefined, { incoming: { socket: { remoteAddress: '127.0.0.1', remoteFamily: 'IPv4' } } });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ status: 'Bad Request', error: 'the request body could not be read: aborted' });
    expect(lines.filter((line) => line.level >= 50)).toEqual([]);
  });
});
