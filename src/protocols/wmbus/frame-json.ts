import type { MeterAddress } from './address.js';
import type { AflHeader } from './afl.js';
import type { EllHeader } from './ell.js';
import type { LinkHeader } from './link.js';
import type { Reading } from '../reading.js';
import type { WmbusFrame } from './session.js';
import type { TplHeader } from './tpl.js';

/**
 * The JSON text of a decoded wM-Bus frame, exactly as `JSON.stringify` writes it (same keys, same order,
 * absent and undefined fields left out), without its generic walk over every property: the frame's
 * shapes are known here. Key order follows the object literals of `toDecodedFrame`, `recordToReading`
 * and the layer decoders; the equivalence is tested over real telegrams (frame-json.test.ts).
 */
export function wmbusFrameJson(f: WmbusFrame): string {
  const m = f.meter;
  let o = '{"protocol":"wmbus","meter":{';
  let sep = '';
  if (m.id !== undefined) {
    o += `"id":${str(m.id)}`;
    sep = ',';
  }
  if (m.manufacturer !== undefined) {
    o += `${sep}"manufacturer":${str(m.manufacturer)}`;
    sep = ',';
  }
  if (m.medium !== undefined) {
    o += `${sep}"medium":${str(m.medium)}`;
    sep = ',';
  }
  if (m.version !== undefined) o += `${sep}"version":${num(m.version)}`;
  o += `},"security":${plain(f.security)},"verdict":${plain(f.verdict)},"readings":[`;
  const rs = f.readings;
  for (let i = 0; i < rs.length; i++) {
    if (i > 0) o += ',';
    o += reading(rs[i]!);
  }
  o += `],"warnings":${strings(f.warnings)},"layers":{"link":${link(f.layers.link)}`;
  const { ell, afl, tpl } = f.layers;
  if (ell !== undefined) o += `,"ell":${ellJson(ell)}`;
  if (afl !== undefined) o += `,"afl":${aflJson(afl)}`;
  if (tpl !== undefined) o += `,"tpl":${tplJson(tpl)}`;
  return `${o}}}`;
}

// --- internal ---

/** A JSON string: quoted as is unless it holds what JSON.stringify escapes (quote, backslash, controls, surrogates). */
function str(s: string): string {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    // A plain loop beats a regex on these short strings.
    if (c < 0x20 || c === 0x22 || c === 0x5c || (c >= 0xd800 && c <= 0xdfff)) return JSON.stringify(s);
  }
  return `"${s}"`;
}

/** A string known to need no escaping (a member of a string-literal union, hex digits, an OBIS code). */
const plain = (s: string): string => `"${s}"`;
const num = (n: number): string => (Number.isFinite(n) ? `${n}` : 'null');
const bool = (b: boolean): string => (b ? 'true' : 'false');

function strings(a: readonly string[]): string {
  let o = '[';
  for (let i = 0; i < a.length; i++) o += i === 0 ? str(a[i]!) : `,${str(a[i]!)}`;
  return `${o}]`;
}

/** Key order of `recordToReading`: obis, quantity, value, unit, storage, tariff, subunit, function, raw (it sets no others). */
function reading(r: Reading): string {
  const v = r.value;
  let o = `${readingHead(r.obis, r.quantity)}${typeof v === 'number' ? num(v) : typeof v === 'string' ? str(v) : v === null ? 'null' : bool(v)}`;
  if (r.storage === 0 && r.tariff === 0 && r.subunit === undefined && r.function === undefined && r.raw === undefined) {
    // The usual tail (unit, current value, no tariff), as one piece.
    return `${o}${r.unit === undefined ? CURRENT_TAIL : cached(unitTails, r.unit, unitTail)}`;
  }
  if (r.unit !== undefined) o += cached(unitParts, r.unit, unitPart);
  if (r.storage !== undefined) o += `,"storage":${num(r.storage)}`;
  if (r.tariff !== undefined) o += `,"tariff":${num(r.tariff)}`;
  if (r.subunit !== undefined) o += `,"subunit":${num(r.subunit)}`;
  if (r.function !== undefined) o += `,"function":${plain(r.function)}`;
  if (r.raw !== undefined) o += `,"raw":${plain(r.raw)}`;
  return `${o}}`;
}

