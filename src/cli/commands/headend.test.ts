import 'reflect-metadata';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SoftwareSecurityModule } from '../../crypto/software-module.js';
import { storeMessage } from '../../headend/privacy/_testing/stores.js';
import { recordIssuedCommand } from '../../headend/privacy/registry.js';
import { openHeadendStore } from '../../headend/runtime.js';
import { initPki, issueParty } from '../../pki/index.js';
import { runCli } from '../_testing/run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'gw-cli-headend-'));
const passphrase = 'correct horse battery staple';
const config = (over: Record<string, unknown> = {}) => ({
  store: { kind: 'sqlite', path: join(dir, 'headend.db') },
  securityModule: { kind: 'software', path: join(dir, 'keys.json'), passphrase },
  pkiDir: dir,
  gwa: 'gwa-1',
  emts: ['supplier-a'],
  wan: { host: '127.0.0.1', port: 0 },
  operator: { host: '127.0.0.1', port: 0 },
  gateways: [{ name: 'gw-1', wakeUp: { host: '127.0.0.1', port: 9 } }],
  ...over,
});

beforeAll(async () => {
  const sm = await SoftwareSecurityModule.create(join(dir, 'keys.json'), passphrase);
  await initPki({ dir, sm });
  await issueParty({ dir, sm }, { role: 'gwa', name: 'gwa-1' });
  await issueParty({ dir, sm }, { role: 'emt', name: 'supplier-a' });
  await sm.close();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('gridwarden headend', () => {
  it('starts from a YAML file and prints its addresses (--check)', async () => {
    const file = join(dir, 'headend.yaml');
    const c = config();
    writeFileSync(
      file,
      [
        'store:',
        `  kind: sqlite`,
        `  path: ${JSON.stringify(c.store.path)}`,
        'securityModule:',
        '  kind: software',
        `  path: ${JSON.stringify(c.securityModule.path)}`,
        `  passphrase: ${JSON.stringify(passphrase)}`,
        `pkiDir: ${JSON.stringify(dir)}`,
        'gwa: gwa-1',
        'emts: [supplier-a]',
        'wan: { host: 127.0.0.1, port: 0 }',
        'operator: { host: 127.0.0.1, port: 0 }',
        '',
      ].join('\n'),
    );
    const r = await runCli(['headend', '--config', file, '--check']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { wan: string; operator: string; gwa: string; emts: string[] };
    expect(out).toMatchObject({ gwa: 'gwa-1', emts: ['supplier-a'] });
    expect(out.wan).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(out.operator).toMatch(/^127\.0\.0\.1:\d+$/);
  });

  it.each<[string, unknown, RegExp]>([
    ['a port that is not a number', config({ wan: { port: 'https' } }), /HE_CONFIG: .*wan\.port/],
    ['an unknown key', config({ emt: ['x'] }), /HE_CONFIG: .*emt/],
    ['a participant missing from the PKI folder', config({ emts: ['supplier-z'] }), /HE_CONFIG: .*supplier-z/],
  ])('refuses %s, naming it', async (_name, body, message) => {
    const file = join(dir, 'bad.json');
    writeFileSync(file, JSON.stringify(body));
    const r = await runCli(['headend', '--config', file, '--check']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(message);
  });

  it('refuses a file that is not JSON', async () => {
    const file = join(dir, 'broken.json');
    writeFileSync(file, '{"store": ');
    const r = await runCli(['headend', '--config', file]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('HE_CONFIG');
  });
});

describe('gridwarden headend export', () => {
  const file = join(dir, 'export.json');
  let messageId = '';

  beforeAll(async () => {
    const store = { kind: 'sqlite' as const, path: join(dir, 'export.db') };
    writeFileSync(file, JSON.stringify(config({ store })));
    const db = await openHeadendStore(store);
    try {
      const now = new Date();
      const contract = { id: 'k-1', meterId: 'm-1', consumerId: 'consumer-1', recipient: { name: 'supplier-a' }, taf: 7, validFrom: '2026-01-01T00:00:00Z', validTo: '2030-01-01T00:00:00Z' };
      await recordIssuedCommand(db, 'gw-1', 'cmd-1', { type: 'register-meter', payload: { meterId: 'm-1', protocol: 'wmbus', consumerId: 'consumer-1' } }, new Date(now.getTime() - 60_000));
      await recordIssuedCommand(db, 'gw-1', 'cmd-2', { type: 'add-contract', payload: { contract } }, new Date(now.getTime() - 60_000));
      messageId = await storeMessage(db, { emt: 'supplier-a', contractId: 'k-1', gateway: 'gw-1', meter: 'm-1', receivedAt: now, values: 2 });
    } finally {
      await db.close();
    }
  });

  it('prints the consumer export as JSON from the store', async () => {
    const r = await runCli(['headend', '--config', file, 'export', '--consumer', 'consumer-1']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { consumerId: string; recipients: Array<{ emt: string; messages: Array<{ messageId: string }>; values: unknown[] }> };
    expect(out.consumerId).toBe('consumer-1');
    expect(out.recipients).toMatchObject([{ emt: 'supplier-a', messages: [{ messageId }] }]);
    expect(out.recipients[0]?.values).toHaveLength(2);
  });

  it('prints CSV with --format csv', async () => {
    const r = await runCli(['headend', '--config', file, 'export', '--consumer', 'consumer-1', '--format', 'csv']);
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\r\n').filter((l) => l !== '');
    expect(lines[0]).toMatch(/^record,emt,/);
    expect(lines.map((l) => l.split(',')[0])).toEqual(['record', 'registration', 'contract', 'message', 'value', 'value']);
  });

  it.each<[string, string[], string]>([
    ['an unknown consumer', ['--consumer', 'nobody'], 'HE_UNKNOWN_CONSUMER'],
    ['an unknown format', ['--consumer', 'consumer-1', '--format', 'xml'], 'CLI_BAD_OPTION'],
  ])('refuses %s', async (_name, args, code) => {
    const r = await runCli(['headend', '--config', file, 'export', ...args]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(code);
  });
});
