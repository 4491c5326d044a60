/**
 * How `npm start` runs Anode: package.json's start script is `node <options> --import tsx src/main.ts`. Benchmarks and
 * tests that start Anode as a process take its options from here, so they run what operators run.
 */
import { readFileSync } from 'node:fs';

export const ANODE_ENTRY = ['--import', 'tsx', 'src/main.ts'];

export function npmStartNodeOptions(): string[] {
  const { scripts } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { scripts: { start: string } };
  const match = /^node((?: --\S+)*) --import tsx src\/main\.ts$/.exec(scripts.start);
  if (!match) throw new Error(`package.json's start script is not "node [options] --import tsx src/main.ts": ${scripts.start}`);
  return match[1].split(' ').filter(Boolean);
}
