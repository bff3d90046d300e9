import { ByteReader } from '../bytes.js';
import { CodecError } from '../errors.js';
import { formatObis } from '../obis/index.js';
import { APDU_TAG } from './apdu-tags.js';
import { type AxdrOptions, type AxdrValue, readAxdrData } from './axdr.js';
import { type CosemDateTime, DATE_TIME_LENGTH, parseCosemDateTime } from './date-time.js';
import { readAxdrLength } from './length.js';

/** Plaintext xDLMS APDUs (IEC 62056-5-3 / Green Book 9.5) decoded into typed values. */

/** Cosem-Attribute-Descriptor: class id, instance id (an OBIS code), attribute index. */
export interface AttributeDescriptor {
  readonly classId: number;
  /** OBIS code text, "A-B:C.D.E" (F = 255) or "A-B:C.D.E*F". */
  readonly obis: string;
  readonly attribute: number;
}

export interface AccessSelection {
  readonly selector: number;
  readonly parameters: AxdrValue;
}

/** Data-Access-Result enum (Green Book 9.5). */
export const DATA_ACCESS_RESULT: Readonly<Record<number, string>> = {
  0: 'success',
  1: 'hardware-fault',
  2: 'temporary-failure',
  3: 'read-write-denied',
  4: 'object-undefined',
  9: 'object-class-inconsistent',
  11: 'object-unavailable',
  12: 'type-unmatched',
  13: 'scope-of-access-violated',
  14: 'data-block-unavailable',
  15: 'long-get-aborted',
  16: 'no-long-get-in-progress',
  17: 'long-set-aborted',
  18: 'no-long-set-in-progress',
  19: 'data-block-number-invalid',
  250: 'other-reason',
};

export type GetDataResult =
  | { readonly kind: 'data'; readonly value: AxdrValue }
  | { readonly kind: 'data-access-result'; readonly code: number; readonly name: string };

/** Get-Request / Get-Response choice numbers (Green Book 9.5, GET service). */
const GET_REQUEST = { normal: 0x01, next: 0x02, withList: 0x03 } as const;
const GET_RESPONSE = { normal: 0x01, withDatablock: 0x02, withList: 0x03 } as const;

/** BER tag of the conformance block inside initiate-request/-response ([APPLICATION 31] IMPLICIT BIT STRING). */
const CONFORMANCE_TAG = [0x5f, 0x1f] as const;

export type Apdu =
  | {
      readonly kind: 'data-notification';
      /** Long-Invoke-Id-And-Priority: invoke id in bits 0-23, flags in bits 28-31. */
      readonly longInvokeIdAndPriority: number;
      readonly invokeId: number;
      readonly dateTime?: CosemDateTime;
      readonly body: AxdrValue;
    }
  | {
      readonly kind: 'get-request-normal';
      readonly invokeIdAndPriority: number;
      readonly attribute: AttributeDescriptor;
      readonly accessSelection?: AccessSelection;
    }
  | { readonly kind: 'get-request-next'; readonly invokeIdAndPriority: number; readonly blockNumber: number }
  | {
      readonly kind: 'get-request-with-list';
      readonly invokeIdAndPriority: number;
      readonly attributes: readonly { readonly attribute: AttributeDescriptor; readonly accessSelection?: AccessSelection }[];
    }
  | { readonly kind: 'get-response-normal'; readonly invokeIdAndPriority: number; readonly result: GetDataResult }
  | { readonly kind: 'get-response-with-list'; readonly invokeIdAndPriority: number; readonly results: readonly GetDataResult[] }
  | {
      readonly kind: 'get-response-with-datablock';
      readonly invokeIdAndPriority: number;
      readonly lastBlock: boolean;
      readonly blockNumber: number;
      /** Raw bytes of this block: the concatenated blocks form the A-XDR Data of the answer. */
      readonly rawData?: Uint8Array;
      readonly dataAccessResult?: number;
    }
  | {
      readonly kind: 'event-notification';
      readonly time?: CosemDateTime;
      readonly attribute: AttributeDescriptor;
      readonly value: AxdrValue;
    }
  | {
      readonly kind: 'initiate-request';
      /** Whether a dedicated key is carried (its value is not copied out). */
      readonly dedicatedKeyPresent: boolean;
      readonly responseAllowed: boolean;
      readonly proposedQualityOfService?: number;
      readonly dlmsVersion: number;
      readonly conformance: number;
      readonly maxReceivePduSize: number;
    }
  | {
      readonly kind: 'initiate-response';
      readonly negotiatedQualityOfService?: number;
      readonly dlmsVersion: number;
      readonly conformance: number;
      readonly maxReceivePduSize: number;
      readonly vaaName: number;
    }
  | { readonly kind: 'exception-response'; readonly stateError: number; readonly serviceError: number };

export type ApduKind = Apdu['kind'];

function attributeDescriptor(r: ByteReader): AttributeDescriptor {
  const classId = r.u16be('class id');
  const instance = r.bytesView(6, 'instance id');
  const raw = r.u8('attribute id');
  return { classId, obis: formatObis([instance[0]!, instance[1]!, instance[2]!, instance[3]!, instance[4]!, instance[5]!]), attribute: raw >= 0x80 ? raw - 0x100 : raw };
}

