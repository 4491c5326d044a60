/**
 * Get15118EVCertificate (OCPP 2.0.1 M01/M02): the car's EXI request goes to the contract-certificate provider and the
 * provider's EXI answer comes back to the station as it is. The provider here is an HTTP server the test serves on
 * 127.0.0.1: it stands for an external contract-certificate pool (an OPCP-style API).
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startIsolatedAnode, type TestAnode } from '../support/anode.js';
import { bootedStation, type SimulatedStation } from '../support/stations.js';

const TOKEN = 'pool-token-1234';
const SCHEMA = 'urn:iso:15118:2:2013:MsgDef';
/** what the provider answers, per station: the station's id picks the provider's behaviour */
const EXI_RESPONSE = randomBytes(900).toString('base64');
const REFUSAL_EXI = randomBytes(30).toString('base64');
const behaviours: Record<string, (response: ServerResponse) => void> = {
  'CC-OK': (response) => json(response, 200, { status: 'Accepted', exiResponse: EXI_RESPONSE }),
  'CC-REFUSED': (response) => json(response, 200, { status: 'Failed', exiResponse: REFUSAL_EXI, reason: 'no contract for this EMAID' }),
  'CC-500': (response) => response.writeHead(500, { 'Content-Type': 'text/plain' }).end('pool database unavailable'),
  'CC-GARBLED': (response) => response.writeHead(200, { 'Content-Type': 'application/json' }).end('<html>maintenance</html>'),
  'CC-SLOW': () => {},
};

const received: Array<{ headers: IncomingHttpHeaders; body: Record<string, unknown> }> = [];
let provider: Server;
let withProvider: TestAnode;
let withoutProvider: TestAnode;
const stations: SimulatedStation[] = [];

function json(response: ServerResponse, status: number, body: object): void {
  response.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
}

function startProvider(): Promise<Server> {
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
      received.push({ headers: request.headers, body });
      (behaviours[String(body.stationId)] ?? ((answer: ServerResponse) => answer.writeHead(404).end()))(response);
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

beforeAll(async () => {
  provider = await startProvider();
  const url = `http://127.0.0.1:${(provider.address() as AddressInfo).port}/v1/contract-certificates`;
  [withProvider, withoutProvider] = await Promise.all([
    startIsolatedAnode({ PKI_CONTRACT_PROVIDER_URL: url, PKI_CONTRACT_PROVIDER_TOKEN: TOKEN, PKI_CONTRACT_PROVIDER_TIMEOUT_MS: '500' }),
    startIsolatedAnode(),
  ]);
});
afterAll(async () => {
  await Promise.all(stations.map((station) => station.close()));
  await Promise.all([withProvider?.stop(), withoutProvider?.stop()]);
  provider.closeAllConnections();
  await new Promise((resolve) => provider.close(resolve));
});

async function ask(anode: TestAnode, csId: string, exiRequest = randomBytes(60).toString('base64')) {
  const station = await bootedStation(anode, csId, { version: 'ocpp2.0.1' });
  stations.push(station);
  const answer = await station.call('Get15118EVCertificate', { iso15118SchemaVersion: SCHEMA, action: 'Install', exiRequest });
  return { answer, exiRequest };
}

const keptRequests = async (anode: TestAnode, csId: string) =>
  (await anode.admin.GET('/cs/{csId}/events', { params: { path: { csId }, query: { action: 'EvCertificateRequest' } } })).data!.map((event) => event.payload);

describe('no contract-certificate provider is configured', () => {
  it('answers Failed with a statusInfo that says so, and keeps the request', async () => {
    const { answer, exiRequest } = await ask(withoutProvider, 'CC-NONE');
    expect(answer).toEqual({ status: 'Failed', exiResponse: '', statusInfo: { reasonCode: 'NoProvider', additionalInfo: expect.stringContaining('PKI_CONTRACT_PROVIDER_URL') } });
    expect(await keptRequests(withoutProvider, 'CC-NONE')).toMatchObject([{ action: 'Install', exiRequest, iso15118SchemaVersion: SCHEMA, answer: { status: 'Failed' } }]);
  });
});

describe('the provider is asked and its answer goes back as it is', () => {
  it('the provider receives the EXI request, the token and the station id; its exiResponse reaches the station unchanged', async () => {
    const { answer, exiRequest } = await ask(withProvider, 'CC-OK');
    expect(answer).toEqual({ status: 'Accepted', exiResponse: EXI_RESPONSE });
    const call = received.find(({ body }) => body.stationId === 'CC-OK')!;
    expect(call.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(call.headers['content-type']).toBe('application/json');
    expect(call.body).toEqual({ exiRequest, iso15118SchemaVersion: SCHEMA, action: 'Install', stationId: 'CC-OK' });
    expect(await keptRequests(withProvider, 'CC-OK')).toMatchObject([{ exiRequest, answer: { status: 'Accepted', exiResponse: EXI_RESPONSE } }]);
  });

  it('a provider that answers Failed: its exiResponse and reason reach the station', async () => {
    const { answer } = await ask(withProvider, 'CC-REFUSED');
    expect(answer).toEqual({ status: 'Failed', exiResponse: REFUSAL_EXI, statusInfo: { reasonCode: 'ProviderFailed', additionalInfo: expect.stringContaining('no contract for this EMAID') } });
  });
});

describe('the provider fails: the station gets Failed with a statusInfo, and the operator sees why', () => {
  it.each([
    ['answers 500', 'CC-500', /answered 500: pool database unavailable/],
    ['answers something other than JSON', 'CC-GARBLED', /answer is not JSON: <html>maintenance<\/html>/],
    ['does not answer in time', 'CC-SLOW', /did not answer within 500 ms/],
  ])('the provider %s', async (_case, csId, reason) => {
    const { answer } = await ask(withProvider, csId);
    expect(answer).toEqual({ status: 'Failed', exiResponse: '', statusInfo: { reasonCode: 'ProviderFailed', additionalInfo: expect.stringMatching(reason) } });
    expect(await keptRequests(withProvider, csId)).toMatchObject([{ answer: { status: 'Failed', reason: expect.stringMatching(reason) } }]);
  });
});