const CURRENT_TAIL = ',"storage":0,"tariff":0}';

/*
 * The pieces of a reading that repeat from telegram to telegram (OBIS code and quantity, unit) are written once
 * and kept: a kept piece is one flat string, where writing it anew adds several pieces for the reader to join.
 * The caches are bounded, since quantities and units of text VIFs come from the meter.
 */
const MAX_CACHED = 512;
const headsByQuantity = new Map<string, string>();
const headsByObis = new Map<string, Map<string, string>>();

function cached(cache: Map<string, string>, key: string, make: (key: string) => string): string {
  let text = cache.get(key);
  if (text === undefined) {
    text = make(key);
    if (cache.size < MAX_CACHED) cache.set(key, text);
  }
  return text;
}

const unitParts = new Map<string, string>();
const unitTails = new Map<string, string>();
const unitPart = (unit: string): string => `,"unit":${str(unit)}`;
const unitTail = (unit: string): string => `,"unit":${str(unit)}${CURRENT_TAIL}`;
const plainHead = (quantity: string): string => `{"quantity":${str(quantity)},"value":`;

function readingHead(obis: string | undefined, quantity: string): string {
  if (obis === undefined) return cached(headsByQuantity, quantity, plainHead);
  let byQuantity = headsByObis.get(obis);
  if (byQuantity === undefined) {
    byQuantity = new Map();
    if (headsByObis.size < MAX_CACHED) headsByObis.set(obis, byQuantity);
  }
  return cached(byQuantity, quantity, (q) => `{"obis":${plain(obis)},"quantity":${str(q)},"value":`);
}

/** The fields of an address block, in the order of `readAddressMFirst` / `readAddressIdFirst`. */
function addressFields(a: MeterAddress): string {
  // A meter sends the same address in every telegram: its text is kept per id while the fields stay the same.
  const seen = addressTexts.get(a.id);
  if (
    seen !== undefined &&
    seen.manufacturerId === a.manufacturerId &&
    seen.version === a.version &&
    seen.deviceType === a.deviceType &&
    seen.manufacturer === a.manufacturer &&
    seen.medium === a.medium
  ) {
    return seen.text;
  }
  const text = `"manufacturer":${str(a.manufacturer)},"manufacturerId":${num(a.manufacturerId)},"id":${plain(a.id)},"version":${num(a.version)},"deviceType":${num(a.deviceType)},"medium":${str(a.medium)}`;
  if (seen !== undefined || addressTexts.size < MAX_CACHED) {
    addressTexts.set(a.id, { manufacturer: a.manufacturer, manufacturerId: a.manufacturerId, version: a.version, deviceType: a.deviceType, medium: a.medium, text });
  }
  return text;
}

interface AddressText {
  readonly manufacturer: string;
  readonly manufacturerId: number;
  readonly version: number;
  readonly deviceType: number;
  readonly medium: string;
  readonly text: string;
}

const addressTexts = new Map<string, AddressText>();

const link = (l: LinkHeader): string =>
  `{"kind":"link","lField":${num(l.lField)},"control":${num(l.control)},"controlName":${str(l.controlName)},"dllCrc":${plain(l.dllCrc)},${addressFields(l)}}`;

function ellJson(e: EllHeader): string {
  let o = `{"kind":"ell","ci":${num(e.ci)},"type":${plain(e.type)},"cc":${num(e.cc)},"accessNumber":${num(e.accessNumber)}`;
  if (e.destination !== undefined) o += `,"destination":{${addressFields(e.destination)}}`;
  if (e.sessionNumber !== undefined) o += `,"sessionNumber":${num(e.sessionNumber)}`;
  o += `,"encryption":${plain(e.encryption)}`;
  if (e.payloadCrc !== undefined) o += `,"payloadCrc":${num(e.payloadCrc)}`;
  return `${o}}`;
}

