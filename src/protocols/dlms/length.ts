import type { ByteReader, ByteWriter } from '../bytes.js';
import { CodecError } from '../errors.js';

/**
 * A-XDR length (IEC 61334-6, as used by IEC 62056-5-3): one byte below 0x80, else 0x8N followed by N
 * big-endian length bytes. We accept N = 1..4; 0x80 (indefinite) and longer forms are malformed.
 */
export function readAxdrLength(r: ByteReader, what = 'length'): number {
  const at = r.offset;
  const first = r.u8(what);
  if (first < 0x80) return first;
  const n = first & 0x7f;
  if (n === 0 || n > 4) throw new CodecError('CODEC_MALFORMED', r.layer, `${what}: length form 0x${first.toString(16)} is not allowed`, at);
  let len = 0;
  for (let i = 0; i < n; i++) len = len * 256 + r.u8(what);
  return len;
}

/** Shortest A-XDR length form of n. */
export function writeAxdrLength(w: ByteWriter, n: number): ByteWriter {
  if (n < 0x80) return w.u8(n);
  if (n <= 0xff) return w.u8(0x81).u8(n);
  if (n <= 0xffff) return w.u8(0x82).u16be(n);
  if (n <= 0xffffff) return w.u8(0x83).u8(n >>> 16).u16be(n & 0xffff);
  return w.u8(0x84).u32be(n);
}
