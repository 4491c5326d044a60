/**
 * Every relative link in README.md and docs/*.md leads somewhere: the file or folder exists in the repository, and an
 * anchor names a heading of the Markdown file it points into (GitHub's slugs). External links are not fetched.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

const DOCUMENTS = [
  'README.md',
  ...readdirSync(join(ROOT, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .sort()
    .map((name) => `docs/${name}`),
];

/** The text outside fenced code blocks and inline code spans, where a link is a link. */
function prose(markdown: string): string {
  return markdown
    .replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '')
    .replace(/(`+)[\s\S]*?\1/g, '');
}

/** GitHub's heading anchor: lowercase, punctuation other than - and _ dropped, each space a hyphen. */
function slug(heading: string): string {
  const text = heading
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/<[^>]+>/g, '')
    .trim()
    .toLowerCase();
  return text.replace(/[^\p{L}\p{M}\p{N} _-]/gu, '').replace(/ /g, '-');
}

/** The anchors of a Markdown text's headings; a repeated heading gets -1, -2 … as on GitHub. */
function anchorsOf(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  const withoutFences = markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '');
  for (const match of withoutFences.matchAll(/^#{1,6}[ \t]+(.+?)[ \t#]*$/gm)) {
    const base = slug(match[1]);
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    anchors.add(count === 0 ? base : `${base}-${count}`);
  }
  return anchors;
}

/** Link targets in Markdown: inline links and images `[text](target "title")` and reference definitions `[x]: target`. */
function linkTargets(markdown: string): string[] {
  const text = prose(markdown);
  const inline = [...text.matchAll(/!?\[[^\]]*\]\(\s*<?([^)\s>]*)>?(?:\s+"[^"]*")?\s*\)/g)].map((match) => match[1]);
  const references = [...text.matchAll(/^ {0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s.*)?$/gm)].map((match) => match[1]);
  return [...inline, ...references];
}

const isExternal = (target: string) => /^[a-z][a-z0-9+.-]*:/i.test(target);

/** What is wrong with the links of `markdown`, a file at `file` (relative to the repository root). */
function brokenLinks(file: string, markdown: string): string[] {
  const problems: string[] = [];
  for (const target of linkTargets(markdown)) {
    if (target === '' || isExternal(target)) continue;
    const hash = target.indexOf('#');
    const pathPart = decodeURIComponent(hash === -1 ? target : target.slice(0, hash));
    const anchor = hash === -1 ? undefined : decodeURIComponent(target.slice(hash + 1));
    const resolved = pathPart === '' ? join(ROOT, file) : resolve(ROOT, dirname(file), pathPart);
    const shown = relative(ROOT, resolved) || '.';
    if (pathPart !== '' && (!resolved.startsWith(ROOT) || !existsSync(resolved))) {
      problems.push(`${target}: ${shown} does not exist`);
      continue;
    }
    if (anchor === undefined || !resolved.endsWith('.md') || (pathPart !== '' && statSync(resolved).isDirectory())) continue;
    const anchors = pathPart === '' ? anchorsOf(markdown) : anchorsOf(readFileSync(resolved, 'utf8'));
    if (!anchors.has(anchor)) problems.push(`${target}: ${shown} has no heading with the anchor #${anchor}`);
  }
  return problems;
}

describe('README and docs links', () => {
  it.each(DOCUMENTS)('every relative link in %s resolves', (file) => {
    expect(brokenLinks(file, readFileSync(join(ROOT, file), 'utf8'))).toEqual([]);
  });

  it('finds a missing file, a missing anchor and a missing anchor in the same file', () => {
    const markdown = [
      '# Title',
      '[fine](../README.md) [fine too](#title) [folder](../src/) [web](https://example.com/nowhere)',
      '[gone](missing-page.md) [no such heading](../README.md#no-such-heading) [here](#nowhere)',
      '`[in code](also-missing.md)`',
    ].join('\n');
    expect(brokenLinks('docs/example.md', markdown)).toEqual([
      'missing-page.md: docs/missing-page.md does not exist',
      '../README.md#no-such-heading: README.md has no heading with the anchor #no-such-heading',
      '#nowhere: docs/example.md has no heading with the anchor #nowhere',
    ]);
  });

  it('makes anchors as GitHub does', () => {
    expect(slug('Several processes on one node (`WORKERS`)')).toBe('several-processes-on-one-node-workers');
    expect(slug('Roaming partners (OCPI 2.2.1)')).toBe('roaming-partners-ocpi-221');
    expect(slug('Tokens and real-time authorization')).toBe('tokens-and-real-time-authorization');
    expect([...anchorsOf('## Figures\n\n```\n# not a heading\n```\n## Figures\n')]).toEqual(['figures', 'figures-1']);
  });
});
