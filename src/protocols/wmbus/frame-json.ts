import type { MeterAddress } from './address.js';
import type { AflHeader } from './afl.js';
import type { EllHeader } from './ell.js';
import { JsonBytes, type JsonPiece, jsonPiece } from './json-bytes.js';
import type { LinkHeader } from './link.js';
import type { WmbusTelegram } from './pipeline.js';
import { ObisTexts, ReadingFields, readingFieldsOf, readingsMedium } from './readings.js';
import type { Reading } from '../reading.js';
import type { WmbusFrame } from './session.js';
import type { TplHeader } from './tpl.js';

/** Where the text of one variable field of a telegram lies in its JSON (recorded for json-plan.ts). */
export interface JsonSpan {
  /** 'value' / 'raw' of reading `index`, or the TPL access number. */
  readonly what: 'value' | 'raw' | 'access';
  readonly index: number;
  readonly start: number;
  readonly end: number;
}

/**
 * The JSON text of a decoded wM-Bus frame, exactly as `JSON.stringify` writes it (same keys, same order,
 * absent and undefined fields left out), without its generic walk over every property: the frame's
 * shapes are known here. Key order follows the object literals of `toDecodedFrame`, `recordToReading`
 * and the layer decoders; the equivalence is tested over real telegrams (frame-json.test.ts).
 * The text is written as bytes into the writer's reused buffer (json-bytes.ts) and made a string once.
 * A writer keeps the pieces that repeat from telegram to telegram; a session owns one (no globals).
 * Not re-entrant: one text at a time (its methods are synchronous).
 */
export class WmbusJsonWriter {
  readonly out = new JsonBytes();
  private readonly fields = new ReadingFields();
  private readonly pieces = new PieceCache();
  /** When set, `telegram` records here where each reading value, raw text and the access number lie. */
  spans: JsonSpan[] | undefined = undefined;

  /** The OBIS code texts this writer keeps, to lend to the decoder for the readings it makes. */
  get obisTexts(): ObisTexts {
    return this.pieces.obis;
  }

  frame(f: WmbusFrame): string {
    const o = this.out;
    const c = this.pieces;
    o.reset();
    const m = f.meter;
    o.piece(meterHead(c, m.id, m.manufacturer, m.medium, m.version));
    o.piece(securityHead(c, f.security, f.verdict));
    const rs = f.readings;
    for (let i = 0; i < rs.length; i++) {
      if (i > 0) o.byte(COMMA);
      reading(o, c, rs[i]!, 0, 0, undefined, i);
    }
    const { link, ell, afl, tpl } = f.layers;
    frameTail(o, c, f.warnings, link, ell, afl, tpl, undefined);
    // A character beyond latin1 (text from a meter, rare): the generic writer, whose text this must equal anyway.
    return o.wide() ? JSON.stringify(f) : o.text();
  }

  /**
   * The text `frame` gives for the frame of a decoded telegram, written from the telegram itself: its
   * readings are worked out record by record into one reused object (`readingFieldsOf`) instead of being made.
   * `t` may come without readings (decoded with `readings: false`). Undefined when the text holds a character
   * beyond latin1: the caller then makes the frame and writes it with `frame`.
   */
  telegram(t: WmbusTelegram): string | undefined {
    const o = this.out;
    const c = this.pieces;
    const spans = this.spans;
    o.reset();
    const m = t.meter;
    o.piece(meterHead(c, m.id, m.manufacturer, m.medium, m.version));
    o.piece(securityHead(c, t.security, t.verdict));
    const rs = t.records;
    if (rs.length > 0) {
      const a = readingsMedium(rs, m.deviceType);
      for (let i = 0; i < rs.length; i++) {
        if (i > 0) o.byte(COMMA);
        const f = readingFieldsOf(rs[i]!, a, this.fields, c.obis);
        reading(o, c, f, f.places, f.unscaled, spans, i);
      }
    }
    frameTail(o, c, t.warnings, t.link, t.ell, t.afl, t.tpl, spans);
    return o.wide() ? undefined : o.text();
  }
}

/** `writer.frame(f)`, with a writer of its own when none is given. */
export const wmbusFrameJson = (f: WmbusFrame, writer: WmbusJsonWriter = new WmbusJsonWriter()): string => writer.frame(f);

// --- internal ---

/*
 * The pieces of a frame that repeat from telegram to telegram (meter head, reading heads, units, address, link
 * and TPL fields) are written once and kept as bytes. The caches are bounded, since quantities and units of
 * text VIFs come from the meter.
 */
