/**
 * The shape of the house, checked from the code's own imports (every `import`/`export … from`, type-only ones
 * included, read with TypeScript's pre-processor): no import circles in src/, imports that point inward, and files
 * small enough to read in one sitting. docs/architecture.md explains the rooms.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const SRC = join(ROOT, 'src');
const MAX_LINES = 500;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** src-relative path → the src-relative paths it imports (relative specifiers into src/ only). */
function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of sourceFiles(SRC)) {
    const { importedFiles } = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
    const targets = importedFiles
      .map(({ fileName }) => fileName)
      .filter((specifier) => specifier.startsWith('.'))
      .map((specifier) => resolve(dirname(file), specifier.replace(/\.js$/, '.ts')))
      .filter((target) => target.startsWith(SRC + '/'))
      .map((target) => relative(SRC, target));
    graph.set(relative(SRC, file), [...new Set(targets)]);
  }
  return graph;
}

/** Every strongly connected group of more than one file, or a file importing itself (Tarjan). */
function circles(graph: Map<string, string[]>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  let next = 0;
  const visit = (node: string) => {
    index.set(node, next);
    low.set(node, next);
    next += 1;
    stack.push(node);
    onStack.add(node);
    for (const target of graph.get(node) ?? []) {
      if (!index.has(target)) {
        visit(target);
        low.set(node, Math.min(low.get(node)!, low.get(target)!));
      } else if (onStack.has(target)) {
        low.set(node, Math.min(low.get(node)!, index.get(target)!));
      }
    }
    if (low.get(node) === index.get(node)) {
      const group: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        group.push(member);
      } while (member !== node);
      if (group.length > 1 || (graph.get(node) ?? []).includes(node)) found.push(group.sort());
    }
  };
  for (const node of graph.keys()) if (!index.has(node)) visit(node);
  return found;
}

const room = (path: string) => (path.includes('/') ? path.slice(0, path.indexOf('/')) : path);

/** What each room may import besides itself; a room not named here is the composition root's (main, anode, …). */
const MAY_IMPORT: Record<string, (target: string) => boolean> = {
  db: (target) => room(target) === 'db',
  domain: (target) => ['db'].includes(room(target)) || target === 'cluster/bus.ts',
  http: (target) => ['db', 'domain', 'log.ts'].includes(room(target)),
  cluster: (target) => ['db', 'domain', 'log.ts', 'config.ts'].includes(room(target)) || target === 'ocpp/context.ts' || target === 'ocpp/gateway.ts',
  ocpp: (target) => ['db', 'domain', 'cluster', 'log.ts'].includes(room(target)),
  ocpi: (target) => ['db', 'domain', 'cluster', 'http', 'log.ts', 'config.ts'].includes(room(target)),
  admin: (target) => ['db', 'domain', 'http', 'log.ts'].includes(room(target)),
  system: (target) => ['db', 'http'].includes(room(target)),
};

describe('the shape of src/', () => {
  const graph = importGraph();

  it('reads the imports of every source file', () => {
    expect(graph.size).toBeGreaterThan(80);
    expect(graph.get('anode.ts')).toContain('ocpp/gateway.ts');
  });

  it('has no import circles', () => {
    expect(circles(graph)).toEqual([]);
  });

  it('finds a circle when there is one', () => {
    const withCircle = new Map(graph);
    withCircle.set('log.ts', [...(graph.get('log.ts') ?? []), 'config.ts']);
    expect(circles(withCircle)).toContainEqual(['config.ts', 'log.ts']);
  });

  it('points imports inward: domain knows no wing, http/ is a library below the wings, and no wing imports another', () => {
    const outward = [...graph].flatMap(([file, targets]) => {
      const allowed = MAY_IMPORT[room(file)];
      if (!allowed) return [];
      return targets.filter((target) => room(target) !== room(file) && !allowed(target)).map((target) => `${file} → ${target}`);
    });
    expect(outward).toEqual([]);
  });

  it(`has no file over ${MAX_LINES} lines`, () => {
    const long = sourceFiles(SRC)
      .map((file) => ({ file: relative(SRC, file), lines: readFileSync(file, 'utf8').split('\n').length }))
      .filter(({ lines }) => lines > MAX_LINES);
    expect(long).toEqual([]);
  });
});
