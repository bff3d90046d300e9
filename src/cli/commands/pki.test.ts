import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { type CliRun, runCli } from '../_testing/run-cli.js';

const root = join(import.meta.dirname, '..', '..', '..');

/** The built command when dist/ is at least as new as every source of it; else the sources through tsx. */
function builtIsFresh(): boolean {
  const sources = [join(root, 'src/cli/commands/pki.ts'), ...readdirSync(join(root, 'src/pki')).filter((n) => n.endsWith('.ts') && !n.endsWith('.test.ts')).map((n) => join(root, 'src/pki', n))];
  return sources.every((s) => {
    const d = s.replace(`${root}/src/`, `${root}/dist/src/`).replace(/\.ts$/, '.js');
    return existsSync(d) && statSync(d).mtimeMs >= statSync(s).mtimeMs;
  });
}
const useBuilt = builtIsFresh();

function gridwarden(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<CliRun> {
  if (!useBuilt) return runCli(args, { env });
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(root, 'dist/src/cli/main.js'), ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

const PASS = { GRIDWARDEN_PASSPHRASE: 'correct horse battery staple' };
const pki = (sub: string, dir: string, ...rest: string[]) => gridwarden(['pki', sub, '--dir', dir, ...rest], PASS);
const json = (r: CliRun): Record<string, unknown> => JSON.parse(r.stdout) as Record<string, unknown>;

describe(`gridwarden pki (${useBuilt ? 'built dist/' : 'sources through tsx'})`, () => {
  let dir: string;
  beforeAll(async () => {
    dir = join(mkdtempSync(join(tmpdir(), 'gw-pki-cli-')), 'pki');
    const init = await pki('init', dir);
    expect(init.code, init.stderr).toBe(0);
  });

  it('init wrote root, sub-CAs, CRLs and the key store', () => {
    for (const f of ['root.pem', 'subca-gwa.pem', 'subca-emt.pem', 'subca-gwh.pem', 'crl/root-g1.pem', 'crl/subca-gwa.pem', 'keys.json', 'pki.json']) {
      expect(existsSync(join(dir, f)), f).toBe(true);
    }
    expect(readFileSync(join(dir, 'keys.json'), 'utf8')).not.toContain('BEGIN');
  });

  it('issue, verify, revoke, verify again, crl', async () => {
    const issued = await pki('issue', dir, '--role', 'gateway', '--name', 'gw1');
    expect(issued.code, issued.stderr).toBe(0);
    expect((json(issued).certs as Array<{ file: string; keyLabel: string }>).map((c) => c.keyLabel)).toEqual(['gw1/tls', 'gw1/sig', 'gw1/enc']);
    const emt = await pki('issue', dir, '--role', 'emt', '--name', 'emt1', '--org', 'Lieferant AG', '--mpid', '9900000000001');
    expect(emt.code, emt.stderr).toBe(0);

    const ok = await gridwarden(['pki', 'verify', '--dir', dir, '--name', 'emt1']);
    expect(ok.code, ok.stderr).toBe(0);
    expect(json(ok).valid).toBe(true);

    const rev = await pki('revoke', dir, '--name', 'emt1', '--usage', 'sig', '--reason', 'keyCompromise');
    expect(rev.code, rev.stderr).toBe(0);
    const bad = await gridwarden(['pki', 'verify', '--dir', dir, '--name', 'emt1']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('PKI_REVOKED');
    const results = json(bad).results as Array<{ certificate: string; valid: boolean; error?: { code: string } }>;
    expect(results.map((r) => [r.certificate, r.valid, r.error?.code])).toEqual([
      ['emt1/tls.pem', true, undefined],
      ['emt1/sig.pem', false, 'PKI_REVOKED'],
      ['emt1/enc.pem', true, undefined],
    ]);

    const crl = await pki('crl', dir, '--days', '10');
    expect(crl.code, crl.stderr).toBe(0);
    const crls = json(crl).crls as Array<{ ca: string; crlNumber: number; revoked: number }>;
    expect(crls.find((c) => c.ca === 'subca-emt')).toMatchObject({ crlNumber: 3, revoked: 1 });
    expect(crls.map((c) => c.ca).sort()).toEqual(['root-g1', 'subca-emt', 'subca-gwa', 'subca-gwh']);

    // OpenSSL as the peer reads the same files the same way.
    const o = spawnSync(
      'openssl',
      ['verify', '-crl_check_all', '-CAfile', join(dir, 'root.pem'), '-untrusted', join(dir, 'subca-emt.pem'), '-CRLfile', join(dir, 'crl/subca-emt.pem'), '-CRLfile', join(dir, 'crl/root-g1.pem'), join(dir, 'emt1/sig.pem'), join(dir, 'emt1/enc.pem')],
      { encoding: 'utf8' },
    );
    expect(o.stdout + o.stderr).toContain('certificate revoked');
    expect(o.stdout).toContain('emt1/enc.pem: OK');
  });

  it('verify --cert with --at and --purpose: expired, wrong usage', async () => {
    await pki('issue', dir, '--role', 'gwa', '--name', 'gwa1');
    const cert = join(dir, 'gwa1/tls.pem');
    const good = await gridwarden(['pki', 'verify', '--dir', dir, '--cert', cert]);
    expect(good.code, good.stderr).toBe(0);
    expect(json(good).results).toMatchObject([{ purpose: 'tls-client', valid: true }]);
    const wrong = await gridwarden(['pki', 'verify', '--dir', dir, '--cert', cert, '--purpose', 'signature']);
    expect([wrong.code, (json(wrong).results as Array<{ error: { code: string } }>)[0]?.error.code]).toEqual([1, 'PKI_WRONG_USAGE']);
    const expired = await gridwarden(['pki', 'verify', '--dir', dir, '--name', 'gwa1', '--usage', 'tls', '--at', new Date(Date.now() + 3 * 366 * 86_400_000).toISOString()]);
    expect(expired.code).toBe(1);
    expect(expired.stderr).toContain('PKI_EXPIRED');
  });

  it('rollover: both roots kept, links written, old and new certificates verify', async () => {
    const r = await pki('rollover', dir);
    expect(r.code, r.stderr).toBe(0);
    expect(json(r)).toMatchObject({ generation: 2, links: ['links/root-g2-by-g1.pem', 'links/root-g1-by-g2.pem'] });
    await pki('issue', dir, '--role', 'gwh', '--name', 'gwh1');
    for (const name of ['gw1', 'gwh1']) {
      const v = await gridwarden(['pki', 'verify', '--dir', dir, '--name', name]);
      expect(v.code, `${name}: ${v.stderr}`).toBe(0);
    }
    const show = await gridwarden(['pki', 'show', '--dir', dir]);
    expect(show.code).toBe(0);
    const s = json(show) as { roots: unknown[]; links: unknown[]; crls: unknown[]; parties: string[] };
    expect([s.roots.length, s.links.length, s.crls.length]).toEqual([2, 2, 5]);
    expect(s.parties).toEqual(['emt1', 'gw1', 'gwa1', 'gwh1']);
    const one = await gridwarden(['pki', 'show', '--dir', dir, '--name', 'gwh1']);
    expect(json(one)).toMatchObject({ name: 'gwh1', role: 'gwh', certs: { enc: { keyLabel: 'gwh1/enc', party: { role: 'gwh', usage: 'enc' } } } });
  });

  it.each([
    ['no passphrase', ['issue', '--role', 'gwa', '--name', 'x'], {}, 2, 'CLI_USAGE'],
    ['wrong passphrase', ['issue', '--role', 'gwa', '--name', 'x'], { GRIDWARDEN_PASSPHRASE: 'wrong' }, 1, 'SM_WRONG_PASSPHRASE'],
    ['init on an existing PKI', ['init'], PASS, 1, 'PKI_EXISTS'],
    ['an unknown revocation reason', ['revoke', '--name', 'gw1', '--reason', 'bored'], PASS, 1, 'PKI_BAD_INPUT'],
    ['an unknown role', ['issue', '--role', 'king', '--name', 'x'], PASS, 1, 'PKI_BAD_INPUT'],
    ['an unknown party', ['revoke', '--name', 'nobody'], PASS, 1, 'PKI_NO_PARTY'],
  ] as const)('refuses %s', async (_what, args, env, code, errorCode) => {
    const [sub, ...rest] = args;
    const r = await gridwarden(['pki', sub, '--dir', dir, ...rest], { GRIDWARDEN_PASSPHRASE: '', ...env });
    expect(r.code).toBe(code);
    expect(r.stderr).toContain(errorCode);
  });

  it('reads the passphrase from --passphrase-file', async () => {
    const file = join(dir, '..', 'pass.txt');
    writeFileSync(file, `${PASS.GRIDWARDEN_PASSPHRASE}\n`);
    const r = await gridwarden(['pki', 'crl', '--dir', dir, '--passphrase-file', file], { GRIDWARDEN_PASSPHRASE: '' });
    expect(r.code, r.stderr).toBe(0);
  });

  it("verify on a folder without a PKI: 'PKI_DIR'", async () => {
    const r = await gridwarden(['pki', 'verify', '--dir', join(dir, '..'), '--name', 'gw1']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('PKI_DIR');
  });
});
