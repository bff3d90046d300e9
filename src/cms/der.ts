/**
 * DER plumbing of the CMS layer. The inner structures are written with @peculiar/asn1-cms; reading, and the
 * outer layers that carry large octet strings and certificates, use these helpers, because the schema
 * library decodes every OCTET STRING and ANY as nested BER again and costs more than the ECDH of a message
 * (see bench/cms.ts). Certificates are carried byte for byte. Every read failure is CMS_MALFORMED.
 */
import { CmsError } from './errors.js';

/** Universal and context tags we meet (X.690 §8, RFC 5652 module). */
export const TAG = {
  integer: 0x02,
  bitString: 0x03,
  octetString: 0x04,
  oid: 0x06,
  utf8String: 0x0c,
  utcTime: 0x17,
  generalizedTime: 0x18,
  sequence: 0x30,
  set: 0x31,
  /** [0] IMPLICIT primitive (an OCTET STRING under [0], as subjectKeyIdentifier or encryptedContent) */
  context0: 0x80,
  /** [0] constructed (EXPLICIT, or IMPLICIT SET/SEQUENCE) */
  cons0: 0xa0,
  cons1: 0xa1,
  cons2: 0xa2,
} as const;

/** Runs a parse; any failure that is not a CmsError becomes CMS_MALFORMED naming `what`. */
export function parseOr<T>(parse: () => T, what: string): T {
  try {
    return parse();
  } catch (e) {
    if (e instanceof CmsError) throw e;
    throw new CmsError('CMS_MALFORMED', `${what} does not parse`, { cause: e });
  }
}

/** One DER TLV: tag byte, where it starts, where its content starts and where it ends. */
export interface Tlv {
  readonly tag: number;
  readonly start: number;
  readonly contentStart: number;
  readonly end: number;
}

/** Reads the TLV at `offset` (definite lengths only, as DER has); CMS_MALFORMED when it runs past `limit`. */
export function readTlv(b: Uint8Array, offset: number, limit = b.length): Tlv {
  const tag = b[offset];
  const first = b[offset + 1];
  if (tag === undefined || first === undefined || offset + 2 > limit || (tag & 0x1f) === 0x1f) throw new CmsError('CMS_MALFORMED', `no DER element at offset ${offset}`);
  let length = first;
  let contentStart = offset + 2;
  if (first & 0x80) {
    const n = first & 0x7f;
    if (n === 0 || n > 4) throw new CmsError('CMS_MALFORMED', `unsupported DER length form at offset ${offset}`);
    length = 0;
    for (let i = 0; i < n; i++) {
      const x = b[contentStart + i];
      if (x === undefined) throw new CmsError('CMS_MALFORMED', `DER length runs past the end at offset ${offset}`);
      length = length * 256 + x;
    }
    contentStart += n;
  }
  const end = contentStart + length;
  if (end > limit) throw new CmsError('CMS_MALFORMED', `DER element at offset ${offset} runs past its container`);
  return { tag, start: offset, contentStart, end };
}

/** The TLVs directly inside a constructed TLV. */
export function childrenOf(b: Uint8Array, parent: Tlv): Tlv[] {
  if ((parent.tag & 0x20) === 0) throw new CmsError('CMS_MALFORMED', `DER element at offset ${parent.start} is not constructed`);
  const out: Tlv[] = [];
  for (let at = parent.contentStart; at < parent.end; ) {
    const t = readTlv(b, at, parent.end);
    out.push(t);
    at = t.end;
  }
  return out;
}

/** The one top-level element of `b`, which must fill it exactly and carry `tag`. */
export function topLevel(b: Uint8Array, tag: number, what: string): Tlv {
  const t = readTlv(b, 0);
  if (t.tag !== tag || t.end !== b.length) throw new CmsError('CMS_MALFORMED', `${what} is not one DER element with tag 0x${tag.toString(16)}`);
  return t;
}

/** `t` when it has `tag`; CMS_MALFORMED naming `what` otherwise. */
export function expectTag(t: Tlv | undefined, tag: number, what: string): Tlv {
  if (t?.tag !== tag) throw new CmsError('CMS_MALFORMED', `${what}: expected tag 0x${tag.toString(16)}, found ${t === undefined ? 'nothing' : `0x${t.tag.toString(16)}`}`);
  return t;
}

export const contentOf = (b: Uint8Array, t: Tlv): Uint8Array => b.subarray(t.contentStart, t.end);
export const wholeOf = (b: Uint8Array, t: Tlv): Uint8Array => b.subarray(t.start, t.end);

