/**
 * SML messages (SML 1.04 clause 5): SML_Message = list of 6
 *   transactionId, groupNo, abortOnError, messageBody (choice: tag + body), crc16, endOfSmlMsg (00)
 * and the response bodies a meter pushes: OpenResponse, GetListResponse, GetProfileListResponse,
 * AttentionResponse, CloseResponse.
 */
import { ByteReader, bytesToHex } from '../bytes.js';
import { CodecError } from '../errors.js';
import { formatObis, obisFromBytes } from '../obis/index.js';
import type { SmlCrcVariant } from './crc16.js';
import { matchCrc } from './crc16.js';
import { type SmlNode, TL_END_OF_MESSAGE, readSmlNode } from './tl.js';
import { crcError, isSevenBit } from './transport.js';

/** Message body tags (SML 1.04 table 5.1). */
export const SML_MESSAGE_TAG = {
  openRequest: 0x00000100,
  openResponse: 0x00000101,
  closeRequest: 0x00000200,
  closeResponse: 0x00000201,
  getProfilePackRequest: 0x00000300,
  getProfilePackResponse: 0x00000301,
  getProfileListRequest: 0x00000400,
  getProfileListResponse: 0x00000401,
  getProcParameterRequest: 0x00000500,
  getProcParameterResponse: 0x00000501,
  setProcParameterRequest: 0x00000600,
  getListRequest: 0x00000700,
  getListResponse: 0x00000701,
  attentionResponse: 0x0000ff01,
} as const;

/** SML_Time choice tags (SML 1.04 6.2.4). */
const TIME_TAG = { secIndex: 0x01, timestamp: 0x02, localTimestamp: 0x03 } as const;
/** The list of 6 that every message is. */
const TL_MESSAGE = 0x76;

export type SmlTime =
  | { readonly kind: 'sec-index'; readonly value: number }
  | { readonly kind: 'timestamp'; readonly utc: string }
  | { readonly kind: 'local-timestamp'; readonly utc: string; readonly localOffsetMinutes: number; readonly seasonOffsetMinutes: number };

export type SmlValue =
  | { readonly kind: 'absent' }
  | { readonly kind: 'bool'; readonly value: boolean }
  | { readonly kind: 'octets'; readonly bytes: Uint8Array }
  | { readonly kind: 'number'; readonly value: number | bigint }
  | { readonly kind: 'time'; readonly time: SmlTime };

export interface SmlListEntry {
  /** objName as OBIS "A-B:C.D.E*F" when it is 6 bytes, else its hex. */
  readonly obis: string;
  readonly status?: number | bigint;
  readonly valTime?: SmlTime;
  /** DLMS unit code. */
  readonly unit?: number;
  readonly scaler?: number;
  readonly value: SmlValue;
  readonly signature?: Uint8Array;
}

export interface SmlPeriodEntry {
  readonly obis: string;
  readonly unit?: number;
  readonly scaler?: number;
  readonly value: SmlValue;
}

export type SmlBody =
  | {
      readonly kind: 'open-response';
      readonly codepage?: string;
      readonly clientId?: string;
      readonly reqFileId: string;
      readonly serverId: string;
      readonly refTime?: SmlTime;
      readonly smlVersion?: number;
    }
  | { readonly kind: 'close-response'; readonly signature?: string }
  | {
      readonly kind: 'get-list-response';
      readonly clientId?: string;
      readonly serverId: string;
      readonly listName?: string;
      readonly actSensorTime?: SmlTime;
      readonly entries: readonly SmlListEntry[];
      readonly actGatewayTime?: SmlTime;
    }
  | {
      readonly kind: 'get-profile-list-response';
      readonly serverId: string;
      readonly actTime?: SmlTime;
      readonly regPeriod: number;
      readonly treePath: readonly string[];
      readonly valTime?: SmlTime;
      readonly status: number | bigint;
      readonly periods: readonly SmlPeriodEntry[];
    }
  | { readonly kind: 'attention-response'; readonly serverId: string; readonly attentionNo: string; readonly message?: string }
  /** A message we frame and check but do not interpret (requests, profile packs, parameters). */
  | { readonly kind: 'other'; readonly tag: number };

export interface SmlMessage {
  readonly transactionId: string;
  readonly groupNo: number;
  readonly abortOnError: number;
  readonly body: SmlBody;
  /** Which CRC variant the message CRC matched; 'mismatch' only gets this far in lenient mode. */
  readonly crc: SmlCrcVariant | 'mismatch';
  /** Offset of the message in the payload. */
  readonly offset: number;
}

// --- typed access to nodes: each names the field it reads, for the error message ---

const bad = (what: string, expected: string, node: SmlNode): CodecError =>
  new CodecError('CODEC_MALFORMED', 'sml', `${what}: expected ${expected}, found ${node.kind}`);

function list(node: SmlNode, what: string, min: number): readonly SmlNode[] {
  if (node.kind !== 'list' || node.items.length < min) throw bad(what, `a list of ${min}`, node);
  return node.items;
}

