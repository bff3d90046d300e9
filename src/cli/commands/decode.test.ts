import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../_testing/run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'gw-decode-'));
const file = (name: string, text: string) => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};

describe('gridwarden decode: option errors', () => {
  it.each([
    [['decode', 'AA', '--key', '00112233'], 'CLI_BAD_OPTION'],
    [['decode', 'AA', '--key', 'zz112233445566778899aabbccddeeff'], 'CLI_BAD_OPTION'],
    [['decode', 'AA', '--protocol', 'modbus'], 'CLI_BAD_OPTION'],
    [['decode', 'AA', '--keys', join(dir, 'missing.json')], 'CLI_FILE'],
    [['decode', '--file', join(dir, 'missing.txt')], 'CLI_FILE'],
    [['decode', 'AA', '--keys', file('broken.json', '{"12345678": ')], 'CLI_CONFIG'],
    [['decode', 'AA', '--keys', file('short.json', '{"12345678": "0011"}')], 'CLI_CONFIG'],
    [['decode', 'AA', '--keys', file('notid.json', '{"meter-1": "000102030405060708090A0B0C0D0E0F"}')], 'CLI_CONFIG'],
  ])('%j -> %s', async (args, code) => {
    const r = await runCli(args);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${code}:`);
    expect(r.stdout).toBe('');
  });

  it('never echoes a key value in an error', async () => {
    const r = await runCli(['decode', 'AA', '--key', 'SECRET00112233445566778899AABBCCDD']);
    expect(r.stderr).not.toContain('SECRET');
  });

  it('needs a telegram or a file', async () => {
    const r = await runCli(['decode']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('CLI_USAGE:');
  });
});
