/** Anode's real entry point as a process of its own, started as `npm start` starts it (cwd: the repository). */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { ANODE_ENTRY, npmStartNodeOptions } from '../../scripts/start-command.js';

export interface MainProcess {
  child: ChildProcess;
  /** everything it wrote to stdout and stderr so far, up to its last 4 million characters */
  output: () => string;
  exited: Promise<number | null>;
}

/** `env` is the whole environment of the process. */
export function spawnMain(env: NodeJS.ProcessEnv): MainProcess {
  const child = spawn(process.execPath, [...npmStartNodeOptions(), ...ANODE_ENTRY], {
    cwd: new URL('../..', import.meta.url).pathname,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // The last chunks up to a bound: a long fuzz run's process writes hundreds of megabytes of warnings.
  const chunks: string[] = [];
  let kept = 0;
  const keep = (chunk: Buffer) => {
    const text = String(chunk);
    chunks.push(text);
    kept += text.length;
    while (kept > 4_000_000 && chunks.length > 1) kept -= chunks.shift()!.length;
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const output = () => chunks.join('');
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output, exited };
}

/** A TCP port on 127.0.0.1 that nothing listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.once('error', reject);
  });
}
