/** Anode's real entry point as a process of its own, started as `npm start` starts it (cwd: the repository). */
import { spawn, type ChildProcess } from 'node:child_process';
import { ANODE_ENTRY, npmStartNodeOptions } from '../../scripts/start-command.js';

export interface MainProcess {
  child: ChildProcess;
  /** everything it wrote to stdout and stderr so far */
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
  let output = '';
  child.stdout!.on('data', (chunk) => (output += String(chunk)));
  child.stderr!.on('data', (chunk) => (output += String(chunk)));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => output, exited };
}
