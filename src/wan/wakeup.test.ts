import { createPublicKey, verify } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hexToBytes } from '../protocols/bytes.js';
import { ecdsaDerToRaw } from './ecdsa-signature.js';
import { TlsProfileError } from './errors.js';
import { WAKEUP_MAX_BYTES, decodeWakeUp, encodeWakeUp, encodeWakeUpBody } from './wakeup.js';

// RFC 6979 A.2.5: P-256, SHA-256, message "sample".
const RFC6979 = {
  ux: '60FED4BA255A9D31C961EB74C6356D68C049B8923B61FA6CE669622E60F29FB6',
  uy: '7903FE1008B8BC99A41AE9E95628BC64F2F1B20C2D7E9F5177A3C294D4462299',
  r: 'EFD48B2AACB6A8FD1140DD9CD45E81D69D2C877B56AAF991C34D0EA84EAF3716',
  s: 'F7CB1C942D657C41D436C7A1B6E29F65F3E900DBB9AFF4064DC4AB2F843ACDA8',
};
const derOf = (r: string, s: string) => {
  const int = (h: string) => {
    const b = Buffer.from(h, 'hex');
    const v = b[0]! >= 0x80 ? Buffer.concat([Buffer.from([0]), b]) : b;
    return Buffer.concat([Buffer.from([0x02, v.length]), v]);
  };
  const body = Buffer.concat([int(r), int(s)]);
  return new Uint8Array(Buffer.concat([Buffer.from([0x30, body.length]), body]));
};

describe('ecdsaDerToRaw', () => {
  it('turns the RFC 6979 A.2.5 signature into r || s that node verifies', () => {
    const raw = ecdsaDerToRaw(derOf(RFC6979.r, RFC6979.s), 32);
    expect(Buffer.from(raw).toString('hex').toUpperCase()).toBe(RFC6979.r + RFC6979.s);
    const key = createPublicKey({ key: { kty: 'EC', crv: 'P-256', x: Buffer.from(RFC6979.ux, 'hex').toString('base64url'), y: Buffer.from(RFC6979.uy, 'hex').toString('base64url') }, format: 'jwk' });
    expect(verify('sha256', Buffer.from('sample'), { key, dsaEncoding: 'ieee-p1363' }, raw)).toBe(true);
  });

  it('left-pads short integers', () => {
    const raw = ecdsaDerToRaw(hexToBytes('3006 020101 020102'), 32);
    expect(raw[31]).toBe(1);
    expect(raw[63]).toBe(2);
    expect(raw.subarray(0, 31).every((b) => b === 0)).toBe(true);
  });

  it.each([
    ['not a SEQUENCE', '3106020101020102'],
    ['trailing byte', '300602010102010200'],
    ['SEQUENCE length lie', '3007020101020102'],
    ['negative r', '3006020181020102'],
    ['r wider than the curve', `3025022101${'11'.repeat(32)}020102`],
    ['truncated', '30060201'],
  ])("refuses %s with 'WAN_WAKEUP_SIGNER'", (_n, hex) => {
    expect(() => ecdsaDerToRaw(hexToBytes(hex), 32)).toThrow(expect.objectContaining({ code: 'WAN_WAKEUP_SIGNER' }));
  });
});

describe('wake-up datagram layout', () => {
  // version 01 | idLen 0E | "EDEF0123456789" | 1795000000 = 0x6AFD_86C0 as u64 BE | r || s
  const id = 'EDEF0123456789';
  const body = '010E4544454630313233343536373839000000006AFD86C0';

  it('encodes the documented layout', () => {
    expect(Buffer.from(encodeWakeUpBody(id, 1795000000n)).toString('hex').toUpperCase()).toBe(body);
  });

  it('decodes what it encodes, the signed part being everything before the signature', () => {
    const sig = new Uint8Array(64).fill(0xab);
    const w = decodeWakeUp(encodeWakeUp(hexToBytes(body), sig));
    expect(w).toMatchObject({ kind: 'wake-up', version: 1, gatewayId: id, timestamp: 1795000000n });
    expect(Buffer.from(w.signed).toString('hex').toUpperCase()).toBe(body);
    expect(w.signature).toEqual(sig);
  });

  it.each([
    ['empty', '', 'WAN_WAKEUP_MALFORMED'],
    ['truncated signature', `${body}${'00'.repeat(63)}`, 'WAN_WAKEUP_MALFORMED'],
    ['extra byte', `${body}${'00'.repeat(65)}`, 'WAN_WAKEUP_MALFORMED'],
    ['unknown version', `02${body.slice(2)}${'00'.repeat(64)}`, 'WAN_WAKEUP_VERSION'],
    ['empty id', `0100000000006AFD86C0${'00'.repeat(64)}`, 'WAN_WAKEUP_MALFORMED'],
    ['id with a space', `010241200000000069FDB7C0${'00'.repeat(64)}`, 'WAN_WAKEUP_MALFORMED'],
    ['oversized', '01'.repeat(WAKEUP_MAX_BYTES + 1), 'WAN_WAKEUP_MALFORMED'],
  ])('refuses %s', (_n, hex, code) => {
    const bytes = hex === '' ? new Uint8Array(0) : hexToBytes(hex);
    expect(() => decodeWakeUp(bytes)).toThrow(expect.objectContaining({ code }));
  });

  it('refuses ids the layout cannot carry', () => {
    expect(() => encodeWakeUpBody('x'.repeat(256), 1n)).toThrow(expect.objectContaining({ code: 'WAN_WAKEUP_MALFORMED' }));
    expect(() => encodeWakeUpBody('', 1n)).toThrow(expect.objectContaining({ code: 'WAN_WAKEUP_MALFORMED' }));
  });

  it('only ever throws TlsProfileError on mutated datagrams (bit flips, truncation, length lies)', () => {
    const valid = encodeWakeUp(hexToBytes(body), new Uint8Array(64).fill(7));
    const mutated = fc.oneof(
      fc.tuple(fc.nat(valid.length * 8 - 1)).map(([bit]) => {
        const m = valid.slice();
        m[bit >> 3]! ^= 1 << (bit & 7);
        return m;
      }),
      fc.nat(valid.length).map((n) => valid.slice(0, n)),
      fc.integer({ min: 0, max: 255 }).map((len) => {
        const m = valid.slice();
        m[1] = len;
        return m;
      }),
      fc.uint8Array({ maxLength: WAKEUP_MAX_BYTES + 8 }),
    );
    fc.assert(
      fc.property(mutated, (m) => {
        try {
          const w = decodeWakeUp(m);
          expect(w.signed.length + w.signature.length).toBe(m.length);
        } catch (e) {
          expect(e).toBeInstanceOf(TlsProfileError);
        }
      }),
      { numRuns: 2000 },
    );
  });
});
