/**
 * A stand-in CSMS for the OCPP load benchmark: an ocpp-rpc RPCServer in strict mode that answers
 * the OCPP 1.6 and 2.0.1 messages the simulated stations send, plus just enough HTTP for the
 * benchmark (`/health`, `POST /api/v0/cs/{id}`, `POST /api/v0/token`) and a counter endpoint
 * (`GET /stub/stats?prefix=`) that stands in for the database check. Nothing is persisted.
 *
 * Useful on its own to profile the load generator:
 *   npx tsx bench/ocpp/run.ts --server stub
 *
 * Env: PORT (default 8080), HOST (default 127.0.0.1),
 *   STUB_PENDING_SHARE  share of stations whose first BootNotification gets Pending (default 0.3);
 *   STUB_TRIGGER        after a Pending, send TriggerMessage(BootNotification) 500 ms later (default 1);
 *   STUB_CONFIGURE_SHARE share of stations sent ChangeConfiguration/SetVariables after their first Accepted boot (default 0.1);
 *   STUB_DELAY_MS       answer every call this much later (default 0), to mimic a slower server;
 *   STUB_BACKLOG        listen backlog (default 511, Node's default, as a server that doesn't set one gets);
 *   STUB_LOSE_EVERY     acknowledge but don't count every Nth MeterValues/TransactionEvent (default 0 = never), to see
 *                       the benchmark's persisted-count check catch a lossy server.
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import ocppRpc from 'ocpp-rpc';

const { RPCServer } = ocppRpc;
type ServerClient = import('ocpp-rpc/lib/server-client.js').default;
type Payload = Record<string, any>;

const PORT = Number(process.env.PORT ?? '8080');
const HOST = process.env.HOST || '127.0.0.1';
const PENDING_SHARE = Number(process.env.STUB_PENDING_SHARE ?? '0.3');
const TRIGGER = (process.env.STUB_TRIGGER ?? '1') !== '0';
const CONFIGURE_SHARE = Number(process.env.STUB_CONFIGURE_SHARE ?? '0.1');
const DELAY_MS = Number(process.env.STUB_DELAY_MS ?? '0');
const BACKLOG = Number(process.env.STUB_BACKLOG ?? '511');
const LOSE_EVERY = Number(process.env.STUB_LOSE_EVERY ?? '0');
let meterMessages = 0;
const lose = () => LOSE_EVERY > 0 && ++meterMessages % LOSE_EVERY === 0;

function log(level: number, msg: string, extra: Payload = {}): void {
  process.stdout.write(JSON.stringify({ level, time: Date.now(), service: 'stub-csms', msg, ...extra }) + '\n');
}

interface StationRecord {
  passwordHash: string;
  bootSeen: boolean;
  everAccepted: boolean;
  sampledValues: number;
  txStarted: number;
  txStopped: number;
}

const stations = new Map<string, StationRecord>();
const tokens = new Set<string>();
let txSeq = 0;
let connected = 0;

const sha256b64 = (data: Buffer | string) => createHash('sha256').update(data).digest('base64');
const now = () => new Date().toISOString();
const delay = () => (DELAY_MS > 0 ? new Promise((r) => setTimeout(r, DELAY_MS)) : undefined);

// ---------------------------------------------------------------------------------------------
// HTTP
// ---------------------------------------------------------------------------------------------

function readBody(req: IncomingMessage): Promise<Payload> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      try {
        resolve(chunks.length ? (JSON.parse(Buffer.concat(chunks).toString('utf8')) as Payload) : {});
      } catch (error) {
        reject(error);
      }
    });
    req.on('error', reject);
  });
}

function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

async function onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://stub');
  if (req.method === 'GET' && url.pathname === '/health') return json(res, 200, { status: 'ok' });
  const cs = /^\/api\/v0\/cs\/([^/]+)$/.exec(url.pathname);
  if (req.method === 'POST' && cs) {
    const body = await readBody(req);
    if (typeof body.base64SHA256Password !== 'string') return json(res, 400, { status: 'Bad Request', error: 'body.base64SHA256Password is required' });
    const id = decodeURIComponent(cs[1]);
    const existing = stations.get(id);
    stations.set(id, {
      passwordHash: body.base64SHA256Password,
      bootSeen: existing?.bootSeen ?? false,
      everAccepted: existing?.everAccepted ?? false,
      sampledValues: existing?.sampledValues ?? 0,
      txStarted: existing?.txStarted ?? 0,
      txStopped: existing?.txStopped ?? 0,
    });
    return json(res, 201, { status: 'Created' });
  }
  if (req.method === 'POST' && url.pathname === '/api/v0/token') {
    const body = await readBody(req);
    if (typeof body.uid !== 'string') return json(res, 400, { status: 'Bad Request', error: 'body.uid is required' });
    tokens.add(body.uid);
    return json(res, 201, body);
  }
  if (req.method === 'GET' && url.pathname === '/stub/stats') {
    const prefix = url.searchParams.get('prefix') ?? '';
    const out = { stations: 0, connected, sampledValues: 0, transactionsStarted: 0, transactionsStopped: 0 };
    for (const [id, st] of stations) {
      if (!id.startsWith(prefix)) continue;
      out.stations++;
      out.sampledValues += st.sampledValues;
      out.transactionsStarted += st.txStarted;
      out.transactionsStopped += st.txStopped;
    }
    return json(res, 200, out);
  }
  return json(res, 404, { status: 'Not Found', error: `${req.method} ${url.pathname}` });
}

// ---------------------------------------------------------------------------------------------
// OCPP
// ---------------------------------------------------------------------------------------------

const rpc = new RPCServer({ protocols: ['ocpp1.6', 'ocpp2.0.1'], strictMode: true });

rpc.auth((accept, reject, handshake) => {
  const station = stations.get(handshake.identity);
  if (!station) return reject(404, 'Unknown station');
  if (!handshake.password || sha256b64(handshake.password) !== station.passwordHash) return reject(401, 'Unauthorized');
  accept({});
});

/** Deterministic per station so a rerun behaves the same. */
function share(id: string, salt: string): number {
  return createHash('sha1').update(salt + id).digest().readUInt32BE(0) / 0x1_0000_0000;
}

