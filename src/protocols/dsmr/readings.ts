/**
 * From the text layer to meaning: readings with OBIS ids, numbers and units, M-Bus devices grouped by
 * channel, the power failure event log, e-MUCS maximum demand history, the text message.
 */
import type { Reading } from '../reading.js';
import { MBUS_DEVICE_TYPE, dsmrQuantity } from './quantities.js';
import type { DsmrObject, DsmrTelegram, DsmrValue } from './telegram.js';
import { type DsmrTimestamp, looksLikeTimestamp, parseDsmrTimestamp } from './timestamp.js';

/** A device on an M-Bus channel (0-n:24.x, 0-n:96.1.x), n = 1..4. */
export interface MbusDevice {
  readonly channel: number;
  /** 0-n:24.1.0 as a number (3 gas, 4 heat, 7 water ...). */
  readonly deviceType?: number;
  readonly medium?: string;
  /** 0-n:96.1.0 / 0-n:96.1.1 as sent (hex-encoded text on DSMR 4+); null when sent empty. */
  readonly equipmentId?: string | null;
  /** 0-n:24.4.0 (gas valve, DSMR 2.2-4 and e-MUCS). */
  readonly valvePosition?: number;
  /** Last meter reading: 0-n:24.2.x (or the 24.3.0 profile of DSMR 2.2/3). */
  readonly reading?: { readonly obis: string; readonly value: DsmrValue; readonly capturedAt?: DsmrTimestamp };
}

/** One entry of the power failure event log 1-0:99.97.0. */
export interface PowerFailure {
  /** End of the failure as sent, and in UTC when it is a valid timestamp. */
  readonly endRaw: string | null;
  readonly end?: string;
  readonly durationSeconds: number | null;
}

/** One month of the e-MUCS maximum demand history 0-0:98.1.0. */
export interface MaxDemandEntry {
  readonly obis: string;
  /** Start of the month the maximum belongs to, and the time it occurred (UTC). */
  readonly period?: string;
  readonly at?: string;
  readonly value: number | null;
  readonly unit?: string;
}

export interface DsmrContent {
  /** P1 version: 1-3:0.2.8 ("50") or the Belgian 0-0:96.1.4 ("50217"). */
  readonly version?: string;
  /** Main meter equipment id, decoded from hex when it is printable text. */
  readonly equipmentId?: string;
  /** 0-0:1.0.0 in UTC. */
  readonly timestamp?: string;
  /** 0-0:96.13.0 decoded from hex. */
  readonly textMessage?: string;
  readonly mbus: readonly MbusDevice[];
  readonly powerFailures: readonly PowerFailure[];
  readonly maxDemand: readonly MaxDemandEntry[];
  readonly readings: readonly Reading[];
  readonly warnings: readonly string[];
}

/** "000123.456kWh": a number with its unit glued on (some e-MUCS meters forget the '*'). */
const GLUED_UNIT_RE = /^(-?\d+(?:\.\d+)?)([A-Za-z][A-Za-z0-9]*)$/;
const OBIS_TEXT_RE = /^\d{1,3}-\d{1,3}:\d{1,3}\.\d{1,3}\.\d{1,3}$/;
/** Longer digit strings are identifiers, not quantities: a double would round them. */
const MAX_NUMERIC_DIGITS = 15;

/** Objects whose value is an identifier or text, never a number. */
/** Ids and messages: kept as text, never read as numbers. */
function isTextObject(o: DsmrObject): boolean {
  return isHexTextObject(o) || isPlainTextObject(o);
}

/** Equipment ids (96.1.x), text messages (96.13.x) and the logical device name (0-0:42.0.0) come hex-encoded. */
function isHexTextObject(o: DsmrObject): boolean {
  const [a, , c, d] = o.code;
  return (c === 96 && (d === 1 || d === 13)) || (a === 0 && c === 42 && d === 0);
}

/** The version (0.2.8, e.g. "50") and the DSMR 2.2 id (0.0.0) are plain text: "50" must not become "P". */
function isPlainTextObject(o: DsmrObject): boolean {
  const [, , c, d, e] = o.code;
  return c === 0 && ((d === 0 && e === 0) || (d === 2 && e === 8));
}

