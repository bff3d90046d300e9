import { createPrivateKey } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TlsCredentials, TlsTrust } from '../tls-profile.js';
import { type TestCredential, type TestPki, createTestPki } from './openssl-pki.js';

/** A fresh test PKI in a temporary folder, with helpers that turn its files into profile inputs. */
export interface WanFixture {
  readonly pki: TestPki;
  readonly trust: () => TlsTrust;
  readonly credentials: (c: TestCredential) => TlsCredentials;
  /** s_client arguments that present `c` as client certificate and trust our root. */
  readonly sClientAuth: (c?: TestCredential) => string[];
  readonly cleanup: () => void;
}

export function createWanFixture(): WanFixture {
  const dir = mkdtempSync(join(tmpdir(), 'gridwarden-wan-'));
  const pki = createTestPki(dir);
  return {
    pki,
    trust: () => ({ rootsPem: pki.rootsPem, crlsPem: pki.crlsPem }),
    credentials: (c) => ({ certPem: c.chainPem, key: { kind: 'key-object', key: createPrivateKey(c.keyPem) } }),
    sClientAuth: (c) => [
      // s_client offers no brainpool group by default; TLS 1.2 needs the server certificate's curve listed.
      '-groups',
      'brainpoolP256r1:brainpoolP384r1:prime256v1',
      '-CAfile',
      pki.rootFile,
      '-verify_return_error',
      ...(c === undefined ? [] : ['-cert', c.certFile, '-key', c.keyFile, '-cert_chain', c.issuerFile]),
    ],
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}