const MAX_CACHED = 512;

class PieceCache {
  readonly meterHeads = new Map<string, MeterHead>();
  readonly securityHeads = new Map<string, Map<string, JsonPiece>>();
  readonly headsByQuantity = new Map<string, JsonPiece>();
  readonly headsByObis = new Map<string, Map<string, JsonPiece>>();
  readonly unitParts = new Map<string, JsonPiece>();
  readonly unitTails = new Map<string, JsonPiece>();
  readonly addressTexts = new Map<string, AddressText>();
  readonly linkTexts = new Map<string, LinkText>();
  readonly tplTails = new Map<number, TplTail>();
  /** OBIS code texts, also lent to the decoder for the readings it makes. */
  readonly obis = new ObisTexts();
}

/** What follows the readings: warnings and layers. */
function frameTail(
  o: JsonBytes,
  c: PieceCache,
  warnings: readonly string[],
  l: LinkHeader,
  ell: EllHeader | undefined,
  afl: AflHeader | undefined,
  tpl: TplHeader | undefined,
  spans: JsonSpan[] | undefined,
): void {
  o.piece(K_WARNINGS);
  strings(o, warnings);
  o.piece(K_LAYERS);
  link(o, c, l);
  if (ell !== undefined) ellJson(o, c, ell);
  if (afl !== undefined) aflJson(o, afl);
  if (tpl !== undefined) tplJson(o, c, tpl, spans);
  o.piece(CLOSE_2);
}

const COMMA = 0x2c;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const CLOSE_BRACE = 0x7d;
const QUOTE = 0x22;

// Keys with the punctuation around them, as bytes once.
const K_WARNINGS = jsonPiece('],"warnings":');
const K_LAYERS = jsonPiece(',"layers":{"link":');
const CLOSE_2 = jsonPiece('}}');
const QUOTE_CLOSE = jsonPiece('"}');

/**
 * `{"protocol":"wmbus","meter":{...}` of a meter: the same in every telegram of it, so the bytes are kept per
 * id while its fields stay the same.
 */
function meterHead(c: PieceCache, id: string | undefined, manufacturer: string | undefined, medium: string | undefined, version: number | undefined): JsonPiece {
  const meterHeads = c.meterHeads;
  const seen = id === undefined ? undefined : meterHeads.get(id);
  if (seen !== undefined && seen.manufacturer === manufacturer && seen.medium === medium && seen.version === version) return seen.piece;
  // The meter object of `toDecodedFrame`, whose JSON leaves undefined fields out.
  const piece = jsonPiece(`{"protocol":"wmbus","meter":${JSON.stringify({ id, manufacturer, medium, version })}`);
  if (id !== undefined && (seen !== undefined || meterHeads.size < MAX_CACHED)) meterHeads.set(id, { manufacturer, medium, version, piece });
  return piece;
}

interface MeterHead {
  readonly manufacturer: string | undefined;
  readonly medium: string | undefined;
  readonly version: number | undefined;
  readonly piece: JsonPiece;
}

/** `,"security":...,"verdict":...,"readings":[`: a few combinations, each made once. */
function securityHead(c: PieceCache, security: string, verdict: string): JsonPiece {
  const securityHeads = c.securityHeads;
  let byVerdict = securityHeads.get(security);
  if (byVerdict === undefined) {
    byVerdict = new Map();
    if (securityHeads.size < MAX_CACHED) securityHeads.set(security, byVerdict);
  }
  let piece = byVerdict.get(verdict);
  if (piece === undefined) {
    piece = jsonPiece(`,"security":${quoted(security)},"verdict":${quoted(verdict)},"readings":[`);
    if (byVerdict.size < MAX_CACHED) byVerdict.set(verdict, piece);
  }
  return piece;
}

function strings(o: JsonBytes, a: readonly string[]): void {
  o.byte(OPEN_BRACKET);
  for (let i = 0; i < a.length; i++) {
    if (i > 0) o.byte(COMMA);
    o.string(a[i]!);
  }
  o.byte(CLOSE_BRACKET);
}

/**
 * Key order of `recordToReading`: obis, quantity, value, unit, storage, tariff, subunit, function, raw (it sets
 * no others). `places` > 0: the value is `unscaled` x 10^-places and is written from the integer's digits.
 */
