import { describe, expect, it } from 'vitest';
import { runCli } from './_testing/run-cli.js';

describe('gridwarden', () => {
  it('prints help listing its commands', async () => {
    const r = await runCli(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('demo');
  });

  it('exits 1 for an unknown command', async () => {
    const r = await runCli(['no-such-command']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('unknown command');
  });
});
