import type { SecurityModule } from '../crypto/security-module.js';
import { certToPem, crlToPem, openPkiDir } from '../pki/index.js';
import type { TlsCredentials, TlsTrust } from './tls-profile.js';

export interface PartyTls {
  readonly name: string;
  readonly credentials: TlsCredentials;
  readonly trust: TlsTrust;
}

/**
 * A party's TLS certificate (with its sub-CA), its key handle from the security module, and the folder's
 * trust anchors, sub-CAs and CRLs: everything the TLS profile needs, from one PKI folder.
 */
export async function partyTlsFromPkiDir(dir: string, name: string, sm: SecurityModule): Promise<PartyTls> {
  const pki = await openPkiDir(dir, sm);
  const party = await pki.party(name);
  return {
    name,
    credentials: {
      certPem: [party.tls.cert, ...party.tls.chain].map(certToPem).join(''),
      key: await sm.tlsKeyOptions(party.tls.keyLabel),
    },
    trust: {
      rootsPem: pki.roots.map(certToPem).join(''),
      crlsPem: pki.crls.map(crlToPem),
      intermediatesPem: pki.intermediates.map(certToPem).join(''),
    },
  };
}