function nibble(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  return -1;
}

/** Hex-encoded text (equipment ids, text messages) decoded when every byte is printable; else undefined. */
export function decodeHexText(hex: string): string | undefined {
  if (hex.length === 0 || hex.length % 2 !== 0) return undefined;
  const codes: number[] = [];
  for (let i = 0; i < hex.length; i += 2) {
    const hi = nibble(hex.charCodeAt(i));
    const lo = nibble(hex.charCodeAt(i + 1));
    if (hi < 0 || lo < 0) return undefined;
    const b = (hi << 4) | lo;
    if ((b < 0x20 || b > 0x7e) && b !== 0x0a && b !== 0x0d && b !== 0x09) return undefined;
    codes.push(b);
  }
  return String.fromCharCode(...codes);
}

/** "-?digits[.digits]" with at most MAX_NUMERIC_DIGITS digits as a number; anything else null. */
function toNumber(text: string | null): number | null {
  if (text === null) return null;
  let digits = 0;
  let dot = false;
  for (let i = text.charCodeAt(0) === 0x2d ? 1 : 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0x30 && c <= 0x39) digits++;
    else if (c === 0x2e && !dot && digits > 0 && i + 1 < text.length) dot = true;
    else return null;
  }
  return digits > 0 && digits <= MAX_NUMERIC_DIGITS ? Number(text) : null;
}

class Builder {
  readonly readings: Reading[] = [];
  readonly warnings: string[] = [];
  readonly devices = new Map<number, { channel: number; deviceType?: number; medium?: string; equipmentId?: string | null; valvePosition?: number; reading?: MbusDevice['reading'] }>();
  readonly powerFailures: PowerFailure[] = [];
  readonly maxDemand: MaxDemandEntry[] = [];
  gluedUnitWarned = false;

  timestamp(v: DsmrValue | undefined, what: string): DsmrTimestamp | undefined {
    if (v === undefined || v.text === null) return undefined;
    const ts = parseDsmrTimestamp(v.text);
    if (ts === undefined) this.warnings.push(`${what}: "${v.text}" is not a valid timestamp`);
    return ts;
  }

  device(channel: number): NonNullable<ReturnType<Builder['devices']['get']>> {
    let d = this.devices.get(channel);
    if (d === undefined) {
      d = { channel };
      this.devices.set(channel, d);
    }
    return d;
  }

  /** Fill in value and unit: numbers for quantities, text for ids. */
  value(o: DsmrObject, v: DsmrValue, r: Mutable<Reading>): void {
    if (v.unit) r.unit = v.unit;
    if (v.text === null) {
      r.value = null;
      return;
    }
    if (isHexTextObject(o)) {
      r.value = decodeHexText(v.text) ?? v.text;
      return;
    }
    if (isPlainTextObject(o)) {
      r.value = v.text;
      return;
    }
    const n = toNumber(v.text);
    if (n !== null) {
      r.value = n;
      return;
    }
    const glued = v.unit === undefined ? GLUED_UNIT_RE.exec(v.text) : null;
    if (glued !== null) {
      if (!this.gluedUnitWarned) this.warnings.push(`units are written without the "*" separator (${o.id}(${v.text}))`);
      this.gluedUnitWarned = true;
      r.value = Number(glued[1]);
      r.unit = glued[2]!;
      return;
    }
    r.value = v.text;
  }

  push(o: DsmrObject, v: DsmrValue, timestamp?: string, extra?: Partial<Reading>): void {
    // Built field by field rather than with spreads: this runs once per line.
    const r: Mutable<Reading> = { obis: o.obis, quantity: dsmrQuantity(o.code), value: null };
    this.value(o, v, r);
    if (o.code[0] === 0 && o.code[1] > 0) r.channel = o.code[1];
    if (timestamp !== undefined) r.timestamp = timestamp;
    if (extra !== undefined) Object.assign(r, extra);
    this.readings.push(r);
  }

