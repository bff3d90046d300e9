import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../_testing/run-cli.js';

const events = (stdout: string) =>
  stdout
    .trim()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as { event: string; messagesByRecipient?: Record<string, number>; dashboard?: string; portal?: string });

describe('gridwarden demo', () => {
  it('runs the whole system and every market participant receives data', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'gw-demo-')), 'demo');
    // Twenty seconds once running (at the default 240x, 80 simulated minutes): every contract closes periods
    // within the first few; the end-to-end test beside runDemo checks the same deliveries in detail.
    const r = await runCli(['demo', '--dir', dir, '--duration', '20'], { timeoutMs: 150_000 });
    expect(r.code, r.stderr).toBe(0);
    const [started, stopped] = [events(r.stdout).find((e) => e.event === 'started'), events(r.stdout).find((e) => e.event === 'stopped')];
    expect(started?.dashboard).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/#token=[A-Za-z0-9_-]{43}$/);
    expect(started?.portal).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/$/);
    const got = stopped?.messagesByRecipient ?? {};
    expect(Object.keys(got).sort()).toEqual(['grid-operator', 'supplier-a', 'supplier-b']);
    for (const [emt, n] of Object.entries(got)) expect(n, emt).toBeGreaterThan(0);
    // The gateway's logs stay verifiable against its own SIG certificate.
    const verify = await runCli(['log', 'verify', '--dir', join(dir, 'gateway'), '--cert', join(dir, 'pki', 'gw-demo', 'sig.pem')]);
    expect(verify.code, verify.stdout).toBe(0);
  }, 180_000);

  it('refuses a folder it did not make', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gw-demo-foreign-'));
    writeFileSync(join(dir, 'precious.txt'), 'keep me');
    const r = await runCli(['demo', '--dir', dir, '--duration', '1']);
    const code = 'CLI_DEMO';
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${code}:`);
  });

  it.each([
    [['--duration', '0'], 'CLI_BAD_OPTION'],
    [['--speed', '1'], 'CLI_BAD_OPTION'],
  ])('refuses %j', async (args, code) => {
    const r = await runCli(['demo', '--dir', join(tmpdir(), 'gw-demo-unused'), ...args]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${code}:`);
  });
});
