/** From SML messages to the common reading model: OBIS, scaled value, unit, time. */
import { bytesToHex } from '../bytes.js';
import type { Reading, ReadingValue } from '../reading.js';
import type { SmlFile } from './decode.js';
import type { SmlTime, SmlValue } from './messages.js';
import { dlmsUnit } from './units.js';

/** Plain-words names of the OBIS ids electricity meters push over SML (C.D.E, then C.D). */
const QUANTITY: Readonly<Record<string, string>> = {
  '0.0.9': 'server id',
  '96.1.0': 'server id',
  '96.50.1': 'manufacturer',
  '96.5.0': 'status',
  '0.2.0': 'firmware version',
  '199.130.3': 'manufacturer',
  '199.130.5': 'public key',
  '1.8': 'energy import',
  '2.8': 'energy export',
  '1.7': 'power import',
  '2.7': 'power export',
  '16.7': 'power',
  '36.7': 'power L1',
  '56.7': 'power L2',
  '76.7': 'power L3',
  '32.7': 'voltage L1',
  '52.7': 'voltage L2',
  '72.7': 'voltage L3',
  '31.7': 'current L1',
  '51.7': 'current L2',
  '71.7': 'current L3',
  '14.7': 'frequency',
  '81.7': 'phase angle',
  '17.0': 'power',
};

const OBIS_RE = /^\d+-\d+:(\d+)\.(\d+)\.(\d+)/;

function quantity(obis: string): string {
  const m = OBIS_RE.exec(obis);
  if (m === null) return 'value';
  return QUANTITY[`${m[1]}.${m[2]}.${m[3]}`] ?? QUANTITY[`${m[1]}.${m[2]}`] ?? 'value';
}

/** Octet strings: text when every byte is printable ASCII, else hex. */
function octetText(b: Uint8Array): string {
  for (const x of b) if (x < 0x20 || x > 0x7e) return bytesToHex(b);
  return Buffer.from(b).toString('latin1');
}

/** raw x 10^scaler without binary rounding noise (4499896.2, not 4499896.2000000001). */
export function scaled(raw: number | bigint, scaler: number | undefined): number {
  if (scaler === undefined || scaler === 0) return Number(raw);
  return Number(`${raw}e${scaler}`);
}

const timeIso = (t: SmlTime | undefined): string | undefined => (t === undefined || t.kind === 'sec-index' ? undefined : t.utc);

function value(v: SmlValue, scaler: number | undefined): ReadingValue {
  switch (v.kind) {
    case 'absent':
      return null;
    case 'bool':
      return v.value;
    case 'octets':
      return octetText(v.bytes);
    case 'number':
      return scaled(v.value, scaler);
    case 'time':
      return v.time.kind === 'sec-index' ? v.time.value : v.time.utc;
  }
}

export interface SmlContent {
  /** serverId of the first list, hex. */
  readonly serverId?: string;
  readonly readings: readonly Reading[];
  readonly warnings: readonly string[];
}

export function smlReadings(file: SmlFile): SmlContent {
  const readings: Reading[] = [];
  const warnings: string[] = [];
  let serverId: string | undefined;
  for (const m of file.messages) {
    if (m.crc === 'mismatch') warnings.push(`CRC of the message at offset ${m.offset} does not match (accepted: ${file.framing === 'transport-v1' ? 'the file CRC verified' : 'lenient mode'})`);
    const b = m.body;
    if (b.kind === 'get-list-response') {
      serverId ??= b.serverId;
      const listTime = timeIso(b.actSensorTime);
      for (const e of b.entries) {
        const unit = dlmsUnit(e.unit);
        const ts = timeIso(e.valTime) ?? listTime;
        readings.push({ obis: e.obis, quantity: quantity(e.obis), value: value(e.value, e.scaler), ...(unit ? { unit } : {}), ...(ts ? { timestamp: ts } : {}) });
      }
    } else if (b.kind === 'get-profile-list-response') {
      serverId ??= b.serverId;
      const ts = timeIso(b.valTime) ?? timeIso(b.actTime);
      for (const p of b.periods) {
        const unit = dlmsUnit(p.unit);
        readings.push({ obis: p.obis, quantity: quantity(p.obis), value: value(p.value, p.scaler), ...(unit ? { unit } : {}), ...(ts ? { timestamp: ts } : {}) });
      }
    } else if (b.kind === 'attention-response') {
      warnings.push(`meter attention ${b.attentionNo}${b.message ? `: ${b.message}` : ''}`);
    }
  }
  if (file.crc === 'kermit') warnings.push('file CRC is the Kermit variant, not the X.25 that SML 1.04 specifies');
  return { ...(serverId !== undefined ? { serverId } : {}), readings, warnings };
}
