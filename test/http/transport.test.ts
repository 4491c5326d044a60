import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { servedDocuments } from '../../generated/documents.js';
import { startIsolatedAnode, type TestAnode } from '../support/anode.js';

let anode: TestAnode;
beforeAll(async () => {
  anode = await startIsolatedAnode();
});
afterAll(() => anode?.stop());

const post = (path: string, body: string, contentType = 'application/json') =>
  fetch(`${anode.url}/api/v0${path}`, { method: 'POST', body, headers: { 'Content-Type': contentType } });

describe('bad requests get a Status body with a 4xx, never a crash', () => {
  it('invalid JSON is a 400 that says so', async () => {
    const response = await post('/token', '{"uid": ');
    expect(response.status).toBe(400);
    const body = (await response.json()) as { status: string; error: string };
    expect(body.status).toBe('Bad Request');
    expect(body.error).toMatch(/^body is not valid JSON: /);
  });

  it('an empty body is a 400', async () => {
    const response = await post('/token', '');
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ status: 'Bad Request', error: 'body is required' });
  });

  it('a JSON array where an object is expected is a 400', async () => {
    const response = await post('/token', '[]');
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ status: 'Bad Request', error: 'body must be object' });
  });

  it('a body that is not declared JSON is a 415', async () => {
    const response = await post('/token', 'uid=1', 'application/x-www-form-urlencoded');
    expect(response.status).toBe(415);
    expect(await response.json()).toEqual({
      status: 'Unsupported Media Type',
      error: 'the request body must be JSON (Content-Type: application/json)',
    });
  });

  it('a body over 1 MiB is a 413', async () => {
    const response = await post('/location/BIG', JSON.stringify({ name: 'x'.repeat(1024 * 1024 + 1) }));
    expect(response.status).toBe(413);
    expect(((await response.json()) as { status: string }).status).toBe('Payload Too Large');
  });

  it('an unknown path or method under the admin API is a 404 Status', async () => {
    const unknownPath = await fetch(`${anode.url}/api/v0/stations`);
    expect(unknownPath.status).toBe(404);
    expect(await unknownPath.json()).toEqual({ status: 'Not Found', error: 'no operation GET /api/v0/stations' });
    const unknownMethod = await fetch(`${anode.url}/api/v0/token`, { method: 'PUT' });
    expect(unknownMethod.status).toBe(404);
  });

  it('the server still answers after all of that', async () => {
    expect((await fetch(`${anode.url}/health`)).status).toBe(200);
  });
});

describe('GET /health reports readiness and the database', () => {
  it('is 200 with the database kind and a latency', async () => {
    const response = await fetch(`${anode.url}/health`);
    expect(response.status).toBe(200);
    const body = (await response.json()) as { status: string; database: { kind: string; ok: boolean; latencyMs: number } };
    expect(body.status).toBe('ok');
    expect(body.database.kind).toBe(process.env.TEST_DATABASE_URL ? 'postgres' : 'pglite');
    expect(body.database.ok).toBe(true);
    expect(body.database.latencyMs).toBeGreaterThanOrEqual(0);
  });
});

