import { CodecError } from '../errors.js';

/** An OBIS code (IEC 62056-61): six value groups A-B:C.D.E*F, each 0..255. */
export type ObisCode = readonly [a: number, b: number, c: number, d: number, e: number, f: number];

const OBIS_RE = /^(?:(\d{1,3})-(\d{1,3}):)?(\d{1,3})\.(\d{1,3})\.(\d{1,3})(?:[*&](\d{1,3}))?$/;

/** Parse "1-0:1.8.0", "1-0:1.8.0*255" or "0-1:24.2.1"; missing A-B default to 0-0 (DSMR short form), F to 255. */
export function parseObis(text: string): ObisCode {
  const m = OBIS_RE.exec(text.trim());
  if (m === null) throw new CodecError('CODEC_MALFORMED', 'obis', `not an OBIS code: ${JSON.stringify(text.slice(0, 32))}`);
  const g = [m[1] ?? '0', m[2] ?? '0', m[3]!, m[4]!, m[5]!, m[6] ?? '255'].map(Number);
  if (g.some((v) => v > 255)) throw new CodecError('CODEC_MALFORMED', 'obis', `OBIS value group above 255 in ${text}`);
  return g as unknown as ObisCode;
}

/** From the six raw bytes used by DLMS and SML. */
export function obisFromBytes(b: Uint8Array): ObisCode {
  if (b.length !== 6) throw new CodecError('CODEC_LENGTH_MISMATCH', 'obis', `OBIS code needs 6 bytes, got ${b.length}`);
  return [b[0]!, b[1]!, b[2]!, b[3]!, b[4]!, b[5]!];
}

/** "A-B:C.D.E" when F is 255 (the usual form), else "A-B:C.D.E*F". */
export function formatObis(o: ObisCode): string {
  const base = `${o[0]}-${o[1]}:${o[2]}.${o[3]}.${o[4]}`;
  return o[5] === 255 ? base : `${base}*${o[5]}`;
}
