import 'reflect-metadata';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, GATEWAY, type GatewayFixture, contractFor, makeGatewayFixture, seedGateway } from '../../gateway/_testing/fixture.js';
import { type HeadEndPeer, startHeadEndPeer } from '../../gateway/_testing/head-end-peer.js';
import { meterTelegram } from '../../gateway/_testing/telegrams.js';
import { runCli } from '../_testing/run-cli.js';

const KEY = Buffer.from('1234567890ABCDEF1234567890ABCDEF', 'hex');

let fx: GatewayFixture;
let peer: HeadEndPeer;

beforeAll(async () => {
  fx = await makeGatewayFixture();
  await seedGateway(fx, [{ meterId: '77778888', key: KEY }, { meterId: '99990000', key: KEY }], [contractFor(fx, { id: 'c-cli', meterId: '77778888', taf: 7 })]);
  peer = await startHeadEndPeer({ pkiDir: fx.pkiDir, pki: fx.pki, sm: fx.sm, admin: ADMIN, gateway: GATEWAY });
}, 60_000);

afterAll(async () => {
  await peer?.close();
});

describe('gridwarden gateway', () => {
  it("refuses a configuration file with a bad field: exit 1, 'GW_CONFIG' naming the field on stderr", async () => {
    const path = fx.writeConfig({ lmn: { inputs: [{ kind: 'udp', protocol: 'wmbus', port: 'nine' as unknown as number }] } });
    const r = await runCli(['gateway', '--config', path]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('GW_CONFIG');
    expect(r.stderr).toContain('lmn.inputs[0].port');
    expect(r.stdout).toBe('');
  });

  it('ingests stdin telegrams, counts refusals, and stops when the input ends', async () => {
    const path = fx.writeConfig({
      headEnd: { url: peer.url, adminSigCertPem: fx.adminSigPemFile },
      lmn: { inputs: [{ kind: 'stdin', protocol: 'wmbus' }] },
      timing: { outboxPollMs: 100 },
    });
    const good = meterTelegram('99990000', KEY, 10, 1);
    const stdin = [good, good, meterTelegram('12121212', KEY, 1, 1), '# comment', ''].join('\n');
    const r = await runCli(['gateway', '--config', path, '--exit-when-inputs-end'], { stdin, timeoutMs: 120_000 });
    expect(r.code).toBe(0);
    const summary = JSON.parse(r.stdout);
    expect(summary.stats).toMatchObject({ accepted: 1, refused: { GW_REPLAY: 1, GW_UNKNOWN_METER: 1 } });
    const events = r.stderr.trim().split('\n').map((l) => JSON.parse(l));
    expect(events.map((e: { kind: string }) => e.kind)).toEqual(expect.arrayContaining(['started', 'inputs-ended', 'stopped']));
  }, 150_000);

  it('reads a YAML configuration too', async () => {
    const yamlPath = join(fx.root, 'gw.yaml');
    writeFileSync(yamlPath, `name: ${GATEWAY}\ndataDir: ${fx.dataDir}\nbogus: 1\n`);
    const r = await runCli(['gateway', '--config', yamlPath]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('GW_CONFIG');
  });
});
