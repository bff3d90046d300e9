import 'reflect-metadata';
import type { PeerCertificate } from 'node:tls';
import { X509Certificate as PeculiarX509 } from '@peculiar/x509';
import { type Party, type Role, partyOf } from '../pki/index.js';
import { certificateFacts } from './certificate-facts.js';
import { TlsProfileError } from './errors.js';
import { CERTIFICATE_CURVES, type TlsVariant, certificateViolations } from './tls-profile.js';

export type { Party, Role };

/** How a peer certificate becomes a party: the PKI's `partyOf` by default, injectable for tests. */
export type IdentifyParty = (der: Uint8Array) => Party | undefined;

/** The PKI's reading of a certificate (role policy, subject names, triplet usage). */
export const identifyByPki: IdentifyParty = (der) => partyOf(new PeculiarX509(der));

/** What a handler learns about the caller: the identity from its TLS certificate (no HTTP authentication on WAN). */
export interface WanCaller {
  readonly role: Role;
  readonly name: string;
  readonly org: string;
  readonly marketPartnerId: string;
}

/**
 * The party behind a peer certificate that TLS has already validated (chain, CRLs, dates), or a typed error:
 * WAN_PEER_UNTRUSTED without a certificate, WAN_PEER_POLICY when it is not a TLS certificate of the profile
 * (a SIG certificate, a P-256 key where brainpool is due), WAN_PEER_UNKNOWN when it names no allowed role.
 */
export function peerParty(
  cert: PeerCertificate | undefined,
  opts: {
    readonly variant: TlsVariant;
    readonly purpose: 'serverAuth' | 'clientAuth';
    readonly roles: readonly Role[];
    readonly identify: IdentifyParty;
    /** Code for a party of another role: a server refuses strangers, a client did not get whom it expected. */
    readonly wrongRole?: 'WAN_PEER_UNKNOWN' | 'WAN_PEER_UNEXPECTED';
  },
): WanCaller {
  const raw = cert?.raw;
  if (raw === undefined || raw.length === 0) throw new TlsProfileError('WAN_PEER_UNTRUSTED', 'the peer presented no certificate');
  const der = new Uint8Array(raw);
  const violations = certificateViolations(certificateFacts(der), { curves: CERTIFICATE_CURVES[opts.variant], purpose: opts.purpose });
  if (violations.length > 0) throw new TlsProfileError('WAN_PEER_POLICY', `peer certificate outside the profile: ${violations.join('; ')}`);
  let party: Party | undefined;
  try {
    party = opts.identify(der);
  } catch (e) {
    throw new TlsProfileError('WAN_PEER_UNKNOWN', 'the peer certificate cannot be read as a party certificate', { cause: e });
  }
  if (party === undefined) throw new TlsProfileError('WAN_PEER_UNKNOWN', 'the peer certificate names no party');
  if (party.usage !== 'tls') throw new TlsProfileError('WAN_PEER_POLICY', `the peer used its ${party.usage} certificate for TLS`);
  if (!opts.roles.includes(party.role)) throw new TlsProfileError(opts.wrongRole ?? 'WAN_PEER_UNKNOWN', `a peer of role ${party.role} is not allowed here`);
  return { role: party.role, name: party.name, org: party.org, marketPartnerId: party.marketPartnerId };
}