function reading(o: JsonBytes, c: PieceCache, r: Reading, places: number, unscaled: number, spans: JsonSpan[] | undefined, index: number): void {
  o.piece(readingHead(c, r.obis, r.quantity));
  const v = r.value;
  const valueAt = o.length;
  if (typeof v === 'number') {
    // A scaled integer is written from its digits (`places` > 0: v is unscaled x 10^-places).
    if (places > 0) o.decimal(unscaled, places, v);
    else o.number(v);
  }
  else if (typeof v === 'string') o.string(v);
  else if (v === null) o.piece(NULL);
  else o.boolean(v);
  if (spans !== undefined) spans.push({ what: 'value', index, start: valueAt, end: o.length });
  if (r.storage === 0 && r.tariff === 0 && r.subunit === undefined && r.function === undefined && r.raw === undefined) {
    // The usual tail (unit, current value, no tariff), as one piece.
    o.piece(r.unit === undefined ? CURRENT_TAIL : cached(c.unitTails, r.unit, unitTail));
    return;
  }
  if (r.unit !== undefined) o.piece(cached(c.unitParts, r.unit, unitPart));
  if (r.storage !== undefined) {
    o.piece(K_STORAGE);
    o.number(r.storage);
  }
  if (r.tariff !== undefined) {
    o.piece(K_TARIFF);
    o.number(r.tariff);
  }
  if (r.subunit !== undefined) {
    o.piece(K_SUBUNIT);
    o.number(r.subunit);
  }
  if (r.function !== undefined) {
    o.piece(K_FUNCTION);
    o.ascii(r.function);
    o.byte(QUOTE);
  }
  if (r.raw !== undefined) {
    o.piece(K_RAW);
    const rawAt = o.length;
    o.ascii(r.raw);
    if (spans !== undefined) spans.push({ what: 'raw', index, start: rawAt, end: o.length });
    o.piece(QUOTE_CLOSE);
    return;
  }
  o.byte(CLOSE_BRACE);
}

const NULL = jsonPiece('null');
const CURRENT_TAIL = jsonPiece(',"storage":0,"tariff":0}');
const K_STORAGE = jsonPiece(',"storage":');
const K_TARIFF = jsonPiece(',"tariff":');
const K_SUBUNIT = jsonPiece(',"subunit":');
const K_FUNCTION = jsonPiece(',"function":"');
const K_RAW = jsonPiece(',"raw":"');

/** JSON.stringify's quoting of one string, for pieces made once. */
const quoted = (s: string): string => JSON.stringify(s);


function cached(cache: Map<string, JsonPiece>, key: string, make: (key: string) => string): JsonPiece {
  let piece = cache.get(key);
  if (piece === undefined) {
    piece = jsonPiece(make(key));
    if (cache.size < MAX_CACHED) cache.set(key, piece);
  }
  return piece;
}

const unitPart = (unit: string): string => `,"unit":${quoted(unit)}`;
const unitTail = (unit: string): string => `,"unit":${quoted(unit)},"storage":0,"tariff":0}`;
const plainHead = (quantity: string): string => `{"quantity":${quoted(quantity)},"value":`;

function readingHead(c: PieceCache, obis: string | undefined, quantity: string): JsonPiece {
  if (obis === undefined) return cached(c.headsByQuantity, quantity, plainHead);
  const headsByObis = c.headsByObis;
  let byQuantity = headsByObis.get(obis);
  if (byQuantity === undefined) {
    byQuantity = new Map();
    if (headsByObis.size < MAX_CACHED) headsByObis.set(obis, byQuantity);
  }
  let piece = byQuantity.get(quantity);
  if (piece === undefined) {
    piece = jsonPiece(`{"obis":${quoted(obis)},"quantity":${quoted(quantity)},"value":`);
    if (byQuantity.size < MAX_CACHED) byQuantity.set(quantity, piece);
  }
  return piece;
}

/** The fields of an address block, in the order of `readAddressMFirst` / `readAddressIdFirst`. */
function addressFields(c: PieceCache, a: MeterAddress): JsonPiece {
  // A meter sends the same address in every telegram: its text is kept per id while the fields stay the same.
  const addressTexts = c.addressTexts;
  const seen = addressTexts.get(a.id);
  if (
    seen !== undefined &&
    seen.manufacturerId === a.manufacturerId &&
    seen.version === a.version &&
    seen.deviceType === a.deviceType &&
    seen.manufacturer === a.manufacturer &&
    seen.medium === a.medium
  ) {
    return seen.piece;
  }
  const piece = jsonPiece(
    `"manufacturer":${quoted(a.manufacturer)},"manufacturerId":${JSON.stringify(a.manufacturerId)},"id":${quoted(a.id)},"version":${JSON.stringify(a.version)},"deviceType":${JSON.stringify(a.deviceType)},"medium":${quoted(a.medium)}`,
  );
  if (seen !== undefined || addressTexts.size < MAX_CACHED) {
    addressTexts.set(a.id, { manufacturer: a.manufacturer, manufacturerId: a.manufacturerId, version: a.version, deviceType: a.deviceType, medium: a.medium, piece });
  }
  return piece;
}

