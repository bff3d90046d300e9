import { PkiError } from './errors.js';

/** One DER TLV: where its whole encoding and its contents sit in the buffer. */
export interface Tlv {
  readonly tag: number;
  readonly start: number;
  readonly contentStart: number;
  readonly end: number;
}

const SEQUENCE = 0x30; // X.690 8.9, constructed
const INTEGER = 0x02; // X.690 8.3
const BIT_STRING = 0x03; // X.690 8.6

/** Reads the TLV at `offset` (single-byte tags, definite lengths as DER requires). */
export function readTlv(bytes: Uint8Array, offset: number): Tlv {
  const tag = bytes[offset];
  let lenByte = bytes[offset + 1];
  if (tag === undefined || lenByte === undefined) throw new PkiError('PKI_PARSE', `DER ends inside a header at ${offset}`);
  let p = offset + 2;
  let length = lenByte;
  if (lenByte & 0x80) {
    const n = lenByte & 0x7f;
    if (n === 0 || n > 4) throw new PkiError('PKI_PARSE', `DER length form not allowed at ${offset}`);
    length = 0;
    for (let i = 0; i < n; i++) {
      lenByte = bytes[p++];
      if (lenByte === undefined) throw new PkiError('PKI_PARSE', `DER ends inside a length at ${offset}`);
      length = length * 256 + lenByte;
    }
  }
  const end = p + length;
  if (end > bytes.length) throw new PkiError('PKI_PARSE', `DER element at ${offset} runs past the end`);
  return { tag, start: offset, contentStart: p, end };
}

/** The child TLVs of a constructed element. */
export function children(bytes: Uint8Array, parent: Tlv): Tlv[] {
  const out: Tlv[] = [];
  for (let p = parent.contentStart; p < parent.end; ) {
    const t = readTlv(bytes, p);
    out.push(t);
    p = t.end;
  }
  return out;
}

/**
 * The signed part and the signature of a certificate or CRL (RFC 5280 4.1 / 5.1: SEQUENCE { tbs, algorithm,
 * BIT STRING signature }): the exact tbs bytes, so verification never depends on re-encoding.
 */
export function splitSigned(der: Uint8Array): { readonly tbs: Uint8Array; readonly algorithm: Uint8Array; readonly signature: Uint8Array } {
  const outer = readTlv(der, 0);
  if (outer.tag !== SEQUENCE || outer.end !== der.length) throw new PkiError('PKI_PARSE', 'signed object is not one DER SEQUENCE');
  const [tbs, alg, sig] = children(der, outer);
  if (tbs === undefined || alg === undefined || sig === undefined || tbs.tag !== SEQUENCE || sig.tag !== BIT_STRING || der[sig.contentStart] !== 0) {
    throw new PkiError('PKI_PARSE', 'signed object lacks tbs, algorithm or signature');
  }
  return { tbs: der.subarray(tbs.start, tbs.end), algorithm: der.subarray(alg.start, alg.end), signature: der.subarray(sig.contentStart + 1, sig.end) };
}

/**
 * DER AlgorithmIdentifier of the ECDSA signature algorithms (RFC 5758 3.2, parameters absent) to node:crypto
 * hash names: 1.2.840.10045.4.3.2 / .3 / .4.
 */
export const ECDSA_ALGORITHM_HASH: Readonly<Record<string, 'sha256' | 'sha384' | 'sha512'>> = {
  '300a06082a8648ce3d040302': 'sha256', // ecdsa-with-SHA256
  '300a06082a8648ce3d040303': 'sha384', // ecdsa-with-SHA384
  '300a06082a8648ce3d040304': 'sha512', // ecdsa-with-SHA512
};

/** ECDSA-Sig-Value (RFC 5480 / X9.62: SEQUENCE { r INTEGER, s INTEGER }) to the raw r || s WebCrypto uses. */
export function ecdsaDerToRaw(der: Uint8Array, fieldBytes: number): Uint8Array {
  const seq = readTlv(der, 0);
  const [r, s] = seq.tag === SEQUENCE ? children(der, seq) : [];
  if (r === undefined || s === undefined || r.tag !== INTEGER || s.tag !== INTEGER) throw new PkiError('PKI_PARSE', 'ECDSA signature is not SEQUENCE { r, s }');
  const out = new Uint8Array(2 * fieldBytes);
  for (const [i, t] of [r, s].entries()) {
    let v = der.subarray(t.contentStart, t.end);
    while (v.length > fieldBytes && v[0] === 0) v = v.subarray(1);
    if (v.length > fieldBytes) throw new PkiError('PKI_PARSE', 'ECDSA signature value is longer than the curve allows');
    out.set(v, (i + 1) * fieldBytes - v.length);
  }
  return out;
}
