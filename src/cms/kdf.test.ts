import 'reflect-metadata';
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { eccCmsSharedInfo, x963Kdf } from './kdf.js';

const hex = (s: string) => Uint8Array.from(Buffer.from(s, 'hex'));
const toHex = (b: Uint8Array) => Buffer.from(b).toString('hex');

describe('x963Kdf', () => {
  it('matches the NIST CAVS ANSI X9.63 KDF vector (SHA-256, |Z| 192 bits, no SharedInfo, 128-bit key)', () => {
    expect(toHex(x963Kdf('sha256', hex('96c05619d56c328ab95fe84b18264b08725b85e33fd34f08'), new Uint8Array(0), 16))).toBe('443024c3dae66b95e6f5670601558f71');
  });

  // OpenSSL's X963KDF (openssl kdf) as an independent peer, across block boundaries and hashes.
  it.each([
    ['SHA256', 'sha256', 40],
    ['SHA1', 'sha1', 16],
    ['SHA384', 'sha384', 60],
  ] as const)('agrees with openssl kdf X963KDF %s for %i bytes', (ossl, ours, len) => {
    const z = '5ed096510e3fcf782ceea98e9737993e2b21370f6cda2ab1';
    const info = '302030170609608648016503040105a2060404000000800a';
    const out = execFileSync('openssl', ['kdf', '-keylen', String(len), '-kdfopt', `digest:${ossl}`, '-kdfopt', `hexsecret:${z}`, '-kdfopt', `hexinfo:${info}`, 'X963KDF'])
      .toString()
      .replace(/[:\s]/g, '')
      .toLowerCase();
    expect(toHex(x963Kdf(ours, hex(z), hex(info), len))).toBe(out);
  });
});

describe('eccCmsSharedInfo', () => {
  it('encodes RFC 5753 §7.2 for id-aes128-wrap and a 128-bit KEK without ukm', () => {
    // keyInfo is the AlgorithmIdentifier { id-aes128-wrap } as sent; SEQUENCE { keyInfo, [2] { OCTET STRING 00000080 } }
    expect(toHex(eccCmsSharedInfo(hex('300b0609608648016503040105'), 16))).toBe('3015300b0609608648016503040105a206040400000080');
  });

  it('puts the ukm in entityUInfo [0]', () => {
    const der = eccCmsSharedInfo(hex('300b060960864801650304012d'), 32, hex('aabbcc'));
    expect(toHex(der)).toBe('301c300b060960864801650304012da0050403aabbcca206040400000100');
  });
});