  /** 1-0:99.97.0(n)(0-0:96.7.19)(end)(duration*s)...: the power failure event log. */
  powerFailureLog(o: DsmrObject): void {
    const entries = o.values.slice(2);
    for (let i = 0; i + 1 < entries.length; i += 2) {
      const endValue = entries[i]!;
      const ts = this.timestamp(endValue, `${o.id} entry ${i / 2 + 1}`);
      const duration = toNumber(entries[i + 1]!.text);
      this.powerFailures.push({ endRaw: endValue.text, ...(ts ? { end: ts.utc } : {}), durationSeconds: duration });
      this.readings.push({
        obis: '0-0:96.7.19',
        quantity: 'power failure duration',
        value: duration,
        unit: entries[i + 1]!.unit ?? 's',
        storage: i / 2 + 1,
        ...(ts ? { timestamp: ts.utc } : {}),
      });
    }
  }

  /**
   * A profile buffer "(n)(ref obis)...(entries)" such as e-MUCS 0-0:98.1.0(n)(1-0:1.6.0)(1-0:1.6.0)
   * followed by n x (month start)(time of maximum)(value*kW). Returns false when it is not that shape.
   */
  maxDemandHistory(o: DsmrObject): boolean {
    const count = toNumber(o.values[0]?.text ?? null);
    if (count === null) return false;
    let refs = 1;
    while (refs < o.values.length && OBIS_TEXT_RE.test(o.values[refs]!.text ?? '')) refs++;
    const rest = o.values.length - refs;
    if (refs === 1 || (count > 0 ? rest !== count * 3 : rest !== 0)) return false;
    const ref = o.values[1]!.text!;
    for (let i = 0; i < count; i++) {
      const [periodV, atV, valueV] = [o.values[refs + 3 * i]!, o.values[refs + 3 * i + 1]!, o.values[refs + 3 * i + 2]!];
      const period = this.timestamp(periodV, `${o.id} entry ${i + 1}`);
      const at = this.timestamp(atV, `${o.id} entry ${i + 1}`);
      const value = toNumber(valueV.text);
      this.maxDemand.push({ obis: ref, ...(period ? { period: period.utc } : {}), ...(at ? { at: at.utc } : {}), value, ...(valueV.unit ? { unit: valueV.unit } : {}) });
      this.readings.push({
        obis: ref,
        quantity: 'maximum demand',
        function: 'maximum',
        value,
        ...(valueV.unit ? { unit: valueV.unit } : {}),
        storage: i + 1,
        ...(at ? { timestamp: at.utc } : {}),
      });
    }
    return true;
  }

  mbus(o: DsmrObject, channel: number): void {
    const [, , c, d] = o.code;
    const first = o.values[0];
    const dev = this.device(channel);
    if (c === 24 && d === 1 && first) {
      const t = toNumber(first.text);
      if (t !== null) {
        dev.deviceType = t;
        const medium = MBUS_DEVICE_TYPE[t];
        if (medium !== undefined) dev.medium = medium;
      }
    } else if (c === 96 && d === 1 && first) dev.equipmentId = first.text;
    else if (c === 24 && d === 4 && first) {
      const v = toNumber(first.text);
      if (v !== null) dev.valvePosition = v;
    }
  }

