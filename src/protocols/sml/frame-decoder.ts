/** The `decode` command's view of SML: one file (or bare message sequence) as hex per line. */
import { hexToBytes } from '../bytes.js';
import type { DecodeKeys, DecodeSession, FrameDecoder } from '../decoder.js';
import type { DecodedFrame } from '../reading.js';
import { decodeSml } from './decode.js';
import { smlReadings } from './readings.js';

const FILE_START_RE = /^\s*1B1B1B1B01010101/i;
const BARE_START_RE = /^\s*(76(0[2-9A-F])[0-9A-F]*)$/i;

/**
 * A file starts with the escape + start sequence. Bare messages start with 76 (list of 6), a transaction id
 * (octet string 0x02..0x0F) and then groupNo and abortOnError as unsigned8 (62 xx 62 xx); checking that far
 * keeps a wireless M-Bus frame of length 0x76 from passing for SML.
 */
function sniffSml(frame: string): boolean {
  if (FILE_START_RE.test(frame)) return true;
  const m = BARE_START_RE.exec(frame.trim());
  if (m === null) return false;
  const after = 2 + Number.parseInt(m[2]!, 16) * 2; // hex digits of 76 + the transaction id with its TL
  return /^62[0-9A-F]{2}62[0-9A-F]{2}/i.test(m[1]!.slice(after));
}

export function splitSml(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
}

function decodeFrame(frame: string, keys: DecodeKeys): DecodedFrame {
  const file = decodeSml(hexToBytes(frame));
  const content = smlReadings(file);
  const warnings = [...content.warnings];
  if (keys.key !== undefined) warnings.push('a key was given but SML files are not encrypted');
  return {
    protocol: 'sml',
    meter: content.serverId !== undefined ? { id: content.serverId } : {},
    security: 'none',
    verdict: 'plaintext',
    readings: content.readings,
    warnings,
    layers: {
      framing: file.framing,
      ...(file.crc !== undefined ? { crc: file.crc } : {}),
      messages: file.messages.map((m) => ({ kind: m.body.kind, transactionId: m.transactionId, crc: m.crc })),
    },
  };
}

export const smlFrameDecoder: FrameDecoder = {
  protocol: 'sml',
  split: splitSml,
  sniff: sniffSml,
  session: (keys: DecodeKeys): DecodeSession => ({ decode: (frame: string) => decodeFrame(frame, keys) }),
};
