/** WebSocket frames and upgrade requests written byte by byte, for what no WebSocket client library sends. */
import { connect, type Socket } from 'node:net';

export const OPCODE = { continuation: 0, text: 1, binary: 2, close: 8, ping: 9 } as const;

export interface FrameOptions {
  fin?: boolean;
  /** the payload length the header announces (default: the payload's) */
  declaredLength?: number;
  rsv1?: boolean;
  /** clients must mask their frames; false sends an unmasked one */
  masked?: boolean;
}

/** A frame as a client sends it: masked with a fixed key unless told otherwise. */
export function clientFrame(opcode: number, payload: Buffer | string, options: FrameOptions = {}): Buffer {
  const body = typeof payload === 'string' ? Buffer.from(payload) : payload;
  const length = options.declaredLength ?? body.length;
  const first = ((options.fin ?? true) ? 0x80 : 0) | (options.rsv1 ? 0x40 : 0) | opcode;
  const maskBit = options.masked === false ? 0 : 0x80;
  let header: Buffer;
  if (length < 126) {
    header = Buffer.from([first, maskBit | length]);
  } else if (length < 65_536) {
    header = Buffer.alloc(4);
    header.writeUInt16BE(length, 2);
    header[1] = maskBit | 126;
  } else {
    header = Buffer.alloc(10);
    header.writeBigUInt64BE(BigInt(length), 2);
    header[1] = maskBit | 127;
  }
  header[0] = first;
  if (options.masked === false) return Buffer.concat([header, body]);
  const key = Buffer.from([0x12, 0x34, 0x56, 0x78]);
  return Buffer.concat([header, key, Buffer.from(body.map((byte, i) => byte ^ key[i % 4]))]);
}

export const textFrame = (text: string) => clientFrame(OPCODE.text, text);

/** The two frames that once ended the process: one announcing more than the size limit, one with invalid UTF-8. */
export const CRASH_FRAMES = {
  oversize: () => clientFrame(OPCODE.text, 'x'.repeat(16), { declaredLength: 64 * 1024 * 1024 }),
  invalidUtf8: () => clientFrame(OPCODE.text, Buffer.from([0x5b, 0x32, 0xff, 0xfe, 0x5d])),
};

export function upgradeRequest(stationId: string, password: string | undefined, protocol = 'ocpp1.6'): string {
  const lines = [
    `GET /ocpp/${encodeURIComponent(stationId)} HTTP/1.1`,
    'Host: 127.0.0.1',
    'Upgrade: websocket',
    'Connection: Upgrade',
    'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==',
    'Sec-WebSocket-Version: 13',
    `Sec-WebSocket-Protocol: ${protocol}`,
  ];
  if (password !== undefined) lines.push(`Authorization: Basic ${Buffer.from(`${stationId}:${password}`).toString('base64')}`);
  return `${lines.join('\r\n')}\r\n\r\n`;
}

/** A TCP connection to the server that records everything it receives and when it closed. */
export interface RawConnection {
  socket: Socket;
  received(): Buffer;
  /** resolves once the server answered the upgrade (with the status line) */
  upgraded: Promise<string>;
  closed: Promise<void>;
}

export function rawConnection(url: string): Promise<RawConnection> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    let received = Buffer.alloc(0);
    let onStatus: (line: string) => void = () => {};
    const upgraded = new Promise<string>((resolveStatus) => (onStatus = resolveStatus));
    const closed = new Promise<void>((resolveClosed) => socket.once('close', () => resolveClosed()));
    socket.on('error', () => {});
    socket.on('data', (chunk) => {
      received = Buffer.concat([received, chunk]);
      const end = received.indexOf('\r\n');
      if (end > 0) onStatus(received.subarray(0, end).toString('latin1'));
    });
    closed.then(() => onStatus(received.length > 0 ? received.toString('latin1').split('\r\n')[0] : 'closed without an answer'));
    socket.once('connect', () => resolve({ socket, received: () => received, upgraded, closed }));
    socket.once('error', reject);
  });
}

/** The close code in the first close frame the server sent after its upgrade answer, if any. */
export function serverCloseCode(received: Buffer): number | undefined {
  let at = received.indexOf('\r\n\r\n');
  if (at < 0) return undefined;
  at += 4;
  while (at + 2 <= received.length) {
    const opcode = received[at] & 0x0f;
    let length = received[at + 1] & 0x7f;
    let offset = at + 2;
    if (length === 126) {
      length = received.readUInt16BE(offset);
      offset += 2;
    } else if (length === 127) {
      length = Number(received.readBigUInt64BE(offset));
      offset += 8;
    }
    if (opcode === OPCODE.close) return length >= 2 ? received.readUInt16BE(offset) : 1005;
    at = offset + length;
  }
  return undefined;
}
