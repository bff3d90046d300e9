import { constants as C } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { type TLSSocket, connect, createServer } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type WanFixture, createWanFixture } from './_testing/fixture.js';
import type { FixtureParty } from './_testing/openssl-pki.js';
import { type TlsProfileOptions, type TlsVariant, profileSecureContext, profileTlsOptions } from './tls-profile.js';

let fx: WanFixture;
beforeAll(() => {
  fx = createWanFixture();
});
afterAll(() => fx?.cleanup());

const opts = (variant: TlsVariant, side: 'server' | 'client', who: FixtureParty = 'gwa', extra: Partial<TlsProfileOptions> = {}): TlsProfileOptions => ({
  variant,
  side,
  credentials: fx.credentials(fx.pki.party[who]),
  trust: fx.trust(),
  ...extra,
});

describe('profile options', () => {
  it('WAN: TLS 1.2 only, the three suites, the groups, mutual authentication, no tickets or renegotiation, 48 h', () => {
    const o = profileTlsOptions(opts('wan', 'server'));
    expect(o).toMatchObject({
      minVersion: 'TLSv1.2',
      maxVersion: 'TLSv1.2',
      ciphers: 'ECDHE-ECDSA-AES128-SHA256:ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384',
      ecdhCurve: 'brainpoolP256r1:brainpoolP384r1:prime256v1',
      requestCert: true,
      rejectUnauthorized: true,
      sessionTimeout: 48 * 3600,
    });
    for (const bit of [C.SSL_OP_NO_TICKET, C.SSL_OP_NO_RENEGOTIATION, C.SSL_OP_NO_COMPRESSION]) expect((o.secureOptions ?? 0) & bit).toBe(bit);
    expect(o.crl).toHaveLength(3);
  });

  it('LMN keeps sessions for 744 h', () => {
    expect(profileTlsOptions(opts('lmn', 'client')).sessionTimeout).toBe(744 * 3600);
  });

  it('leaves out the optional suite and adds optional groups on request', () => {
    const o = profileTlsOptions(opts('wan', 'client', 'gateway', { optionalSuite: false, optionalGroups: ['secp384r1'] }));
    expect(o.ciphers).toBe('ECDHE-ECDSA-AES128-SHA256:ECDHE-ECDSA-AES128-GCM-SHA256');
    expect(o.ecdhCurve).toBe('brainpoolP256r1:brainpoolP384r1:prime256v1:secp384r1');
  });

  it('HAN server: secp256r1 certificate allowed, client certificate optional unless required, TLS 1.3 allowed', () => {
    const o = profileTlsOptions(opts('han', 'server', 'hanP256'));
    expect(o).toMatchObject({ maxVersion: 'TLSv1.3', requestCert: true, rejectUnauthorized: false });
    expect(profileTlsOptions(opts('han', 'server', 'hanP256', { clientCertificate: 'required' })).rejectUnauthorized).toBe(true);
  });

  it.each<[string, TlsVariant, 'server' | 'client', FixtureParty]>([
    ['a P-256 certificate on WAN', 'wan', 'server', 'p256'],
    ['a P-256 certificate for a HAN client', 'han', 'client', 'p256'],
    ['a SIG certificate for TLS', 'wan', 'client', 'gwaSig'],
    ['an RSA certificate', 'wan', 'server', 'rsa'],
  ])("refuses %s as own certificate with 'WAN_BAD_CERTIFICATE'", (_n, variant, side, who) => {
    expect(() => profileTlsOptions(opts(variant, side, who))).toThrow(expect.objectContaining({ code: 'WAN_BAD_CERTIFICATE' }));
  });

  it.each<[string, Partial<TlsProfileOptions>]>([
    ['no trust anchor', { trust: { rootsPem: '', crlsPem: ['x'] } }],
    ['no CRL', { trust: { rootsPem: 'placeholder', crlsPem: [] } }],
    ['no certificate', { credentials: { certPem: '', key: { kind: 'engine', privateKeyEngine: 'pkcs11', privateKeyIdentifier: 'x' } } }],
  ])("refuses %s with 'WAN_BAD_OPTIONS'", (_n, extra) => {
    const o = opts('wan', 'server', 'gwa', extra);
    const fixed = extra.trust?.rootsPem === 'placeholder' ? { ...o, trust: { ...o.trust, rootsPem: fx.pki.rootsPem } } : o;
    expect(() => profileTlsOptions(fixed)).toThrow(expect.objectContaining({ code: 'WAN_BAD_OPTIONS' }));
  });

  it('passes an engine key reference through instead of key material', () => {
    const o = profileTlsOptions({ ...opts('wan', 'client', 'gateway'), credentials: { certPem: fx.pki.party.gateway.chainPem, key: { kind: 'engine', privateKeyEngine: 'pkcs11', privateKeyIdentifier: 'pkcs11:object=gw-tls' } } });
    expect(o).toMatchObject({ privateKeyEngine: 'pkcs11', privateKeyIdentifier: 'pkcs11:object=gw-tls' });
    expect(o.key).toBeUndefined();
  });
});

/** A bare node:tls server with the profile options, and a client using one shared SecureContext. */
async function handshake(variant: TlsVariant, serverWho: FixtureParty, clientWho: FixtureParty, run: (s: TLSSocket) => Promise<void>): Promise<void> {
  const server = createServer(profileTlsOptions(opts(variant, 'server', serverWho, { clientCertificate: 'required' })), (s) => s.on('error', () => undefined));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { secureContext } = profileSecureContext(opts(variant, 'client', clientWho));
  try {
    const socket = await new Promise<TLSSocket>((resolve, reject) => {
      const s = connect({ host: '127.0.0.1', port: (server.address() as AddressInfo).port, secureContext, checkServerIdentity: () => undefined }, () => resolve(s));
      s.on('error', reject);
    });
    await run(socket);
    socket.destroy();
  } finally {
    await new Promise((r) => server.close(r));
  }
}

describe('profile handshakes (node:tls on both sides)', () => {
  it('WAN negotiates TLS 1.2 on brainpool with no session ticket', async () => {
    await handshake('wan', 'gwa', 'gateway', async (s) => {
      expect(s.getProtocol()).toBe('TLSv1.2');
      expect(s.getCipher().name).toBe('ECDHE-ECDSA-AES128-SHA256');
      expect(s.getEphemeralKeyInfo()).toMatchObject({ type: 'ECDH', name: 'brainpoolP256r1' });
      expect(s.getTLSTicket()).toBeUndefined();
      expect(s.authorized).toBe(true);
    });
  });

  it('WAN refuses renegotiation', async () => {
    await handshake('wan', 'gwa', 'gateway', async (s) => {
      const err = await new Promise<Error | null>((resolve) => {
        s.on('error', resolve);
        const started = s.renegotiate({}, (e) => resolve(e));
        if (!started) resolve(new Error('renegotiation not started'));
      });
      expect(err).toBeInstanceOf(Error);
    });
  });

  it('HAN speaks TLS 1.3 on secp256r1 with a P-256 server certificate', async () => {
    await handshake('han', 'hanP256', 'gateway', async (s) => {
      expect(s.getProtocol()).toBe('TLSv1.3');
      expect(s.getCipher().name).toBe('TLS_AES_128_GCM_SHA256');
      expect(s.getEphemeralKeyInfo()).toMatchObject({ name: 'prime256v1' });
    });
  });

});