function uint(node: SmlNode, what: string): number | bigint {
  if (node.kind !== 'uint' && node.kind !== 'int') throw bad(what, 'an unsigned integer', node);
  return node.value;
}

const num = (node: SmlNode, what: string): number => Number(uint(node, what));

function optNum(node: SmlNode, what: string): number | undefined {
  return node.kind === 'absent' ? undefined : num(node, what);
}

function octets(node: SmlNode, what: string): Uint8Array {
  if (node.kind === 'absent') return new Uint8Array(0);
  if (node.kind !== 'octets') throw bad(what, 'an octet string', node);
  return node.bytes;
}

const hex = (node: SmlNode, what: string): string => bytesToHex(octets(node, what));
const optHex = (node: SmlNode, what: string): string | undefined => (node.kind === 'absent' ? undefined : hex(node, what));

const unixToIso = (s: number): string => `${new Date(s * 1000).toISOString().slice(0, 19)}Z`;

/** SML_Time; some meters send a bare unsigned (seconds index) instead of the choice. */
export function smlTime(node: SmlNode, what: string): SmlTime | undefined {
  if (node.kind === 'absent') return undefined;
  if (node.kind === 'uint') return { kind: 'sec-index', value: Number(node.value) };
  const [tagNode, valueNode] = list(node, what, 2);
  const tag = num(tagNode!, `${what} tag`);
  switch (tag) {
    case TIME_TAG.secIndex:
      return { kind: 'sec-index', value: num(valueNode!, what) };
    case TIME_TAG.timestamp:
      return { kind: 'timestamp', utc: unixToIso(num(valueNode!, what)) };
    case TIME_TAG.localTimestamp: {
      const [ts, local, season] = list(valueNode!, `${what} local timestamp`, 3);
      return {
        kind: 'local-timestamp',
        utc: unixToIso(num(ts!, what)),
        localOffsetMinutes: num(local!, `${what} local offset`),
        seasonOffsetMinutes: num(season!, `${what} season offset`),
      };
    }
    default:
      throw new CodecError('CODEC_MALFORMED', 'sml', `${what}: unknown SML_Time choice ${tag}`);
  }
}

function smlValue(node: SmlNode, what: string): SmlValue {
  switch (node.kind) {
    case 'absent':
      return { kind: 'absent' };
    case 'bool':
      return node;
    case 'octets':
      return node;
    case 'int':
    case 'uint':
      return { kind: 'number', value: node.value };
    case 'list': {
      // SML_ListType: a time value, the one list choice of SML_Value.
      const time = smlTime(node.items[1] ?? node, what);
      return time === undefined ? { kind: 'absent' } : { kind: 'time', time };
    }
  }
}

function objName(node: SmlNode): string {
  const b = octets(node, 'objName');
  return b.length === 6 ? formatObis(obisFromBytes(b)) : bytesToHex(b);
}

function listEntry(node: SmlNode): SmlListEntry {
  const [name, status, valTime, unit, scaler, value, signature] = list(node, 'SML_ListEntry', 7);
  const t = smlTime(valTime!, 'valTime');
  const u = optNum(unit!, 'unit');
  const s = optNum(scaler!, 'scaler');
  return {
    obis: objName(name!),
    ...(status!.kind !== 'absent' ? { status: uint(status!, 'status') } : {}),
    ...(t !== undefined ? { valTime: t } : {}),
    ...(u !== undefined ? { unit: u } : {}),
    ...(s !== undefined ? { scaler: s } : {}),
    value: smlValue(value!, 'value'),
    ...(signature!.kind !== 'absent' ? { signature: octets(signature!, 'valueSignature') } : {}),
  };
}