/** A-XDR OPTIONAL: 0x00 absent, 0x01 present, anything else malformed. */
function present(r: ByteReader, what: string): boolean {
  const at = r.offset;
  const flag = r.u8(what);
  if (flag > 1) throw new CodecError('CODEC_MALFORMED', 'dlms', `${what}: presence flag 0x${flag.toString(16)}`, at);
  return flag === 1;
}

function accessSelection(r: ByteReader, opts: AxdrOptions): AccessSelection | undefined {
  if (!present(r, 'access selection')) return undefined;
  return { selector: r.u8('access selector'), parameters: readAxdrData(r, opts) };
}

function getDataResult(r: ByteReader, opts: AxdrOptions): GetDataResult {
  const at = r.offset;
  const choice = r.u8('get data result');
  if (choice === 0x00) return { kind: 'data', value: readAxdrData(r, opts) };
  if (choice === 0x01) {
    const code = r.u8('data access result');
    return { kind: 'data-access-result', code, name: DATA_ACCESS_RESULT[code] ?? `reserved-${code}` };
  }
  throw new CodecError('CODEC_MALFORMED', 'dlms', `Get-Data-Result choice 0x${choice.toString(16)}`, at);
}

/** Date-time carried as an OCTET STRING: empty (absent) or 12 bytes. */
function optionalDateTimeOctets(r: ByteReader, what: string): CosemDateTime | undefined {
  const at = r.offset;
  const n = readAxdrLength(r, `${what} length`);
  if (n === 0) return undefined;
  if (n !== DATE_TIME_LENGTH) throw new CodecError('CODEC_MALFORMED', 'dlms', `${what} must be 0 or ${DATE_TIME_LENGTH} bytes, got ${n}`, at);
  const dt = parseCosemDateTime(r.bytesView(n, what));
  if (dt === undefined) throw new CodecError('CODEC_MALFORMED', 'dlms', `${what} out of range`, at + 1);
  return dt;
}

function conformance(r: ByteReader): number {
  const at = r.offset;
  if (r.u8('conformance tag') !== CONFORMANCE_TAG[0] || r.u8('conformance tag') !== CONFORMANCE_TAG[1]) {
    throw new CodecError('CODEC_MALFORMED', 'dlms', 'conformance block tag is not 5F1F', at);
  }
  const len = r.u8('conformance length');
  if (len !== 4) throw new CodecError('CODEC_MALFORMED', 'dlms', `conformance block length ${len}, expected 4`, at + 2);
  r.u8('conformance unused bits');
  return (r.u8('conformance') << 16) | (r.u8('conformance') << 8) | r.u8('conformance');
}

function dataNotification(r: ByteReader, opts: AxdrOptions): Apdu {
  const longInvokeIdAndPriority = r.u32be('long invoke id and priority');
  const dateTime = optionalDateTimeOctets(r, 'date-time');
  const body = readAxdrData(r, opts);
  return {
    kind: 'data-notification',
    longInvokeIdAndPriority,
    invokeId: longInvokeIdAndPriority & 0xffffff,
    ...(dateTime !== undefined ? { dateTime } : {}),
    body,
  };
}

function getRequest(r: ByteReader, opts: AxdrOptions): Apdu {
  const at = r.offset;
  const choice = r.u8('get-request choice');
  const invokeIdAndPriority = r.u8('invoke id and priority');
  switch (choice) {
    case GET_REQUEST.normal: {
      const attribute = attributeDescriptor(r);
      const sel = accessSelection(r, opts);
      return { kind: 'get-request-normal', invokeIdAndPriority, attribute, ...(sel !== undefined ? { accessSelection: sel } : {}) };
    }
    case GET_REQUEST.next:
      return { kind: 'get-request-next', invokeIdAndPriority, blockNumber: r.u32be('block number') };
    case GET_REQUEST.withList: {
      const n = readAxdrLength(r, 'attribute count');
      if (n * 10 > r.remaining) throw new CodecError('CODEC_LENGTH_MISMATCH', 'dlms', `${n} attribute descriptors cannot fit`, r.offset);
      const attributes: { attribute: AttributeDescriptor; accessSelection?: AccessSelection }[] = [];
      for (let i = 0; i < n; i++) {
        const attribute = attributeDescriptor(r);
        const sel = accessSelection(r, opts);
        attributes.push(sel !== undefined ? { attribute, accessSelection: sel } : { attribute });
      }
      return { kind: 'get-request-with-list', invokeIdAndPriority, attributes };
    }
    default:
      throw new CodecError('CODEC_MALFORMED', 'dlms', `Get-Request choice 0x${choice.toString(16)}`, at);
  }
}