  object(o: DsmrObject, telegramTime: string | undefined): void {
    const [a, b, c, d] = o.code;
    const vs = o.values;
    const channel = a === 0 && b > 0 ? b : undefined;
    if (channel !== undefined) this.mbus(o, channel);
    if (vs.length === 0) return;
    if (c === 99 && d === 97) {
      this.powerFailureLog(o);
      return;
    }
    if (c === 98 && d === 1 && this.maxDemandHistory(o)) return;
    if (c === 24 && d === 3 && vs.length >= 7) {
      // DSMR 2.2/3 gas profile: (capture time)(status)(period)(n)(obis of the value)(unit) CR LF (value).
      const ts = this.timestamp(vs[0], o.id);
      const valueObis = OBIS_TEXT_RE.test(vs[4]!.text ?? '') ? vs[4]!.text! : o.obis;
      const unit = vs[5]!.text ?? undefined;
      const value: DsmrValue = { text: vs[vs.length - 1]!.text, ...(unit ? { unit } : {}) };
      this.push({ ...o, obis: valueObis }, value, ts?.utc);
      if (channel !== undefined) this.device(channel).reading = { obis: valueObis, value, ...(ts ? { capturedAt: ts } : {}) };
      return;
    }
    if (vs.length === 2 && looksLikeTimestamp(vs[0]!.text)) {
      // Timestamped value: M-Bus readings 0-n:24.2.x, e-MUCS maximum demand 1-0:1.6.0.
      const ts = this.timestamp(vs[0], o.id);
      this.push(o, vs[1]!, ts?.utc, c === 1 && d === 6 ? { function: 'maximum' } : undefined);
      if (channel !== undefined && c === 24) this.device(channel).reading = { obis: o.obis, value: vs[1]!, ...(ts ? { capturedAt: ts } : {}) };
      return;
    }
    if (vs.length === 1) {
      const v = vs[0]!;
      if (a === 0 && c === 1 && d === 0 && v.text !== null) {
        const utc = telegramTime !== undefined && o.obis === TIME_OBIS ? telegramTime : this.timestamp(v, o.id)?.utc;
        this.readings.push({ obis: o.obis, quantity: 'date time', value: utc ?? v.text });
        return;
      }
      this.push(o, v, channel === undefined && !isTextObject(o) ? telegramTime : undefined);
      return;
    }
    // Any other list of values (e.g. E.ON 0-0:98.1.0 billing snapshot): one reading per value, in order.
    const stamped = looksLikeTimestamp(vs[0]!.text);
    const ts = stamped ? this.timestamp(vs[0], o.id) : undefined;
    const values = stamped ? vs.slice(1) : vs;
    for (const [i, v] of values.entries()) this.push(o, v, ts?.utc, { storage: i + 1 });
  }
}

const firstText = (o: DsmrObject | undefined): string | undefined => o?.values[0]?.text ?? undefined;

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** Interpret a parsed telegram. Never throws: what cannot be understood becomes a warning or a text reading. */
/** Objects that say who the meter is, by OBIS, in order of preference. */
const ID_OBIS = ['0-0:96.1.1', '0-0:96.1.0', '0-0:42.0.0', '0-0:96.1.255', '1-0:0.0.0'];
const VERSION_OBIS = ['1-3:0.2.8', '0-0:96.1.4'];
const TIME_OBIS = '0-0:1.0.0';
const MESSAGE_OBIS = '0-0:96.13.0';

export function interpretTelegram(t: DsmrTelegram): DsmrContent {
  const b = new Builder();
  // One pass to find the objects the telegram-level fields come from (the first of each wins).
  const byObis = new Map<string, DsmrObject>();
  for (const o of t.objects) {
    switch (o.obis) {
      case TIME_OBIS:
      case MESSAGE_OBIS:
      case ID_OBIS[0]:
      case ID_OBIS[1]:
      case ID_OBIS[2]:
      case ID_OBIS[3]:
      case ID_OBIS[4]:
      case VERSION_OBIS[0]:
      case VERSION_OBIS[1]:
        if (!byObis.has(o.obis)) byObis.set(o.obis, o);
    }
  }
  const pick = (ids: readonly string[]): string | undefined => {
    for (const id of ids) {
      const o = byObis.get(id);
      if (o !== undefined) return firstText(o);
    }
    return undefined;
  };
  const timeText = firstText(byObis.get(TIME_OBIS));
  const time = timeText !== undefined ? parseDsmrTimestamp(timeText)?.utc : undefined;
  for (const o of t.objects) b.object(o, time);

  const idText = pick(ID_OBIS);
  const version = pick(VERSION_OBIS);
  const message = firstText(byObis.get(MESSAGE_OBIS));
  const mbus: MbusDevice[] = [...b.devices.values()].sort((x, y) => x.channel - y.channel);
  return {
    ...(version !== undefined ? { version } : {}),
    ...(idText !== undefined ? { equipmentId: decodeHexText(idText) ?? idText } : {}),
    ...(time !== undefined ? { timestamp: time } : {}),
    ...(message !== undefined ? { textMessage: decodeHexText(message) ?? message } : {}),
    mbus,
    powerFailures: b.powerFailures,
    maxDemand: b.maxDemand,
    readings: b.readings,
    warnings: b.warnings,
  };
}
