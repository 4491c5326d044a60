/**
 * bench:ocpi's ceiling, a process of its own (forked by run.ts): a bare node:http server that answers every request
 * with the same page of locations Anode served, so the two differ only in what Anode does per request.
 */
import { createServer } from 'node:http';

if (process.send) {
  const { body, total } = JSON.parse(process.argv[2]) as { body: string; total: number };
  const payload = Buffer.from(body);
  const server = createServer((request, response) => {
    response.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': payload.length, 'X-Total-Count': String(total) });
    response.end(payload);
  });
  server.listen(0, '127.0.0.1', () => process.send!({ port: (server.address() as { port: number }).port }));
}