/** Dotted form of an OBJECT IDENTIFIER TLV (X.690 §8.19); arcs of any size (2.25 UUID arcs need BigInt). */
export function oidOf(b: Uint8Array, t: Tlv | undefined, what: string): string {
  const c = contentOf(b, expectTag(t, TAG.oid, what));
  if (c.length === 0 || (c[c.length - 1]! & 0x80) !== 0) throw new CmsError('CMS_MALFORMED', `${what}: truncated OBJECT IDENTIFIER`);
  const arcs: bigint[] = [];
  let v = 0n;
  for (const byte of c) {
    v = (v << 7n) | BigInt(byte & 0x7f);
    if ((byte & 0x80) === 0) {
      arcs.push(v);
      v = 0n;
    }
  }
  const first = arcs[0]!;
  const head = first < 40n ? [0n, first] : first < 80n ? [1n, first - 40n] : [2n, first - 80n];
  return [...head, ...arcs.slice(1)].join('.');
}

/** UTCTime (years 1950-2049) or GeneralizedTime in DER form (RFC 5280 §4.1.2.5: Z, seconds, no fraction in UTCTime). */
export function timeOf(b: Uint8Array, t: Tlv, what: string): Date {
  const s = Buffer.from(contentOf(b, t)).toString('latin1');
  const m =
    t.tag === TAG.utcTime ? /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(s) : t.tag === TAG.generalizedTime ? /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\.\d+)?Z$/.exec(s) : null;
  if (m === null) throw new CmsError('CMS_MALFORMED', `${what} is not a DER UTCTime or GeneralizedTime`);
  const n = (i: number) => Number(m[i]);
  const year = t.tag === TAG.utcTime ? (n(1) < 50 ? 2000 + n(1) : 1900 + n(1)) : n(1);
  const ms = m[7] === undefined ? 0 : Math.round(Number(m[7]) * 1000);
  const d = new Date(Date.UTC(year, n(2) - 1, n(3), n(4), n(5), n(6), ms));
  if (Number.isNaN(d.getTime()) || d.getUTCMonth() !== n(2) - 1 || d.getUTCDate() !== n(3)) throw new CmsError('CMS_MALFORMED', `${what} is not a valid date`);
  return d;
}

/** A DER element from a tag and content parts (X.690 §8.1.3 length forms). */
export function derElement(tag: number, ...parts: readonly Uint8Array[]): Uint8Array {
  const body = Buffer.concat(parts);
  const n = body.length;
  let len: number[];
  if (n < 0x80) len = [n];
  else {
    len = [];
    for (let v = n; v > 0; v = Math.floor(v / 256)) len.unshift(v & 0xff);
    len.unshift(0x80 | len.length);
  }
  return new Uint8Array(Buffer.concat([Uint8Array.from([tag, ...len]), body]));
}

/** DER of an OBJECT IDENTIFIER in dotted form (X.690 §8.19). */
export function oidDer(oid: string): Uint8Array {
  const arcs = oid.split('.').map((a) => BigInt(a));
  const [x, y, ...rest] = arcs;
  if (x === undefined || y === undefined || x > 2n || (x < 2n && y >= 40n)) throw new CmsError('CMS_BAD_ARGUMENT', `${oid} is not an object identifier`);
  const out: number[] = [];
  for (const arc of [x * 40n + y, ...rest]) {
    const groups: number[] = [Number(arc & 0x7fn)];
    for (let v = arc >> 7n; v > 0n; v >>= 7n) groups.unshift(Number(v & 0x7fn) | 0x80);
    out.push(...groups);
  }
  return derElement(TAG.oid, Uint8Array.from(out));
}

/** ContentInfo ::= SEQUENCE { contentType OID, content [0] EXPLICIT } (RFC 5652 §3) around a content's DER. */
export function wrapContentInfo(contentType: string, content: Uint8Array): Uint8Array {
  return derElement(TAG.sequence, oidDer(contentType), derElement(TAG.cons0, content));
}

/** The type and DER of the content inside a ContentInfo ::= SEQUENCE { contentType OID, content [0] EXPLICIT ANY }. */
export function unwrapContentInfo(der: Uint8Array): { readonly contentType: string; readonly content: Uint8Array } {
  const [type, explicit, extra] = childrenOf(der, topLevel(der, TAG.sequence, 'the ContentInfo'));
  if (extra !== undefined) throw new CmsError('CMS_MALFORMED', 'the ContentInfo has extra fields');
  const wrapper = expectTag(explicit, TAG.cons0, 'the ContentInfo content');
  const inner = readTlv(der, wrapper.contentStart, wrapper.end);
  if (inner.end !== wrapper.end) throw new CmsError('CMS_MALFORMED', 'the ContentInfo content is not one element');
  return { contentType: oidOf(der, type, 'the content type'), content: wholeOf(der, inner) };
}

/** A standalone ArrayBuffer holding exactly these bytes (asn1-schema wants ArrayBuffer, not a view). */
export function toArrayBuffer(b: Uint8Array): ArrayBuffer {
  return b.byteOffset === 0 && b.byteLength === b.buffer.byteLength && b.buffer instanceof ArrayBuffer ? b.buffer : b.slice().buffer;
}
