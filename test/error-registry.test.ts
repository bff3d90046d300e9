import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ERROR_REGISTRIES } from '../src/error-codes.js';

const root = join(import.meta.dirname, '..');
const docs = readFileSync(join(root, 'docs/errors.md'), 'utf8');

function testSources(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) testSources(p, out);
    else if (name.endsWith('.test.ts') && !p.endsWith('error-registry.test.ts')) out.push(readFileSync(p, 'utf8'));
  }
  return out;
}
const tests = [...testSources(join(root, 'src')), ...testSources(join(root, 'test'))].join('\n');

/** Codes documented under each "## ClassName" heading as table rows "| `CODE` | ... |". */
function documented(errorClass: string): string[] {
  const section = docs.split(/^## /m).find((s) => s.startsWith(`${errorClass}\n`)) ?? '';
  return [...section.matchAll(/^\| `([A-Z0-9_]+)` \|/gm)].map((m) => m[1]!);
}

describe.each(ERROR_REGISTRIES)('$errorClass codes', ({ errorClass, prefix, codes, retired }) => {
  const names = Object.keys(codes);

  it('all carry the class prefix and a description', () => {
    for (const c of names) {
      expect(c.startsWith(prefix), c).toBe(true);
      expect(codes[c]!.length, c).toBeGreaterThan(10);
    }
  });

  it('match docs/errors.md both ways', () => {
    expect(documented(errorClass).sort()).toEqual([...names].sort());
  });

  it('never reuse a retired code', () => {
    for (const r of retired) expect(names).not.toContain(r);
  });

  it('are each exercised by at least one test', () => {
    const untested = names.filter((c) => !tests.includes(`'${c}'`) && !tests.includes(`"${c}"`));
    expect(untested).toEqual([]);
  });
});
