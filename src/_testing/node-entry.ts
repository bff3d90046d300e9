import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = join(import.meta.dirname, '..', '..');

function newestSource(dir: string): number {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) newest = Math.max(newest, newestSource(p));
    else if (e.name.endsWith('.ts') && !e.name.endsWith('.test.ts')) newest = Math.max(newest, statSync(p).mtimeMs);
  }
  return newest;
}

let newestSrc: number | undefined;

/**
 * Node arguments that run a TypeScript entry file of `src/`: its build under `dist/` when that is newer than
 * every source file (CI builds before testing: a start then costs a fraction of a second), else the source
 * through tsx (seconds per start, more under load).
 */
export function nodeEntry(sourceFile: string): readonly string[] {
  const built = join(root, 'dist', relative(root, sourceFile)).replace(/\.ts$/, '.js');
  newestSrc ??= newestSource(join(root, 'src'));
  return existsSync(built) && statSync(built).mtimeMs >= newestSrc ? [built] : ['--import', 'tsx', sourceFile];
}
