import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { openGatewayStore } from '../runtime.js';
import { login } from './accounts.js';
import { PASSWORD_ENV, addConsumerFromConfig, readConsumerPassword } from './consumer-command.js';
import { gatewayCodeOf } from '../_testing/error-code.js';

describe('readConsumerPassword', () => {
  it.each([
    ['the environment first', { [PASSWORD_ENV]: 'from the env' }, 'from stdin\n', 'from the env'],
    ['stdin without the variable', {}, 'from stdin\nsecond line\n', 'from stdin'],
    ['stdin with CRLF', {}, 'windows line\r\n', 'windows line'],
    ['stdin without newline', {}, 'no newline', 'no newline'],
  ])('reads %s', async (_what, env, stdin, expected) => {
    expect(await readConsumerPassword(env, Readable.from([stdin]))).toBe(expected);
  });

  it('refuses an empty password with GW_HAN_BAD_ACCOUNT', async () => {
    expect(await gatewayCodeOf(readConsumerPassword({}, Readable.from(['\n'])))).toBe('GW_HAN_BAD_ACCOUNT');
  });
});

describe('addConsumerFromConfig', () => {
  it("adds an account to the store of the gateway's configuration", async () => {
    const root = mkdtempSync(join(tmpdir(), 'gridwarden-han-cli-'));
    const dataDir = join(root, 'data');
    const configPath = join(root, 'gateway.json');
    writeFileSync(
      configPath,
      JSON.stringify({
        name: 'gw1',
        dataDir,
        securityModule: { kind: 'software', path: join(root, 'keys.json'), passphrase: 'unused here' },
        pki: { dir: join(root, 'pki'), party: 'gw1' },
        headEnd: { url: 'https://127.0.0.1:1', adminSigCertPem: join(root, 'admin.pem') },
      }),
    );
    expect(await addConsumerFromConfig({ configPath, consumerId: 'c-7', username: 'carla', password: 'carla password' })).toEqual({ consumerId: 'c-7', username: 'carla' });
    expect(await gatewayCodeOf(addConsumerFromConfig({ configPath, consumerId: 'c-8', username: 'carla', password: 'other password' }))).toBe('GW_HAN_ACCOUNT_EXISTS');
    const db = await openGatewayStore(dataDir);
    try {
      expect((await login(db, 'carla', 'carla password', Date.now())).consumerId).toBe('c-7');
    } finally {
      await db.close();
    }
  });
});
