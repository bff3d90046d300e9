import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { type CliRun, runCli } from '../_testing/run-cli.js';

const env = { GRIDWARDEN_PASSPHRASE: 'cms cli test passphrase' };
const gridwarden = (args: readonly string[]): Promise<CliRun> => runCli(args, { env, timeoutMs: 120_000 });
const content = '1-0:1.8.0*255(012345.678*kWh)\n1-0:2.8.0*255(000001.000*kWh)\n';

describe('gridwarden cms', () => {
  let dir: string;
  let work: string;
  const file = (n: string) => join(work, n);

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'gw-cms-cli-'));
    dir = join(work, 'pki');
    writeFileSync(file('reading.txt'), content);
    const init = await gridwarden(['pki', 'init', '--dir', dir]);
    expect(init.code, init.stderr).toBe(0);
    for (const [role, name] of [['gateway', 'gw1'], ['emt', 'emt1'], ['gwa', 'gwa1']] as const) {
      const r = await gridwarden(['pki', 'issue', '--dir', dir, '--role', role, '--name', name]);
      expect(r.code, r.stderr).toBe(0);
    }
  }, 300_000);

  it('protect, then unprotect as the recipient: content on stdout, signer summary on stderr', async () => {
    const p = await gridwarden(['cms', 'protect', '--dir', dir, '--from', 'gw1', '--to', 'emt1', '--in', file('reading.txt'), '--out', file('msg.der')]);
    expect(p.code, p.stderr).toBe(0);
    // OpenSSL, an independent peer, accepts the signature with the folder's CAs.
    const ca = ['root.pem', 'subca-gwh.pem', 'subca-gwa.pem', 'subca-emt.pem'].map((f) => readFileSync(join(dir, f), 'utf8')).join('');
    writeFileSync(file('ca.pem'), ca);
    execFileSync('openssl', ['cms', '-verify', '-inform', 'DER', '-in', file('msg.der'), '-CAfile', file('ca.pem'), '-out', file('inner.der')], { stdio: 'pipe' });
    const u = await gridwarden(['cms', 'unprotect', '--dir', dir, '--as', 'emt1', '--in', file('msg.der')]);
    expect(u.code, u.stderr).toBe(0);
    expect(u.stdout).toBe(content);
    const summary = JSON.parse(u.stderr) as Record<string, unknown>;
    expect(summary).toMatchObject({ party: 'gw1', role: 'gateway', encryption: 'aes128-gcm', bytes: content.length });
    expect(summary.pseudonym).toBeUndefined();
  });

  it('--cbc writes EnvelopedData with AES-128-CBC', async () => {
    const p = await gridwarden(['cms', 'protect', '--dir', dir, '--from', 'gw1', '--to', 'emt1,gwa1', '--cbc', '--in', file('reading.txt'), '--out', file('cbc.der')]);
    expect(p.code, p.stderr).toBe(0);
    const u = await gridwarden(['cms', 'unprotect', '--dir', dir, '--as', 'gwa1', '--in', file('cbc.der')]);
    expect(u.code, u.stderr).toBe(0);
    expect(JSON.parse(u.stderr)).toMatchObject({ encryption: 'aes128-cbc' });
  });

  it('resign puts the pseudonym in place of the gateway; the administrator cannot decrypt', async () => {
    const p = await gridwarden(['cms', 'protect', '--dir', dir, '--from', 'gw1', '--to', 'emt1', '--in', file('reading.txt'), '--out', file('orig.der')]);
    expect(p.code, p.stderr).toBe(0);
    const r = await gridwarden(['cms', 'resign', '--dir', dir, '--as', 'gwa1', '--pseudonym', 'PSN-0042', '--in', file('orig.der'), '--out', file('pseudo.der')]);
    expect(r.code, r.stderr).toBe(0);
    const u = await gridwarden(['cms', 'unprotect', '--dir', dir, '--as', 'emt1', '--in', file('pseudo.der')]);
    expect(u.code, u.stderr).toBe(0);
    expect(u.stdout).toBe(content);
    expect(JSON.parse(u.stderr)).toMatchObject({ party: 'gwa1', role: 'gwa', pseudonym: 'PSN-0042' });
    const gwa = await gridwarden(['cms', 'unprotect', '--dir', dir, '--as', 'gwa1', '--in', file('pseudo.der')]);
    expect(gwa.code).toBe(1);
    expect(gwa.stderr).toContain('CMS_WRONG_RECIPIENT');
    expect(gwa.stdout).toBe('');
  });

  it('names a missing input file and a bad --to list', async () => {
    const missing = await gridwarden(['cms', 'unprotect', '--dir', dir, '--as', 'emt1', '--in', file('nope.der')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('CLI_FILE');
    const badTo = await gridwarden(['cms', 'protect', '--dir', dir, '--from', 'gw1', '--to', 'emt1,', '--in', file('reading.txt')]);
    expect(badTo.code).toBe(1);
    expect(badTo.stderr).toContain('CLI_BAD_OPTION');
  });
});
