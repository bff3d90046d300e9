import type { DecodeKeys, FrameDecoder } from '../decoder.js';
import { LINK_CONTROL } from './link.js';
import { WmbusSession } from './session.js';

/**
 * The `decode` command's view of wireless M-Bus: one telegram per line, as plain hex, as rtl-wmbus output
 * (`T1;1;1;2019-02-09 07:14:18.000;97;148;12345678;0x<hex>`) or as a wmbusmeters log line (`telegram=|<hex>|`).
 */

const HEX_PREFIX = '0x';

/** The hex telegram of one input line, or undefined for blank and comment lines. */
function telegramOfLine(line: string): string | undefined {
  const t = line.trim();
  if (t === '' || t.startsWith('#')) return undefined;
  const bar = t.indexOf('|');
  if (bar >= 0) {
    const close = t.indexOf('|', bar + 1);
    return t.slice(bar + 1, close < 0 ? undefined : close).replaceAll('_', '');
  }
  if (t.includes(';')) {
    const field = t.split(';').find((f) => f.trim().toLowerCase().startsWith(HEX_PREFIX));
    return (field ?? t.split(';').at(-1) ?? '').trim().slice(field === undefined ? 0 : HEX_PREFIX.length);
  }
  return t.toLowerCase().startsWith(HEX_PREFIX) ? t.slice(HEX_PREFIX.length) : t;
}

const KNOWN_C = new Set(LINK_CONTROL.keys());

export const wmbusFrameDecoder: FrameDecoder = {
  protocol: 'wmbus',

  split(text: string): string[] {
    const out: string[] = [];
    for (const line of text.split(/\r?\n/)) {
      const t = telegramOfLine(line);
      if (t !== undefined) out.push(t);
    }
    return out;
  },

  sniff(frame: string): boolean {
    const hex = telegramOfLine(frame) ?? '';
    if (hex.length < 22 || hex.length % 2 !== 0 || !/^[0-9a-fA-F]+$/.test(hex)) return false;
    const l = Number.parseInt(hex.slice(0, 2), 16);
    const c = Number.parseInt(hex.slice(2, 4), 16);
    const n = hex.length / 2;
    // L within reach of the byte count (CRCs of frame A, a trailing RSSI byte) and a link-layer C field.
    return KNOWN_C.has(c) && l >= 10 && n >= l - 2 && n <= l + 1 + 2 * Math.ceil((l + 7) / 16) + 2;
  },

  session(keys: DecodeKeys): WmbusSession {
    return new WmbusSession({ keys });
  },
};