describe('Swagger UI at /docs serves every document from local assets', () => {
  it('the page loads its scripts and styles from /docs/assets, not a CDN', async () => {
    const response = await fetch(`${anode.url}/docs/`);
    expect(response.status).toBe(200);
    const html = await response.text();
    const sources = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((match) => match[1]);
    expect(sources.length).toBeGreaterThan(0);
    for (const source of sources) {
      expect(source.startsWith('/docs/')).toBe(true);
      const asset = await fetch(`${anode.url}${source}`);
      expect(asset.status, source).toBe(200);
      expect((await asset.arrayBuffer()).byteLength, source).toBeGreaterThan(0);
    }
  });

  it('the UI is configured with every served document', async () => {
    const init = await (await fetch(`${anode.url}/docs/init.js`)).text();
    for (const document of servedDocuments) expect(init).toContain(`/openapi/${document.name}.json`);
    expect(servedDocuments.map((document) => document.name)).toEqual(
      expect.arrayContaining(['admin', 'system', 'ocpi-2.2.1-cpo', 'ocpi-2.2.1-emsp']),
    );
  });

  it.each(servedDocuments.map((document) => document.name))('serves %s as JSON and YAML', async (name) => {
    const json = await fetch(`${anode.url}/openapi/${name}.json`);
    expect(json.status).toBe(200);
    const document = (await json.json()) as { openapi: string; paths: object };
    expect(document.openapi).toBe('3.1.0');
    const yaml = await fetch(`${anode.url}/openapi/${name}.yaml`);
    expect(yaml.status).toBe(200);
    expect(yaml.headers.get('Content-Type')).toContain('yaml');
    expect(await yaml.text()).toContain('openapi: 3.1.0');
  });

  it('the admin document lists every MaEVe operation and the additions', async () => {
    const document = (await (await fetch(`${anode.url}/openapi/admin.json`)).json()) as {
      paths: Record<string, Record<string, { operationId: string }>>;
    };
    const operations = Object.values(document.paths).flatMap((item) =>
      Object.values(item).flatMap((operation) => (operation?.operationId ? [operation.operationId] : [])),
    );
    expect(operations.sort()).toEqual(
      [
        'registerChargeStation', 'reconfigureChargeStation', 'installChargeStationCertificates', 'lookupChargeStationAuth',
        'triggerChargeStation', 'setToken', 'listTokens', 'lookupToken', 'uploadCertificate', 'lookupCertificate',
        'deleteCertificate', 'registerParty', 'registerLocation', 'deleteToken', 'listChargeStations', 'lookupChargeStation',
        'listLocations', 'lookupLocation', 'listChargeStationRequests', 'lookupChargeStationRequest',
        'callChargeStation', 'listChargeStationCalls', 'listChargeStationConnectors', 'listChargeStationEvents',
        'listChargeStationTransactions', 'lookupTransaction',
        'listOcpiParties', 'lookupOcpiParty', 'unregisterOcpiParty', 'listTariffs', 'lookupTariff', 'putTariff', 'deleteTariff',
        'listHubClientInfo', 'listOcpiOutbox', 'retryOcpiOutboxEntry', 'dropOcpiOutboxEntry',
        'listReservations',
        // station management (#19): jobs, device model, firmware and logs, display, monitoring, control, lists
        'listChargeStationJobs', 'lookupChargeStationJob', 'downloadChargeStationJobFile',
        'listChargeStationVariables', 'getChargeStationVariables', 'setChargeStationVariables',
        'requestChargeStationBaseReport', 'requestChargeStationReport', 'listChargeStationDeviceEvents',
        'listChargeStationChargingNotices', 'requestChargeStationChargingProfiles',
        'updateChargeStationFirmware', 'publishChargeStationFirmware', 'unpublishChargeStationFirmware',
        'retrieveChargeStationLog', 'retrieveChargeStationDiagnostics',
        'listChargeStationDisplayMessages', 'setChargeStationDisplayMessage', 'requestChargeStationDisplayMessages',
        'clearChargeStationDisplayMessage', 'requestChargeStationCustomerInformation',
        'listChargeStationMonitors', 'setChargeStationMonitors', 'clearChargeStationMonitors',
        'requestChargeStationMonitoringReport', 'setChargeStationMonitoringBase', 'setChargeStationMonitoringLevel',
        'listChargeStationAvailability', 'changeChargeStationAvailability', 'clearChargeStationCache', 'resetChargeStation',
        'unlockChargeStationConnector', 'triggerChargeStationMessage',
        'startChargeStationTransaction', 'stopChargeStationTransaction', 'closeTransaction',
        'lookupChargeStationLocalList', 'sendChargeStationLocalList', 'checkChargeStationLocalListVersion',
        'syncChargeStationLocalList', 'reserveChargeStation', 'cancelChargeStationReservation',
        // certificates and Plug & Charge (#20): the CA, signings, inventory, OCSP checks, certificate operations
        'getCertificateAuthorityRoots', 'listCertificateSignings', 'listStationCertificates', 'listCertificateStatusChecks',
        'queryInstalledCertificates', 'installStationCertificate', 'deleteStationCertificate',
      ].sort(),
    );
  });

  it('an unknown document is a 404', async () => {
    expect((await fetch(`${anode.url}/openapi/nope.json`)).status).toBe(404);
  });
});