interface AddressText {
  readonly manufacturer: string;
  readonly manufacturerId: number;
  readonly version: number;
  readonly deviceType: number;
  readonly medium: string;
  readonly piece: JsonPiece;
}

/** The link header: the same in every telegram of a meter, kept per id while its fields stay the same. */
function link(o: JsonBytes, c: PieceCache, l: LinkHeader): void {
  const address = addressFields(c, l);
  const linkTexts = c.linkTexts;
  const seen = linkTexts.get(l.id);
  if (
    seen !== undefined &&
    seen.address === address &&
    seen.lField === l.lField &&
    seen.control === l.control &&
    seen.controlName === l.controlName &&
    seen.dllCrc === l.dllCrc
  ) {
    o.piece(seen.piece);
    return;
  }
  const piece = jsonPiece(
    `{"kind":"link","lField":${JSON.stringify(l.lField)},"control":${JSON.stringify(l.control)},"controlName":${quoted(l.controlName)},"dllCrc":${quoted(l.dllCrc)},${latin1Of(address)}}`,
  );
  if (seen !== undefined || linkTexts.size < MAX_CACHED) {
    linkTexts.set(l.id, { address, lField: l.lField, control: l.control, controlName: l.controlName, dllCrc: l.dllCrc, piece });
  }
  o.piece(piece);
}

interface LinkText {
  readonly address: JsonPiece;
  readonly lField: number;
  readonly control: number;
  readonly controlName: string;
  readonly dllCrc: string;
  readonly piece: JsonPiece;
}

/** A piece's text again (to build a larger piece from it). */
const latin1Of = (p: JsonPiece): string => Buffer.from(p.bytes.buffer, p.bytes.byteOffset, p.bytes.length).toString('latin1');


function ellJson(o: JsonBytes, c: PieceCache, e: EllHeader): void {
  o.piece(K_ELL_CI);
  o.number(e.ci);
  o.piece(K_ELL_TYPE);
  o.ascii(e.type);
  o.piece(K_ELL_CC);
  o.number(e.cc);
  o.piece(K_ACCESS_NUMBER);
  o.number(e.accessNumber);
  if (e.destination !== undefined) {
    o.piece(K_DESTINATION);
    o.piece(addressFields(c, e.destination));
    o.byte(CLOSE_BRACE);
  }
  if (e.sessionNumber !== undefined) {
    o.piece(K_SESSION_NUMBER);
    o.number(e.sessionNumber);
  }
  o.piece(K_ENCRYPTION);
  o.ascii(e.encryption);
  o.byte(QUOTE);
  if (e.payloadCrc !== undefined) {
    o.piece(K_PAYLOAD_CRC);
    o.number(e.payloadCrc);
  }
  o.byte(CLOSE_BRACE);
}

const K_ELL_CI = jsonPiece(',"ell":{"kind":"ell","ci":');
const K_ELL_TYPE = jsonPiece(',"type":"');
const K_ELL_CC = jsonPiece('","cc":');
const K_ACCESS_NUMBER = jsonPiece(',"accessNumber":');
const K_DESTINATION = jsonPiece(',"destination":{');
const K_SESSION_NUMBER = jsonPiece(',"sessionNumber":');
const K_ENCRYPTION = jsonPiece(',"encryption":"');
const K_PAYLOAD_CRC = jsonPiece(',"payloadCrc":');

