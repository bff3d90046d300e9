import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SoftHsmToken, createSoftHsmToken } from './_testing/softhsm.js';
import { openSecurityModule, securityModuleConfigSchema } from './open-module.js';

let dir = '';
let token: SoftHsmToken;

describe('openSecurityModule', () => {
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'gridwarden-open-'));
    token = createSoftHsmToken({ tokenLabel: 'open-module' });
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
    token.cleanup();
  });

  it.each([
    [{ kind: 'memory' }],
    [{ kind: 'software', path: '/var/lib/gridwarden/keys.json', passphrase: 'x' }],
    [{ kind: 'pkcs11', tokenLabel: 'smgw', pin: '1234' }],
    [{ kind: 'pkcs11', library: '/usr/lib/softhsm/libsofthsm2.so', tokenLabel: 'smgw', pin: '1234' }],
  ])('accepts %j', (config) => {
    expect(securityModuleConfigSchema.safeParse(config).success).toBe(true);
  });

  it.each([
    [{}],
    [{ kind: 'hsm' }],
    [{ kind: 'memory', path: '/tmp/x' }],
    [{ kind: 'software', path: '/tmp/x' }],
    [{ kind: 'software', path: '', passphrase: 'x' }],
    [{ kind: 'pkcs11', tokenLabel: 'smgw' }],
    [{ kind: 'pkcs11', tokenLabel: 'a-token-label-longer-than-32-bytes', pin: '1' }],
    [{ kind: 'pkcs11', tokenLabel: 'smgw', pin: '1', libary: '/typo.so' }],
  ])('rejects %j', (config) => {
    expect(securityModuleConfigSchema.safeParse(config).success).toBe(false);
  });

  it('opens a memory module', async () => {
    const sm = await openSecurityModule({ kind: 'memory' });
    expect(sm.kind).toBe('memory');
    await sm.close();
  });

  it('creates a software store on first start and opens it on the next', async () => {
    const config = { kind: 'software', path: join(dir, 'gw', 'keys.json'), passphrase: 'pass phrase' } as const;
    const first = await openSecurityModule(config);
    expect(first.kind).toBe('software');
    const made = await first.generateKeyPair('tls', 'brainpoolP256r1');
    await first.close();
    const second = await openSecurityModule(config);
    expect(await second.publicKey('tls')).toEqual(made);
    await second.close();
    await expect(openSecurityModule({ ...config, passphrase: 'other' })).rejects.toMatchObject({ code: 'SM_WRONG_PASSPHRASE' });
  });

  it('opens a PKCS#11 token', async () => {
    const sm = await openSecurityModule({ kind: 'pkcs11', library: token.library, tokenLabel: token.tokenLabel, pin: token.pin });
    expect(sm.kind).toBe('pkcs11');
    expect(await sm.list()).toEqual([]);
    await sm.close();
  });
});
