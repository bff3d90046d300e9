import 'reflect-metadata';
import type { PeerCertificate } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type WanFixture, createWanFixture } from './_testing/fixture.js';
import { pemToDerList } from './certificate-facts.js';
import { type IdentifyParty, identifyByPki, peerParty } from './peer-party.js';

let fx: WanFixture;
beforeAll(() => {
  fx = createWanFixture();
});
afterAll(() => fx?.cleanup());

const peer = (pem: string) => ({ raw: Buffer.from(pemToDerList(pem)[0]!) }) as PeerCertificate;
const base = { variant: 'wan' as const, purpose: 'clientAuth' as const, roles: ['gateway', 'emt'] as const, identify: identifyByPki };

describe('peerParty', () => {
  it('names the party of a TLS certificate', () => {
    expect(peerParty(peer(fx.pki.party.gateway.certPem), base)).toEqual({ role: 'gateway', name: 'EDEF0123456789', org: 'Gateway Operator', marketPartnerId: '9900000000001' });
  });

  it.each<[string, () => PeerCertificate | undefined, Partial<{ identify: IdentifyParty; roles: readonly ('gwa' | 'emt')[] }>, string]>([
    ['no certificate', () => undefined, {}, 'WAN_PEER_UNTRUSTED'],
    ['an empty certificate', () => ({ raw: Buffer.alloc(0) }) as PeerCertificate, {}, 'WAN_PEER_UNTRUSTED'],
    ['bytes that are no certificate', () => ({ raw: Buffer.from('3003020101', 'hex') }) as PeerCertificate, {}, 'WAN_PEER_POLICY'],
    ['a SIG certificate', () => peer(fx.pki.party.gatewaySig.certPem), {}, 'WAN_PEER_POLICY'],
    ['a certificate naming no party', () => peer(fx.pki.party.emt.certPem), { identify: () => undefined }, 'WAN_PEER_UNKNOWN'],
    ['a role not allowed here', () => peer(fx.pki.party.gwa.certPem), {}, 'WAN_PEER_UNKNOWN'],
  ])('refuses %s', (_n, cert, extra, code) => {
    expect(() => peerParty(cert(), { ...base, ...extra })).toThrow(expect.objectContaining({ code }));
  });

  it('lets a client report a wrong role as unexpected', () => {
    expect(() => peerParty(peer(fx.pki.party.emt.certPem), { ...base, roles: ['gwa'], purpose: 'serverAuth', wrongRole: 'WAN_PEER_UNEXPECTED' })).toThrow(
      expect.objectContaining({ code: 'WAN_PEER_UNEXPECTED' }),
    );
  });
});
