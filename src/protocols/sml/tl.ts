/**
 * SML's type-length encoding (SML 1.04 clause 6.3): each value starts with a TL byte
 *   bit 7 more TL bytes follow | bits 6-4 type | bits 3-0 length
 * continued by TL bytes 0 000 llll; the length counts the TL bytes too, except for lists where it is the
 * number of elements. 0x01 is "optional value absent", 0x00 ends a message.
 */
import type { ByteReader } from '../bytes.js';
import { CodecError } from '../errors.js';

/** TL type field values (SML 1.04 table 6.3.1). */
export const TL_TYPE = {
  octetString: 0b000, // 0x0_
  boolean: 0b100, // 0x4_
  integer: 0b101, // 0x5_
  unsigned: 0b110, // 0x6_
  list: 0b111, // 0x7_
} as const;

/** The "optional value absent" TL byte and the end-of-message byte. */
export const TL_ABSENT = 0x01;
export const TL_END_OF_MESSAGE = 0x00;

/** Deeper lists than this are an attack or garbage, not SML (real files nest about 6 deep). */
const MAX_DEPTH = 32;
/** TL fields longer than this would announce more bytes than any SML file has. */
const MAX_TL_BYTES = 4;

export type SmlNode =
  | { readonly kind: 'absent' }
  | { readonly kind: 'octets'; readonly bytes: Uint8Array }
  | { readonly kind: 'bool'; readonly value: boolean }
  /** Integers up to 6 bytes as numbers, 7-8 bytes as bigints (a double cannot hold them exactly). */
  | { readonly kind: 'int'; readonly value: number | bigint; readonly size: number }
  | { readonly kind: 'uint'; readonly value: number | bigint; readonly size: number }
  | { readonly kind: 'list'; readonly items: readonly SmlNode[] };

export const ABSENT: SmlNode = { kind: 'absent' };

function readUnsigned(r: ByteReader, n: number): number | bigint {
  if (n <= 6) {
    let v = 0;
    for (let i = 0; i < n; i++) v = v * 256 + r.u8('integer');
    return v;
  }
  let v = 0n;
  for (let i = 0; i < n; i++) v = (v << 8n) | BigInt(r.u8('integer'));
  return v;
}

function readSigned(r: ByteReader, n: number): number | bigint {
  const u = readUnsigned(r, n);
  if (typeof u === 'number') return u >= 2 ** (8 * n - 1) ? u - 2 ** (8 * n) : u;
  return BigInt.asIntN(8 * n, u);
}

/** Read one value (recursively for lists). Throws CodecError CODEC_TRUNCATED / CODEC_MALFORMED. */
export function readSmlNode(r: ByteReader, depth = 0): SmlNode {
  const at = r.offset;
  let tl = r.u8('TL field');
  if (tl === TL_END_OF_MESSAGE) throw new CodecError('CODEC_MALFORMED', 'sml', 'end of message (00) where a value was expected', at);
  if (tl === TL_ABSENT) return ABSENT;
  const type = (tl >> 4) & 0x07;
  let length = tl & 0x0f;
  let tlBytes = 1;
  while (tl & 0x80) {
    tl = r.u8('TL continuation');
    if ((tl & 0x70) !== 0 || ++tlBytes > MAX_TL_BYTES) throw new CodecError('CODEC_MALFORMED', 'sml', 'bad TL continuation byte', r.offset - 1);
    length = (length << 4) | (tl & 0x0f);
  }
  if (type === TL_TYPE.list) {
    if (depth >= MAX_DEPTH) throw new CodecError('CODEC_MALFORMED', 'sml', `lists nested deeper than ${MAX_DEPTH}`, at);
    // Every element takes at least one byte: a count beyond what is left is a length lie, not a long wait.
    if (length > r.remaining) throw new CodecError('CODEC_TRUNCATED', 'sml', `list of ${length} elements with ${r.remaining} bytes left`, at);
    const items: SmlNode[] = new Array(length);
    for (let i = 0; i < length; i++) items[i] = readSmlNode(r, depth + 1);
    return { kind: 'list', items };
  }
  const n = length - tlBytes;
  if (n < 0) throw new CodecError('CODEC_MALFORMED', 'sml', `length ${length} is shorter than its own TL field`, at);
  switch (type) {
    case TL_TYPE.octetString:
      return { kind: 'octets', bytes: r.bytesView(n, 'octet string') };
    case TL_TYPE.boolean:
      if (n !== 1) throw new CodecError('CODEC_MALFORMED', 'sml', `boolean of ${n} bytes`, at);
      return { kind: 'bool', value: r.u8('boolean') !== 0 };
    case TL_TYPE.integer:
    case TL_TYPE.unsigned:
      if (n < 1 || n > 8) throw new CodecError('CODEC_MALFORMED', 'sml', `integer of ${n} bytes (1..8 allowed)`, at);
      return type === TL_TYPE.integer ? { kind: 'int', value: readSigned(r, n), size: n } : { kind: 'uint', value: readUnsigned(r, n), size: n };
    default:
      throw new CodecError('CODEC_MALFORMED', 'sml', `unknown TL type ${type.toString(2).padStart(3, '0')}`, at);
  }
}