function getResponse(r: ByteReader, opts: AxdrOptions): Apdu {
  const at = r.offset;
  const choice = r.u8('get-response choice');
  const invokeIdAndPriority = r.u8('invoke id and priority');
  switch (choice) {
    case GET_RESPONSE.normal:
      return { kind: 'get-response-normal', invokeIdAndPriority, result: getDataResult(r, opts) };
    case GET_RESPONSE.withList: {
      const n = readAxdrLength(r, 'result count');
      if (n * 2 > r.remaining) throw new CodecError('CODEC_LENGTH_MISMATCH', 'dlms', `${n} results cannot fit`, r.offset);
      const results: GetDataResult[] = [];
      for (let i = 0; i < n; i++) results.push(getDataResult(r, opts));
      return { kind: 'get-response-with-list', invokeIdAndPriority, results };
    }
    case GET_RESPONSE.withDatablock: {
      const lastBlock = r.u8('last block') !== 0;
      const blockNumber = r.u32be('block number');
      const rAt = r.offset;
      const result = r.u8('datablock result');
      if (result === 0x00) {
        const rawData = r.bytesView(readAxdrLength(r, 'raw data length'), 'raw data');
        return { kind: 'get-response-with-datablock', invokeIdAndPriority, lastBlock, blockNumber, rawData };
      }
      if (result === 0x01) return { kind: 'get-response-with-datablock', invokeIdAndPriority, lastBlock, blockNumber, dataAccessResult: r.u8('data access result') };
      throw new CodecError('CODEC_MALFORMED', 'dlms', `DataBlock-G result choice 0x${result.toString(16)}`, rAt);
    }
    default:
      throw new CodecError('CODEC_MALFORMED', 'dlms', `Get-Response choice 0x${choice.toString(16)}`, at);
  }
}

function eventNotification(r: ByteReader, opts: AxdrOptions): Apdu {
  const time = present(r, 'time') ? optionalDateTimeOctets(r, 'time') : undefined;
  const attribute = attributeDescriptor(r);
  const value = readAxdrData(r, opts);
  return { kind: 'event-notification', ...(time !== undefined ? { time } : {}), attribute, value };
}

function initiateRequest(r: ByteReader): Apdu {
  let dedicatedKeyPresent = false;
  if (present(r, 'dedicated key')) {
    r.bytesView(readAxdrLength(r, 'dedicated key length'), 'dedicated key');
    dedicatedKeyPresent = true;
  }
  // response-allowed BOOLEAN DEFAULT TRUE: 0x00 = default, 0x01 + value
  const responseAllowed = present(r, 'response allowed') ? r.u8('response allowed') !== 0 : true;
  const qos = present(r, 'proposed quality of service') ? r.u8('proposed quality of service') : undefined;
  const dlmsVersion = r.u8('DLMS version');
  const conf = conformance(r);
  const maxReceivePduSize = r.u16be('client max receive PDU size');
  return {
    kind: 'initiate-request',
    dedicatedKeyPresent,
    responseAllowed,
    ...(qos !== undefined ? { proposedQualityOfService: qos } : {}),
    dlmsVersion,
    conformance: conf,
    maxReceivePduSize,
  };
}

function initiateResponse(r: ByteReader): Apdu {
  const qos = present(r, 'negotiated quality of service') ? r.u8('negotiated quality of service') : undefined;
  const dlmsVersion = r.u8('DLMS version');
  const conf = conformance(r);
  const maxReceivePduSize = r.u16be('server max receive PDU size');
  const vaaName = r.u16be('VAA name');
  return { kind: 'initiate-response', ...(qos !== undefined ? { negotiatedQualityOfService: qos } : {}), dlmsVersion, conformance: conf, maxReceivePduSize, vaaName };
}

/** Decode one plaintext APDU; the bytes must hold exactly one. Throws CodecError. */
export function decodeApdu(bytes: Uint8Array, opts: AxdrOptions = {}): Apdu {
  const r = new ByteReader(bytes, 'dlms');
  const tag = r.u8('APDU tag');
  let apdu: Apdu;
  switch (tag) {
    case APDU_TAG.dataNotification:
      apdu = dataNotification(r, opts);
      break;
    case APDU_TAG.getRequest:
      apdu = getRequest(r, opts);
      break;
    case APDU_TAG.getResponse:
      apdu = getResponse(r, opts);
      break;
    case APDU_TAG.eventNotificationRequest:
      apdu = eventNotification(r, opts);
      break;
    case APDU_TAG.initiateRequest:
      apdu = initiateRequest(r);
      break;
    case APDU_TAG.initiateResponse:
      apdu = initiateResponse(r);
      break;
    case APDU_TAG.exceptionResponse:
      apdu = { kind: 'exception-response', stateError: r.u8('state error'), serviceError: r.u8('service error') };
      break;
    default:
      throw new CodecError('CODEC_UNSUPPORTED', 'dlms', `APDU tag 0x${tag.toString(16).padStart(2, '0')} is not decoded`, 0);
  }
  if (r.remaining > 0) {
    throw new CodecError('CODEC_LENGTH_MISMATCH', 'dlms', `${r.remaining} byte(s) after the ${apdu.kind} APDU`, r.offset);
  }
  return apdu;
}

