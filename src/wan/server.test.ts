import 'reflect-metadata';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type WanFixture, createWanFixture } from './_testing/fixture.js';
import type { FixtureParty } from './_testing/openssl-pki.js';
import type { TlsProfileError } from './errors.js';
import { runSClient } from './openssl-probe.js';
import { type HeadEndServer, createHeadEndServer } from './server.js';
import { TLS12_SUITES } from './tls-profile.js';

const GET = (path: string) => `GET ${path} HTTP/1.1\r\nHost: head-end\r\nConnection: close\r\n\r\n`;

let fx: WanFixture;
let server: HeadEndServer;
let port: number;
const refused: { code: string; reason: string }[] = [];

beforeAll(async () => {
  fx = createWanFixture();
  server = createHeadEndServer({
    tls: { variant: 'wan', credentials: fx.credentials(fx.pki.party.gwa), trust: fx.trust() },
    onRefused: (e: TlsProfileError, info) => refused.push({ code: e.code, reason: info.reason }),
  });
  server.route({ method: 'GET', url: '/whoami', roles: ['gateway', 'gwa', 'emt'], handler: async (req) => req.caller });
  server.route({ method: 'GET', url: '/admin-only', roles: ['gwa'], handler: async () => ({ ok: true }) });
  port = (await server.listen()).port;
});

afterAll(async () => {
  await server?.close();
  fx?.cleanup();
});

const probe = (args: readonly string[], who: FixtureParty | null = 'emt', path = '/whoami') =>
  runSClient({ host: '127.0.0.1', port, args: [...fx.sClientAuth(who === null ? undefined : fx.pki.party[who]), ...args], input: GET(path) });

/** The refusals the server reported since `before`, once its close handlers have run. */
async function refusalsSince(before: number): Promise<{ code: string; reason: string }[]> {
  await new Promise((r) => setTimeout(r, 50));
  return refused.slice(before);
}

describe('head-end server: refused by the TLS handshake', () => {
  it.each<[string, readonly string[], FixtureParty | null, string, string | RegExp]>([
    ['TLS 1.0', ['-tls1', '-cipher', 'DEFAULT:@SECLEVEL=0'], 'emt', 'WAN_CONNECT', 'ERR_SSL_UNSUPPORTED_PROTOCOL'],
    ['TLS 1.1', ['-tls1_1', '-cipher', 'DEFAULT:@SECLEVEL=0'], 'emt', 'WAN_CONNECT', 'ERR_SSL_UNSUPPORTED_PROTOCOL'],
    ['TLS 1.3', ['-tls1_3'], 'emt', 'WAN_CONNECT', 'ERR_SSL_UNSUPPORTED_PROTOCOL'],
    ['RSA key exchange suite', ['-tls1_2', '-cipher', 'AES128-GCM-SHA256'], 'emt', 'WAN_CONNECT', 'ERR_SSL_NO_SHARED_CIPHER'],
    ['ECDHE-RSA suite', ['-tls1_2', '-cipher', 'ECDHE-RSA-AES128-GCM-SHA256'], 'emt', 'WAN_CONNECT', 'ERR_SSL_NO_SHARED_CIPHER'],
    ['CBC-SHA1 suite', ['-tls1_2', '-cipher', 'ECDHE-ECDSA-AES128-SHA'], 'emt', 'WAN_CONNECT', 'ERR_SSL_NO_SHARED_CIPHER'],
    ['CBC-SHA384 suite', ['-tls1_2', '-cipher', 'ECDHE-ECDSA-AES256-SHA384'], 'emt', 'WAN_CONNECT', 'ERR_SSL_NO_SHARED_CIPHER'],
    ['ChaCha20 suite', ['-tls1_2', '-cipher', 'ECDHE-ECDSA-CHACHA20-POLY1305'], 'emt', 'WAN_CONNECT', 'ERR_SSL_NO_SHARED_CIPHER'],
    ['no client certificate', ['-tls1_2'], null, 'WAN_PEER_UNTRUSTED', 'ERR_SSL_PEER_DID_NOT_RETURN_A_CERTIFICATE'],
    // OpenSSL 3.0 reports the missing CRL of the foreign sub-CA before the unknown root.
    ['client certificate of another CA', ['-tls1_2'], 'foreign', 'WAN_PEER_UNTRUSTED', /^UNABLE_TO_(GET_CRL|GET_ISSUER_CERT_LOCALLY)$/],
    ['revoked client certificate', ['-tls1_2'], 'revoked', 'WAN_PEER_UNTRUSTED', 'CERT_REVOKED'],
    ['expired client certificate', ['-tls1_2'], 'expired', 'WAN_PEER_UNTRUSTED', 'CERT_HAS_EXPIRED'],
    // The server asks for ECDSA certificates only, so s_client has none to send.
    ['RSA client certificate', ['-tls1_2'], 'rsa', 'WAN_PEER_UNTRUSTED', 'ERR_SSL_PEER_DID_NOT_RETURN_A_CERTIFICATE'],
  ])('%s', async (_name, args, who, code, reason) => {
    const before = refused.length;
    const r = await probe(args, who);
    expect(r.handshake).toBe('failed');
    expect(r.response).not.toContain('HTTP/1.1');
    expect(await refusalsSince(before)).toEqual([{ code, reason: typeof reason === 'string' ? reason : expect.stringMatching(reason) }]);
  });
});