function body(tag: number, node: SmlNode): SmlBody {
  switch (tag) {
    case SML_MESSAGE_TAG.openResponse: {
      const [codepage, clientId, reqFileId, serverId, refTime, version] = list(node, 'OpenResponse', 6);
      const t = smlTime(refTime!, 'refTime');
      const v = optNum(version!, 'smlVersion');
      const cp = optHex(codepage!, 'codepage');
      const client = optHex(clientId!, 'clientId');
      return {
        kind: 'open-response',
        ...(cp !== undefined ? { codepage: cp } : {}),
        ...(client !== undefined ? { clientId: client } : {}),
        reqFileId: hex(reqFileId!, 'reqFileId'),
        serverId: hex(serverId!, 'serverId'),
        ...(t !== undefined ? { refTime: t } : {}),
        ...(v !== undefined ? { smlVersion: v } : {}),
      };
    }
    case SML_MESSAGE_TAG.closeResponse: {
      const [signature] = list(node, 'CloseResponse', 1);
      const s = optHex(signature!, 'globalSignature');
      return { kind: 'close-response', ...(s !== undefined ? { signature: s } : {}) };
    }
    case SML_MESSAGE_TAG.getListResponse: {
      const [clientId, serverId, listName, actSensorTime, valList, , actGatewayTime] = list(node, 'GetListResponse', 7);
      const client = optHex(clientId!, 'clientId');
      const name = listName!.kind === 'absent' ? undefined : objName(listName!);
      const sensor = smlTime(actSensorTime!, 'actSensorTime');
      const gateway = smlTime(actGatewayTime!, 'actGatewayTime');
      return {
        kind: 'get-list-response',
        ...(client !== undefined ? { clientId: client } : {}),
        serverId: hex(serverId!, 'serverId'),
        ...(name !== undefined ? { listName: name } : {}),
        ...(sensor !== undefined ? { actSensorTime: sensor } : {}),
        entries: valList!.kind === 'absent' ? [] : list(valList!, 'valList', 0).map(listEntry),
        ...(gateway !== undefined ? { actGatewayTime: gateway } : {}),
      };
    }
    case SML_MESSAGE_TAG.getProfileListResponse: {
      const [serverId, actTime, regPeriod, treePath, valTime, status, periodList] = list(node, 'GetProfileListResponse', 9);
      const act = smlTime(actTime!, 'actTime');
      const val = smlTime(valTime!, 'valTime');
      return {
        kind: 'get-profile-list-response',
        serverId: hex(serverId!, 'serverId'),
        ...(act !== undefined ? { actTime: act } : {}),
        regPeriod: num(regPeriod!, 'regPeriod'),
        treePath: list(treePath!, 'parameterTreePath', 0).map((p) => objName(p)),
        ...(val !== undefined ? { valTime: val } : {}),
        status: uint(status!, 'status'),
        periods: list(periodList!, 'period_List', 0).map((p) => {
          const [name, unit, scaler, value] = list(p, 'SML_PeriodEntry', 5);
          const u = optNum(unit!, 'unit');
          const s = optNum(scaler!, 'scaler');
          return { obis: objName(name!), ...(u !== undefined ? { unit: u } : {}), ...(s !== undefined ? { scaler: s } : {}), value: smlValue(value!, 'value') };
        }),
      };
    }
    case SML_MESSAGE_TAG.attentionResponse: {
      const [serverId, attentionNo, message] = list(node, 'AttentionResponse', 4);
      const text = message!.kind === 'octets' ? Buffer.from(message!.bytes).toString('latin1') : undefined;
      return { kind: 'attention-response', serverId: hex(serverId!, 'serverId'), attentionNo: hex(attentionNo!, 'attentionNo'), ...(text !== undefined ? { message: text } : {}) };
    }
    default:
      return { kind: 'other', tag };
  }
}

export interface SmlMessageOptions {
  /**
   * 'strict' (default): a message CRC that matches neither variant throws CODEC_CRC_MISMATCH. 'lenient': it is
   * reported in `crc` (the file CRC already vouches for the bytes; some meters get message CRCs wrong).
   * Bytes read with 7 data bits throw CODEC_SML_SEVEN_BIT either way.
   */
  readonly messageCrc?: 'strict' | 'lenient';
}

/**
 * Read the messages of an unwrapped file (or a bare message sequence), checking each message CRC.
 * 00 bytes between messages are fill. Throws CodecError.
 */
export function decodeSmlMessages(payload: Uint8Array, options: SmlMessageOptions = {}): SmlMessage[] {
  const r = new ByteReader(payload, 'sml');
  const messages: SmlMessage[] = [];
  while (r.remaining > 0) {
    if (r.peekU8() === TL_END_OF_MESSAGE) {
      r.skip(1);
      continue;
    }
    const offset = r.offset;
    const tl = r.u8('message');
    if (tl !== TL_MESSAGE) throw new CodecError('CODEC_MALFORMED', 'sml', `an SML message is a list of 6 (76), found ${tl.toString(16).padStart(2, '0')}`, offset);
    const transactionId = readSmlNode(r);
    const groupNo = readSmlNode(r);
    const abortOnError = readSmlNode(r);
    const bodyNode = readSmlNode(r);
    const crcAt = r.offset;
    const crcNode = readSmlNode(r);
    const end = r.u8('endOfSmlMsg');
    if (end !== TL_END_OF_MESSAGE) throw new CodecError('CODEC_MALFORMED', 'sml', 'message does not end with 00', r.offset - 1);
    const crc = matchCrc(num(crcNode, 'crc16'), payload, offset, crcAt) ?? 'mismatch';
    if (crc === 'mismatch' && (options.messageCrc !== 'lenient' || isSevenBit(payload))) {
      throw crcError(payload, `CRC of the message at offset ${offset}`, crcAt);
    }
    const [tagNode, inner] = list(bodyNode, 'messageBody', 2);
    messages.push({
      transactionId: hex(transactionId, 'transactionId'),
      groupNo: optNum(groupNo, 'groupNo') ?? 0,
      abortOnError: optNum(abortOnError, 'abortOnError') ?? 0,
      body: body(num(tagNode!, 'messageBody tag'), inner!),
      crc,
      offset,
    });
  }
  return messages;
}
