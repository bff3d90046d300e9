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
  let o = r.obis === undefined ? '{"quantity":' : `{"obis":${plain(r.obis)},"quantity":`;
  const v = r.value;
  o += `${str(r.quantity)},"value":${typeof v === 'number' ? num(v) : typeof v === 'string' ? str(v) : v === null ? 'null' : bool(v)}`;
  if (r.unit !== undefined) o += `,"unit":${str(r.unit)}`;
  if (r.storage !== undefined) o += `,"storage":${num(r.storage)}`;
  if (r.tariff !== undefined) o += `,"tariff":${num(r.tariff)}`;
  if (r.subunit !== undefined) o += `,"subunit":${num(r.subunit)}`;
  if (r.function !== undefined) o += `,"function":${plain(r.function)}`;
  if (r.raw !== undefined) o += `,"raw":${plain(r.raw)}`;
  return `${o}}`;
}

/** The fields of an address block, in the order of `readAddressMFirst` / `readAddressIdFirst`. */
const addressFields = (a: MeterAddress): string =>
  `"manufacturer":${str(a.manufacturer)},"manufacturerId":${num(a.manufacturerId)},"id":${plain(a.id)},"version":${num(a.version)},"deviceType":${num(a.deviceType)},"medium":${str(a.medium)}`;

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
  if (t.status !== undefined) o += `,"status":${num(t.status)}`;
  if (t.statusText !== undefined) o += `,"statusText":${strings(t.statusText)}`;
  if (t.configuration !== undefined) o += `,"configuration":${num(t.configuration)}`;
  if (t.configurationExtension !== undefined) o += `,"configurationExtension":${num(t.configurationExtension)}`;
  o += `,"securityMode":${num(t.securityMode)},"encryptedBlocks":${num(t.encryptedBlocks)}`;
  if (t.bidirectional !== undefined) o += `,"bidirectional":${bool(t.bidirectional)}`;
  if (t.accessibility !== undefined) o += `,"accessibility":${bool(t.accessibility)}`;
  if (t.synchronous !== undefined) o += `,"synchronous":${bool(t.synchronous)}`;
  return `${o}}`;
}