function aflJson(a: AflHeader): string {
  let o = `{"kind":"afl","ci":${num(a.ci)},"length":${num(a.length)},"fragmentControl":${num(a.fragmentControl)},"fragmentId":${num(a.fragmentId)},"moreFragments":${bool(a.moreFragments)}`;
  if (a.messageControl !== undefined) o += `,"messageControl":${num(a.messageControl)}`;
  if (a.authType !== undefined) o += `,"authType":${str(a.authType)}`;
  if (a.keyInfo !== undefined) o += `,"keyInfo":${num(a.keyInfo)}`;
  if (a.messageCounter !== undefined) o += `,"messageCounter":${num(a.messageCounter)}`;
  if (a.mac !== undefined) o += `,"mac":${plain(a.mac)}`;
  if (a.messageLength !== undefined) o += `,"messageLength":${num(a.messageLength)}`;
  return `${o}}`;
}

function tplJson(t: TplHeader): string {
  let o = `{"kind":"tpl","ci":${num(t.ci)},"header":${plain(t.header)},"payload":${plain(t.payload)}`;
  if (t.meter !== undefined) o += `,"meter":{${addressFields(t.meter)}}`;
  if (t.accessNumber !== undefined) o += `,"accessNumber":${num(t.accessNumber)}`;
  return o + tplTail(t);
}

/**
 * The TPL fields after the access number: a meter repeats them (same status, same configuration word) from
 * telegram to telegram, so the text is kept per configuration word and reused while every field is the same.
 */
function tplTail(t: TplHeader): string {
  const key = t.configuration ?? -1;
  const seen = tplTails.get(key);
  if (
    seen !== undefined &&
    seen.status === t.status &&
    seen.statusText === t.statusText &&
    seen.configurationExtension === t.configurationExtension &&
    seen.securityMode === t.securityMode &&
    seen.encryptedBlocks === t.encryptedBlocks &&
    seen.bidirectional === t.bidirectional &&
    seen.accessibility === t.accessibility &&
    seen.synchronous === t.synchronous
  ) {
    return seen.text;
  }
  let o = '';
  if (t.status !== undefined) o += `,"status":${num(t.status)}`;
  if (t.statusText !== undefined) o += `,"statusText":${strings(t.statusText)}`;
  if (t.configuration !== undefined) o += `,"configuration":${num(t.configuration)}`;
  if (t.configurationExtension !== undefined) o += `,"configurationExtension":${num(t.configurationExtension)}`;
  o += `,"securityMode":${num(t.securityMode)},"encryptedBlocks":${num(t.encryptedBlocks)}`;
  if (t.bidirectional !== undefined) o += `,"bidirectional":${bool(t.bidirectional)}`;
  if (t.accessibility !== undefined) o += `,"accessibility":${bool(t.accessibility)}`;
  if (t.synchronous !== undefined) o += `,"synchronous":${bool(t.synchronous)}`;
  o += '}';
  if (seen !== undefined || tplTails.size < MAX_CACHED) {
    tplTails.set(key, {
      status: t.status,
      statusText: t.statusText,
      configurationExtension: t.configurationExtension,
      securityMode: t.securityMode,
      encryptedBlocks: t.encryptedBlocks,
      bidirectional: t.bidirectional,
      accessibility: t.accessibility,
      synchronous: t.synchronous,
      text: o,
    });
  }
  return o;
}

interface TplTail {
  readonly status: number | undefined;
  /** Compared by identity: the decoder hands out one array per status byte. */
  readonly statusText: readonly string[] | undefined;
  readonly configurationExtension: number | undefined;
  readonly securityMode: number;
  readonly encryptedBlocks: number;
  readonly bidirectional: boolean | undefined;
  readonly accessibility: boolean | undefined;
  readonly synchronous: boolean | undefined;
  readonly text: string;
}

const tplTails = new Map<number, TplTail>();
