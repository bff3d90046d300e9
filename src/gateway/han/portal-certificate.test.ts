import 'reflect-metadata';
import { X509Certificate } from '@peculiar/x509';
import { X509Certificate as NodeX509 } from 'node:crypto';
import { request } from 'node:https';
import type { TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemorySecurityModule } from '../../crypto/memory-module.js';
import { ALICE, type Home, makeHome } from './_testing/home.js';
import { issuePortalCertificate } from './portal-certificate.js';
import { type HanPortal, startHanPortal } from './start-portal.js';
import { portalTlsOptions } from './tls-options.js';
import { gatewayCodeOf } from '../_testing/error-code.js';

const NOW = new Date('2026-11-21T12:00:00Z');

describe('issuePortalCertificate', () => {
  it('issues a self-signed secp256r1 server certificate for the portal hosts, with the key kept in the module', async () => {
    const sm = new MemorySecurityModule();
    const c = await issuePortalCertificate(sm, { keyLabel: 'han-tls', commonName: 'gw1', hosts: ['gateway.home', '192.168.1.2'], now: NOW });
    const cert = new X509Certificate(c.certPem);
    const node = new NodeX509(c.certPem);
    expect(node.publicKey.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    // self-issued and self-signed (no keyCertSign: it is an end-entity certificate, so checkIssued would say no)
    expect(node.issuer).toBe(node.subject);
    expect(node.verify(node.publicKey)).toBe(true);
    expect(await cert.verify({ signatureOnly: true })).toBe(true);
    expect(node.subjectAltName).toBe('DNS:gateway.home, IP Address:192.168.1.2');
    expect(node.keyUsage).toContain('1.3.6.1.5.5.7.3.1');
    expect(c.notAfter.getTime() - NOW.getTime()).toBeLessThanOrEqual(398 * 86_400_000);
    expect((await sm.publicKey('han-tls')).curve).toBe('secp256r1');
    // the key stays: a second certificate reuses it
    const again = await issuePortalCertificate(sm, { keyLabel: 'han-tls', commonName: 'gw1', hosts: ['gateway.home'], now: NOW });
    expect(new NodeX509(again.certPem).publicKey.export({ format: 'jwk' })).toEqual(node.publicKey.export({ format: 'jwk' }));
  });

  it('refuses a brainpool key (browsers reject it) and a certificate without hosts with GW_HAN_CERTIFICATE', async () => {
    const sm = new MemorySecurityModule();
    await sm.generateKeyPair('gw-tls', 'brainpoolP256r1');
    expect(await gatewayCodeOf(issuePortalCertificate(sm, { keyLabel: 'gw-tls', commonName: 'gw1', hosts: ['localhost'] }))).toBe('GW_HAN_CERTIFICATE');
    expect(await gatewayCodeOf(issuePortalCertificate(sm, { keyLabel: 'x', commonName: 'gw1', hosts: [] }))).toBe('GW_HAN_CERTIFICATE');
  });

  it('refuses credentials that are not a P-256 server certificate with GW_HAN_CERTIFICATE', async () => {
    const sm = new MemorySecurityModule();
    const key = await sm.tlsKeyOptions((await sm.generateKeyPair('k', 'secp256r1')).label);
    expect(await gatewayCodeOf(() => portalTlsOptions({ certPem: '', key }))).toBe('GW_HAN_CERTIFICATE');
    expect(await gatewayCodeOf(() => portalTlsOptions({ certPem: '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n', key }))).toBe('GW_HAN_CERTIFICATE');
  });
});

describe('startHanPortal over HTTPS on loopback', () => {
  let home: Home;
  let portal: HanPortal;
  beforeAll(async () => {
    home = await makeHome();
    const cert = await issuePortalCertificate(home.sm, { keyLabel: 'han-tls', commonName: 'gw1', hosts: ['localhost', '127.0.0.1'] });
    portal = await startHanPortal({ db: home.db, clock: home.clock, port: 0, tls: { certPem: cert.certPem, key: await home.sm.tlsKeyOptions('han-tls') } });
  });
  afterAll(async () => {
    await portal.close();
    await home.db.close();
  });

  function call(path: string, opts: { method?: string; body?: string; cookie?: string; maxVersion?: 'TLSv1.2' | 'TLSv1.3' } = {}) {
    return new Promise<{ status: number; headers: Record<string, unknown>; body: string; protocol: string | null; cipher: string; curve: string | undefined }>((resolve, reject) => {
      const req = request(
        `${portal.url}${path}`,
        {
          method: opts.method ?? 'GET',
          rejectUnauthorized: false,
          ...(opts.maxVersion === undefined ? {} : { maxVersion: opts.maxVersion }),
          headers: { ...(opts.body === undefined ? {} : { 'content-type': 'application/json' }), ...(opts.cookie === undefined ? {} : { cookie: opts.cookie }) },
        },
        (res) => {
          const socket = res.socket as TLSSocket;
          const protocol = socket.getProtocol();
          const cipher = socket.getCipher().standardName;
          const curve = socket.getPeerCertificate().asn1Curve;
          let body = '';
          res.setEncoding('utf8').on('data', (d: string) => {
            body += d;
          });
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body, protocol, cipher, curve }));
        },
      );
      req.on('error', reject);
      req.end(opts.body);
    });
  }

  it('serves the page with the HAN profile (TLS 1.3, and TLS 1.2 with an ECDHE-ECDSA AES-GCM suite) and a P-256 certificate', async () => {
    const v13 = await call('/');
    expect(v13.status).toBe(200);
    expect(v13.protocol).toBe('TLSv1.3');
    expect(v13.curve).toBe('prime256v1');
    const v12 = await call('/', { maxVersion: 'TLSv1.2' });
    expect(v12.protocol).toBe('TLSv1.2');
    expect(['TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256', 'TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384', 'TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256']).toContain(v12.cipher);
    expect(v12.headers['x-frame-options']).toBe('DENY');
  });

  it('logs in and answers the API over HTTPS', async () => {
    const login = await call('/api/login', { method: 'POST', body: JSON.stringify({ username: ALICE.username, password: ALICE.password }) });
    expect(login.status).toBe(200);
    const cookie = String((login.headers['set-cookie'] as string[])[0]).split(';')[0]!;
    const meters = await call('/api/meters', { cookie });
    expect(meters.status).toBe(200);
    expect(JSON.parse(meters.body).meters).toHaveLength(ALICE.meters.length);
  });
});
