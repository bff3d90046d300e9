import 'reflect-metadata';
import { spawn } from 'node:child_process';
import { readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type WanFixture, createWanFixture } from './_testing/fixture.js';
import type { FixtureParty } from './_testing/openssl-pki.js';
import { type WanClient, createWanClient } from './client.js';
import { type HeadEndServer, createHeadEndServer } from './server.js';

let fx: WanFixture;
const servers: HeadEndServer[] = [];
let gwaUrl: string;
let connections = 0;

async function startServer(who: FixtureParty): Promise<string> {
  const s = createHeadEndServer({ tls: { variant: 'wan', credentials: fx.credentials(fx.pki.party[who]), trust: fx.trust() } });
  s.route({ method: 'GET', url: '/hello', roles: ['gateway'], handler: async (req) => ({ hello: req.caller.name }) });
  s.app.server.on('secureConnection', () => connections++);
  servers.push(s);
  return `https://127.0.0.1:${(await s.listen()).port}`;
}

beforeAll(async () => {
  fx = createWanFixture();
  gwaUrl = await startServer('gwa');
});
afterAll(async () => {
  for (const s of servers) await s.close();
  fx?.cleanup();
});

const gatewayClient = (expectRoles: readonly ('gwa' | 'emt')[] = ['gwa'], names?: readonly string[]): WanClient =>
  createWanClient({ tls: { variant: 'wan', credentials: fx.credentials(fx.pki.party.gateway), trust: fx.trust() }, expect: { roles: expectRoles, names } });

describe('gateway WAN client', () => {
  it('talks to the administrator over one kept-alive connection', async () => {
    const client = gatewayClient();
    const before = connections;
    for (let i = 0; i < 3; i++) {
      const res = await client.request(`${gwaUrl}/hello`);
      expect(res.status).toBe(200);
      expect(JSON.parse(res.body.toString())).toEqual({ hello: 'EDEF0123456789' });
      expect(res.server).toMatchObject({ role: 'gwa', name: 'gwa-1' });
    }
    expect(connections - before).toBe(1);
    client.close();
  });

  it("refuses a server of a role it does not expect with 'WAN_PEER_UNEXPECTED'", async () => {
    const emtUrl = await startServer('emt');
    const client = gatewayClient(['gwa']);
    await expect(client.request(`${emtUrl}/hello`)).rejects.toMatchObject({ code: 'WAN_PEER_UNEXPECTED' });
    const byName = gatewayClient(['gwa', 'emt'], ['gwa-1']);
    await expect(byName.request(`${emtUrl}/hello`)).rejects.toMatchObject({ code: 'WAN_PEER_UNEXPECTED' });
    client.close();
    byName.close();
  });

  it("refuses a revoked server certificate with 'WAN_PEER_UNTRUSTED'", async () => {
    const revokedUrl = await startServer('revoked');
    const client = gatewayClient(['emt']);
    await expect(client.request(`${revokedUrl}/hello`)).rejects.toMatchObject({ code: 'WAN_PEER_UNTRUSTED' });
    client.close();
  });

  it("refuses a server whose certificate is outside the profile with 'WAN_PEER_POLICY'", async () => {
    // The HAN variant lets a server run on P-256; a WAN client must still refuse it.
    const s = createHeadEndServer({ tls: { variant: 'han', clientCertificate: 'required', credentials: fx.credentials(fx.pki.party.p256), trust: fx.trust() } });
    servers.push(s);
    const url = `https://127.0.0.1:${(await s.listen()).port}`;
    const client = gatewayClient(['emt']);
    await expect(client.request(`${url}/hello`)).rejects.toMatchObject({ code: 'WAN_PEER_POLICY' });
    client.close();
  });

  it("reports a closed port as 'WAN_CONNECT' and plain http as 'WAN_BAD_OPTIONS'", async () => {
    const client = gatewayClient();
    await expect(client.request('https://127.0.0.1:1/')).rejects.toMatchObject({ code: 'WAN_CONNECT' });
    await expect(client.request('http://127.0.0.1:1/')).rejects.toMatchObject({ code: 'WAN_BAD_OPTIONS' });
    client.close();
  });
});

/** Socket inodes a process holds, and the kernel's socket tables as that process sees them. */
function socketsOf(pid: number): { tcp: { state: string; port: number }[]; udp: { port: number }[] } {
  const inodes = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(join(`/proc/${pid}/fd`, fd)));
      if (m) inodes.add(m[1]!);
    } catch {
      // fd closed meanwhile
    }
  }
  const table = (name: string) =>
    readFileSync(`/proc/${pid}/net/${name}`, 'utf8')
      .split('\n')
      .slice(1)
      .map((l) => l.trim().split(/\s+/))
      .filter((f) => f.length > 9 && inodes.has(f[9]!))
      .map((f) => ({ state: f[3]!, port: Number.parseInt(f[1]!.split(':')[1]!, 16) }));
  return { tcp: [...table('tcp'), ...table('tcp6')], udp: [...table('udp'), ...table('udp6')] };
}

describe('gateway process sockets', () => {
  it('hold no listening TCP socket; only the wake-up UDP socket is bound', async () => {
    const cfg = {
      url: `${gwaUrl}/hello`,
      certPem: fx.pki.party.gateway.chainPem,
      keyPem: fx.pki.party.gateway.keyPem,
      rootsPem: fx.pki.rootsPem,
      crlsPem: fx.pki.crlsPem,
      adminSigPem: fx.pki.party.gwaSig.certPem,
      gatewayId: 'EDEF0123456789',
    };
    const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, '_testing/gateway-child.ts'), JSON.stringify(cfg)], { stdio: ['pipe', 'pipe', 'inherit'] });
    try {
      const line = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout.setEncoding('utf8').on('data', (d: string) => {
          out += d;
          if (out.includes('\n')) resolve(out);
        });
        child.on('exit', (code) => reject(new Error(`gateway child exited with ${code}`)));
      });
      const ready = JSON.parse(line) as { status: number; wakeUpPort: number };
      expect(ready.status).toBe(200);
      const s = socketsOf(child.pid!);
      const TCP_LISTEN = '0A';
      const TCP_ESTABLISHED = '01';
      expect(s.tcp.filter((t) => t.state === TCP_LISTEN)).toEqual([]);
      expect(s.tcp.filter((t) => t.state === TCP_ESTABLISHED)).toHaveLength(1);
      expect(s.udp.map((u) => u.port)).toEqual([ready.wakeUpPort]);
    } finally {
      child.stdin.end();
      child.kill();
    }
  });
});
