import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { LMN_DEFAULT_HOST, type GatewayConfigInput, loadGatewayConfig, parseGatewayConfig } from './config.js';
import { GatewayError } from './errors.js';

const good: GatewayConfigInput = {
  name: 'gw-1',
  dataDir: '/var/lib/gridwarden',
  securityModule: { kind: 'software', path: '/var/lib/gridwarden/keys.json', passphrase: 'secret' },
  pki: { dir: '/etc/gridwarden/pki', party: 'gw-1' },
  headEnd: { url: 'https://headend.example:8443', adminSigCertPem: '/etc/gridwarden/gwa-sig.pem' },
  wakeUp: { port: 9443 },
  lmn: {
    inputs: [
      { kind: 'udp', protocol: 'wmbus', port: 9000 },
      { kind: 'tcp', protocol: 'dlms', port: 9001 },
      { kind: 'p1-serial', path: '/dev/ttyUSB0', meterId: 'E0012' },
    ],
  },
};

const dir = mkdtempSync(join(tmpdir(), 'gw-config-'));

/** The field path a refusal names: what the message starts with after "configuration refused: ". */
function refusedAt(value: unknown): string {
  try {
    parseGatewayConfig(value);
  } catch (e) {
    expect(e).toBeInstanceOf(GatewayError);
    expect((e as GatewayError).code).toBe('GW_CONFIG');
    return (e as Error).message.replace(/^configuration refused: /, '').split(':')[0]!;
  }
  throw new Error('accepted');
}

describe('gateway configuration', () => {
  it('accepts a full file and fills the defaults: listening inputs bind to loopback', () => {
    const c = parseGatewayConfig(good);
    expect(c.lmn.inputs[0]).toEqual({ kind: 'udp', protocol: 'wmbus', port: 9000, host: LMN_DEFAULT_HOST });
    expect(c.wakeUp).toEqual({ port: 9443, host: '0.0.0.0' });
    expect(c.timing.retryBaseMs).toBeGreaterThan(0);
  });

  const lmn = good.lmn!.inputs!;
  it.each<[string, unknown, string]>([
    ['a port that is text', { ...good, lmn: { inputs: [lmn[0], { ...lmn[1], port: 'x' }] } }, 'lmn.inputs[1].port'],
    ['an unknown key', { ...good, extra: 1 }, 'extra'],
    ['an unknown key deep inside', { ...good, headEnd: { ...good.headEnd, pinned: true } }, 'headEnd.pinned'],
    ['a head-end over http', { ...good, headEnd: { ...good.headEnd, url: 'http://headend.example' } }, 'headEnd.url'],
    ['a missing name', { ...good, name: undefined }, 'name'],
    ['an unknown input kind', { ...good, lmn: { inputs: [{ kind: 'serial', path: '/dev/x' }] } }, 'lmn.inputs[0].kind'],
    ['an unknown security module', { ...good, securityModule: { kind: 'tpm' } }, 'securityModule.kind'],
    ['a port out of range', { ...good, wakeUp: { port: 70000 } }, 'wakeUp.port'],
  ])("refuses %s with 'GW_CONFIG' naming the field", (_n, value, path) => {
    expect(refusedAt(value)).toBe(path);
  });

  it('reads JSON and YAML files; a broken file or a missing one is GW_CONFIG', async () => {
    const json = join(dir, 'gw.json');
    const yaml = join(dir, 'gw.yaml');
    writeFileSync(json, JSON.stringify(good));
    writeFileSync(yaml, stringify(good));
    expect(await loadGatewayConfig(yaml)).toEqual(await loadGatewayConfig(json));
    writeFileSync(join(dir, 'bad.json'), '{"name": ');
    await expect(loadGatewayConfig(join(dir, 'bad.json'))).rejects.toMatchObject({ code: 'GW_CONFIG' });
    await expect(loadGatewayConfig(join(dir, 'absent.yaml'))).rejects.toMatchObject({ code: 'GW_CONFIG' });
  });
});