function countSampled(meterValue: Payload[] | undefined): number {
  let n = 0;
  for (const mv of meterValue ?? []) n += (mv.sampledValue as unknown[] | undefined)?.length ?? 0;
  return n;
}

function bootAnswer(client: ServerClient, station: StationRecord, v16: boolean): Payload {
  const id = client.identity!;
  if (!station.bootSeen && share(id, 'pending') < PENDING_SHARE) {
    station.bootSeen = true;
    if (TRIGGER) {
      setTimeout(() => {
        client.call('TriggerMessage', { requestedMessage: 'BootNotification' }).catch(() => undefined);
      }, 500);
    }
    return { status: 'Pending', currentTime: now(), interval: 1 };
  }
  station.bootSeen = true;
  if (!station.everAccepted) {
    station.everAccepted = true;
    if (share(id, 'configure') < CONFIGURE_SHARE) {
      setTimeout(() => {
        const call = v16
          ? client.call('ChangeConfiguration', { key: 'MeterValueSampleInterval', value: '60' })
          : client.call('SetVariables', {
              setVariableData: [{ component: { name: 'SampledDataCtrlr' }, variable: { name: 'TxUpdatedInterval' }, attributeValue: '60' }],
            });
        call.catch(() => undefined);
      }, 100);
    }
  }
  return { status: 'Accepted', currentTime: now(), interval: 60 };
}

rpc.on('client', (client: ServerClient) => {
  const id = client.identity!;
  const station = stations.get(id)!;
  const v16 = client.protocol === 'ocpp1.6';
  connected++;
  client.once('close', () => connected--);

  const on = (method: string, fn: (params: Payload) => Payload) => {
    client.handle(method, async ({ params }: { params?: Payload }) => {
      await delay();
      return fn(params ?? {});
    });
  };

  on('BootNotification', () => bootAnswer(client, station, v16));
  on('Heartbeat', () => ({ currentTime: now() }));
  on('StatusNotification', () => ({}));
  if (v16) {
    on('Authorize', (p) => ({ idTagInfo: { status: tokens.has(p.idTag) ? 'Accepted' : 'Invalid' } }));
    on('StartTransaction', (p) => {
      station.txStarted++;
      return { transactionId: ++txSeq, idTagInfo: { status: tokens.has(p.idTag) ? 'Accepted' : 'Invalid' } };
    });
    on('MeterValues', (p) => {
      if (!lose()) station.sampledValues += countSampled(p.meterValue);
      return {};
    });
    on('StopTransaction', (p) => {
      station.txStopped++;
      station.sampledValues += countSampled(p.transactionData);
      return { idTagInfo: { status: 'Accepted' } };
    });
  } else {
    on('Authorize', (p) => ({ idTokenInfo: { status: tokens.has(p.idToken?.idToken) ? 'Accepted' : 'Invalid' } }));
    on('TransactionEvent', (p) => {
      if (!lose()) station.sampledValues += countSampled(p.meterValue);
      if (p.eventType === 'Started') station.txStarted++;
      if (p.eventType === 'Ended') station.txStopped++;
      return p.idToken ? { idTokenInfo: { status: tokens.has(p.idToken.idToken) ? 'Accepted' : 'Invalid' } } : {};
    });
  }
});

const http = createServer({ noDelay: true }, (req, res) => {
  onRequest(req, res).catch((error: unknown) => json(res, 500, { status: 'Internal Server Error', error: String(error) }));
});
http.on('upgrade', (req, socket, head) => {
  if ((req.url ?? '').startsWith('/ocpp/')) rpc.handleUpgrade(req, socket as import('node:net').Socket, head);
  else socket.destroy();
});

http.listen({ port: PORT, host: HOST, backlog: BACKLOG }, () => {
  log(30, 'stub CSMS listening', { port: PORT, host: HOST, pendingShare: PENDING_SHARE, trigger: TRIGGER, backlog: BACKLOG });
});

let stopping = false;
function shutdown(signal: string): void {
  if (stopping) return;
  stopping = true;
  log(30, 'stub CSMS shutting down', { signal });
  const force = setTimeout(() => process.exit(0), 5000);
  force.unref();
  rpc
    .close({ force: true })
    .catch(() => undefined)
    .finally(() => http.close(() => process.exit(0)));
  http.closeAllConnections?.();
}
process.on('SIGTERM', () => shutdown('SIGTERM'));
process.on('SIGINT', () => shutdown('SIGINT'));