function aflJson(o: JsonBytes, a: AflHeader): void {
  o.piece(K_AFL_CI);
  o.number(a.ci);
  o.piece(K_AFL_LENGTH);
  o.number(a.length);
  o.piece(K_FRAGMENT_CONTROL);
  o.number(a.fragmentControl);
  o.piece(K_FRAGMENT_ID);
  o.number(a.fragmentId);
  o.piece(K_MORE_FRAGMENTS);
  o.boolean(a.moreFragments);
  if (a.messageControl !== undefined) {
    o.piece(K_MESSAGE_CONTROL);
    o.number(a.messageControl);
  }
  if (a.authType !== undefined) {
    o.piece(K_AUTH_TYPE);
    o.string(a.authType);
  }
  if (a.keyInfo !== undefined) {
    o.piece(K_KEY_INFO);
    o.number(a.keyInfo);
  }
  if (a.messageCounter !== undefined) {
    o.piece(K_MESSAGE_COUNTER);
    o.number(a.messageCounter);
  }
  if (a.mac !== undefined) {
    o.piece(K_MAC);
    o.ascii(a.mac);
    o.byte(QUOTE);
  }
  if (a.messageLength !== undefined) {
    o.piece(K_MESSAGE_LENGTH);
    o.number(a.messageLength);
  }
  o.byte(CLOSE_BRACE);
}

const K_AFL_CI = jsonPiece(',"afl":{"kind":"afl","ci":');
const K_AFL_LENGTH = jsonPiece(',"length":');
const K_FRAGMENT_CONTROL = jsonPiece(',"fragmentControl":');
const K_FRAGMENT_ID = jsonPiece(',"fragmentId":');
const K_MORE_FRAGMENTS = jsonPiece(',"moreFragments":');
const K_MESSAGE_CONTROL = jsonPiece(',"messageControl":');
const K_AUTH_TYPE = jsonPiece(',"authType":');
const K_KEY_INFO = jsonPiece(',"keyInfo":');
const K_MESSAGE_COUNTER = jsonPiece(',"messageCounter":');
const K_MAC = jsonPiece(',"mac":"');
const K_MESSAGE_LENGTH = jsonPiece(',"messageLength":');

function tplJson(o: JsonBytes, c: PieceCache, t: TplHeader, spans: JsonSpan[] | undefined): void {
  o.piece(K_TPL_CI);
  o.number(t.ci);
  o.piece(K_TPL_HEADER);
  o.ascii(t.header);
  o.piece(K_TPL_PAYLOAD);
  o.ascii(t.payload);
  o.byte(QUOTE);
  if (t.meter !== undefined) {
    o.piece(K_TPL_METER);
    o.piece(addressFields(c, t.meter));
    o.byte(CLOSE_BRACE);
  }
  if (t.accessNumber !== undefined) {
    o.piece(K_ACCESS_NUMBER);
    const at = o.length;
    o.number(t.accessNumber);
    if (spans !== undefined) spans.push({ what: 'access', index: 0, start: at, end: o.length });
  }
  o.piece(tplTail(c, t));
}

const K_TPL_CI = jsonPiece(',"tpl":{"kind":"tpl","ci":');
const K_TPL_HEADER = jsonPiece(',"header":"');
const K_TPL_PAYLOAD = jsonPiece('","payload":"');
const K_TPL_METER = jsonPiece(',"meter":{');

/**
 * The TPL fields after the access number: a meter repeats them (same status, same configuration word) from
 * telegram to telegram, so the bytes are kept per status and configuration and reused while every field is the same.
 */
function tplTail(c: PieceCache, t: TplHeader): JsonPiece {
  const tplTails = c.tplTails;
  // Status, configuration word and its extension make the rest; the comparison below still checks every field.
  const key = ((t.configuration ?? 0x1ffff) * 256 + (t.status ?? 0)) * 512 + (t.configurationExtension ?? 0x100);
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
    return seen.piece;
  }
  const n = (v: number): string => JSON.stringify(v);
  let s = '';
  if (t.status !== undefined) s += `,"status":${n(t.status)}`;
  if (t.statusText !== undefined) s += `,"statusText":${JSON.stringify(t.statusText)}`;
  if (t.configuration !== undefined) s += `,"configuration":${n(t.configuration)}`;
  if (t.configurationExtension !== undefined) s += `,"configurationExtension":${n(t.configurationExtension)}`;
  s += `,"securityMode":${n(t.securityMode)},"encryptedBlocks":${n(t.encryptedBlocks)}`;
  if (t.bidirectional !== undefined) s += `,"bidirectional":${t.bidirectional}`;
  if (t.accessibility !== undefined) s += `,"accessibility":${t.accessibility}`;
  if (t.synchronous !== undefined) s += `,"synchronous":${t.synchronous}`;
  s += '}';
  const piece = jsonPiece(s);
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
      piece,
    });
  }
  return piece;
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
  readonly piece: JsonPiece;
}

