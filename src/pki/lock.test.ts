import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';
import { LOCK_FILE, withPkiLock } from './_lock.js';
import { issueParty } from './ca.js';
import { type PkiFixture, makePki } from './_testing/fixture.js';

const partiesOf = (dir: string): string[] => Object.keys((JSON.parse(readFileSync(join(dir, 'pki.json'), 'utf8')) as { parties: object }).parties).sort();

describe('the PKI folder lock', () => {
  let f: PkiFixture;
  beforeAll(async () => {
    f = await makePki();
  });

  it('concurrent issues both land in pki.json (without the lock the later write drops the earlier party)', async () => {
    const before = partiesOf(f.dir);
    await Promise.all([issueParty(f.ctx, { role: 'emt', name: 'lock-a' }), issueParty(f.ctx, { role: 'emt', name: 'lock-b' }), issueParty(f.ctx, { role: 'gateway', name: 'lock-c' })]);
    expect(partiesOf(f.dir)).toEqual([...before, 'lock-a', 'lock-b', 'lock-c'].sort());
    expect(existsSync(join(f.dir, LOCK_FILE))).toBe(false);
  });

  it("'PKI_BUSY' while a live process holds the lock; the holder's file is left alone", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gw-pki-lock-'));
    writeFileSync(join(dir, LOCK_FILE), String(process.pid));
    await expect(withPkiLock(dir, async () => 1, { waitMs: 100, pollMs: 10 })).rejects.toMatchObject({ code: 'PKI_BUSY' });
    expect(readFileSync(join(dir, LOCK_FILE), 'utf8')).toBe(String(process.pid));
  });

  it('a lock left by a process that is gone is taken over, and released after the work', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gw-pki-lock-'));
    const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout;
    writeFileSync(join(dir, LOCK_FILE), gone);
    await expect(withPkiLock(dir, async () => readFileSync(join(dir, LOCK_FILE), 'utf8'), { waitMs: 100 })).resolves.toBe(String(process.pid));
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
  });

  it('the lock is released when the work fails', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gw-pki-lock-'));
    await expect(withPkiLock(dir, async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
  });
});
