import 'reflect-metadata';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Server, createServer } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SoftwareSecurityModule } from '../../crypto/software-module.js';
import { initPki, issueParty } from '../../pki/index.js';
import { type WanFixture, createWanFixture } from '../../wan/_testing/fixture.js';
import { partyTlsFromPkiDir } from '../../wan/pki-credentials.js';
import { type HeadEndServer, createHeadEndServer } from '../../wan/server.js';
import { runCli } from '../_testing/run-cli.js';

interface Check {
  readonly id: string;
  readonly ok: boolean | null;
}
interface Report {
  readonly compliant: boolean;
  readonly checks: readonly Check[];
}
const failed = (r: Report) =>
  r.checks
    .filter((c) => c.ok === false)
    .map((c) => c.id)
    .sort();

let fx: WanFixture;
const closers: Array<() => Promise<unknown>> = [];

beforeAll(() => {
  fx = createWanFixture();
});
afterAll(async () => {
  for (const c of closers) await c();
  fx?.cleanup();
});

async function bareServer(opts: Parameters<typeof createServer>[0]): Promise<number> {
  // Keeps connections open, as a real service would while a client renegotiates.
  const s: Server = createServer(opts, (sock) => sock.on('error', () => undefined));
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  closers.push(() => new Promise((r) => s.close(r)));
  return (s.address() as AddressInfo).port;
}

describe('gridwarden tls-check', () => {
  it('passes our head-end server (exit 0) and finds mutual TLS required', async () => {
    const server: HeadEndServer = createHeadEndServer({ tls: { variant: 'wan', credentials: fx.credentials(fx.pki.party.gwa), trust: fx.trust() } });
    closers.push(() => server.close());
    const { port } = await server.listen();
    const r = await runCli(['tls-check', `127.0.0.1:${port}`]);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as Report;
    expect(report.compliant).toBe(true);
    expect(report.checks.find((c) => c.id === 'auth.client-certificate')?.ok).toBe(true);
    // Without credentials the handshake never completes, so these stay untested.
    expect(report.checks.find((c) => c.id === 'session.tickets')?.ok).toBeNull();
    expect(r.stderr).toContain('COMPLIANT');
  });

  it('fails a TLS 1.3-only server (exit 1)', async () => {
    // P-256, since OpenSSL 3.0 cannot sign TLS 1.3 handshakes with brainpool keys.
    const port = await bareServer({ cert: fx.pki.party.hanP256.chainPem, key: fx.pki.party.hanP256.keyPem, minVersion: 'TLSv1.3' });
    const r = await runCli(['tls-check', `127.0.0.1:${port}`]);
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout) as Report;
    expect(report.compliant).toBe(false);
    expect(failed(report)).toContain('version.tls1.2');
    expect(failed(report)).toContain('version.tls1.3');
    expect(r.stderr).toContain('NOT COMPLIANT');
  });

  it('fails a default node:tls server with an RSA certificate (exit 1) on suites, groups, certificate, tickets', async () => {
    const port = await bareServer({ cert: fx.pki.party.rsa.chainPem, key: fx.pki.party.rsa.keyPem });
    const r = await runCli(['tls-check', `127.0.0.1:${port}`]);
    expect(r.code).toBe(1);
    const f = failed(JSON.parse(r.stdout) as Report);
    for (const id of ['suite.others', 'group.others', 'certificate.profile', 'auth.client-certificate', 'session.tickets', 'renegotiation']) expect(f).toContain(id);
  });

  it("reports an unreachable endpoint as 'WAN_PROBE_FAILED' and a bad target as usage error", async () => {
    const port = await bareServer({ cert: fx.pki.party.gwa.chainPem, key: fx.pki.party.gwa.keyPem });
    closers.pop();
    await new Promise<void>((r) => setTimeout(r, 10));
    const down = await runCli(['tls-check', '127.0.0.1:1']);
    expect(down.code).toBe(1);
    expect(down.stderr).toContain('WAN_PROBE_FAILED');
    expect((await runCli(['tls-check', 'no-port'])).code).toBe(2);
    expect((await runCli(['tls-check', `127.0.0.1:${port}`, '--profile', 'xyz'])).code).toBe(1);
  });
});

describe('gridwarden tls-check --dir --as (a PKI folder made by src/pki)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gridwarden-tlscheck-'));
  const pass = 'correct horse battery staple';
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('completes the handshake as our gateway: chain, tickets and renegotiation pass', async () => {
    const sm = await SoftwareSecurityModule.create(join(dir, 'keys.json'), pass);
    await initPki({ dir, sm });
    await issueParty({ dir, sm }, { role: 'gwa', name: 'gwa1', marketPartnerId: '9900000000001' });
    await issueParty({ dir, sm }, { role: 'gateway', name: 'gw1' });
    const tls = await partyTlsFromPkiDir(dir, 'gwa1', sm);
    const server = createHeadEndServer({ tls: { variant: 'wan', credentials: tls.credentials, trust: tls.trust } });
    closers.push(async () => {
      await server.close();
      await sm.close();
    });
    const { port } = await server.listen();
    const r = await runCli(['tls-check', `127.0.0.1:${port}`, '--dir', dir, '--as', 'gw1'], { env: { GRIDWARDEN_PASSPHRASE: pass } });
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as Report;
    const ok = (id: string) => report.checks.find((c) => c.id === id)?.ok;
    expect([ok('certificate.chain'), ok('session.tickets'), ok('renegotiation')]).toEqual([true, true, true]);
  });
});