describe('head-end server: refused after the handshake by the profile check', () => {
  it.each<[string, FixtureParty]>([
    ['SIG certificate used for TLS', 'gwaSig'],
    ['P-256 certificate where brainpool is due', 'p256'],
  ])('%s', async (_name, who) => {
    const before = refused.length;
    const r = await probe(['-tls1_2'], who);
    expect(r.response).not.toContain('HTTP/1.1');
    expect(await refusalsSince(before)).toEqual([{ code: 'WAN_PEER_POLICY', reason: 'WAN_PEER_POLICY' }]);
  });
});

describe('head-end server: accepted', () => {
  it.each(TLS12_SUITES.map((s) => s.name))('suite %s negotiates', async (suite) => {
    const r = await probe(['-tls1_2', '-cipher', suite]);
    expect(r.handshake).toBe('completed');
    expect(r.protocol).toBe('TLSv1.2');
    expect(r.cipher).toBe(suite);
    expect(r.response).toContain('HTTP/1.1 200');
  });

  it.each(['brainpoolP256r1', 'brainpoolP384r1', 'prime256v1'])('group %s negotiates', async (group) => {
    // Under TLS 1.2 a client must also list the curve of a brainpool server certificate.
    const r = await probe(['-tls1_2', '-groups', group === 'brainpoolP256r1' ? group : `${group}:brainpoolP256r1`]);
    expect(r.handshake).toBe('completed');
    expect(r.group).toBe(group);
  });

  it('a group outside the profile is never chosen', async () => {
    const r = await probe(['-tls1_2', '-groups', 'X25519:secp521r1:brainpoolP256r1']);
    expect(r.group).toBe('brainpoolP256r1');
  });

  it('maps the client certificate to its party and role', async () => {
    const r = await probe(['-tls1_2']);
    const body = JSON.parse(/\{.*\}/.exec(r.response)?.[0] ?? 'null') as unknown;
    expect(body).toEqual({ role: 'emt', name: 'emt-1', org: 'Energy AG', marketPartnerId: '9900000000002' });
  });

  it("refuses a route to a role it does not list with 403 'WAN_FORBIDDEN'", async () => {
    const denied = await probe(['-tls1_2'], 'emt', '/admin-only');
    expect(denied.response).toContain('HTTP/1.1 403');
    expect(denied.response).toContain('"code":"WAN_FORBIDDEN"');
    const allowed = await probe(['-tls1_2'], 'gwa', '/admin-only');
    expect(allowed.response).toContain('HTTP/1.1 200');
  });

  it('sends no session ticket, uses no compression, signals secure renegotiation (RFC 5746)', async () => {
    const r = await probe(['-tls1_2']);
    expect(r.handshake).toBe('completed');
    expect(r.sessionTicket).toBe(false);
    expect(r.compression).toBe('NONE');
    expect(r.secureRenegotiation).toBe(true);
  });
});
