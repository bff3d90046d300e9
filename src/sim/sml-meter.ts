/**
 * A simulated SML meter (SML 1.04, as German basic meters send on their optical port): one file per push
 * with OpenResponse, GetListResponse (1-0:1.8.0, 1-0:2.8.0, 1-0:16.7.0) and CloseResponse, each message with
 * its CRC, wrapped in transport v1 (escape, 00 fill to 4 bytes, end sequence, file CRC). SML is not encrypted.
 */
import { ByteWriter, bytesToHex } from '../protocols/bytes.js';
import { crc16X25 } from './_crc.js';
import { SimError } from './errors.js';
import { counterAt, type SimFrame, type SimMeter } from './meter.js';
import { createProfile, type ElectricitySample, type Profile, registerSteps, valueSteps } from './profiles.js';

/** TL bytes (SML 1.04 6.3): type in bits 6-4, length (TL byte included; element count for lists) in bits 3-0. */
const TL = {
  octets: 0x00,
  int: 0x50,
  uint: 0x60,
  list: 0x70,
  absent: 0x01,
  endOfMessage: 0x00,
} as const;
/** Message body tags (SML 1.04 table 5.1). */
const BODY = {
  openResponse: 0x0101,
  closeResponse: 0x0201,
  getListResponse: 0x0701,
} as const;
/** SML_Time choice secIndex (SML 1.04 6.2.4). */
const TIME_SEC_INDEX = 0x01;
/** DLMS unit codes of the list entries (Blue Book 4.3.2). */
const UNIT = { wattHour: 30, watt: 27 } as const;
/** Transport v1 escape and start / end markers (SML 1.04 8.1). */
const ESCAPE = Uint8Array.of(0x1b, 0x1b, 0x1b, 0x1b);
const START = Uint8Array.of(0x01, 0x01, 0x01, 0x01);
const END_MARK = 0x1a;

/** Writer of SML TL-encoded values (short forms only: every value here is below 15 bytes). */
class SmlWriter {
  readonly w = new ByteWriter(256);

  octets(b: Uint8Array): this {
    if (b.length > 14) throw new SimError('SIM_BAD_OPTION', `octet string of ${b.length} bytes does not fit a one-byte TL field`);
    this.w.u8(TL.octets | (b.length + 1)).bytes(b);
    return this;
  }

  list(n: number): this {
    this.w.u8(TL.list | n);
    return this;
  }

  absent(): this {
    this.w.u8(TL.absent);
    return this;
  }

  /** Unsigned of `size` bytes, big-endian. */
  uint(v: number, size: number): this {
    return this.integer(TL.uint, v, size);
  }

  /** Signed (two's complement) of `size` bytes. */
  int(v: number, size: number): this {
    return this.integer(TL.int, v, size);
  }

  private integer(type: number, v: number, size: number): this {
    this.w.u8(type | (size + 1));
    let x = BigInt.asUintN(8 * size, BigInt(Math.trunc(v)));
    const bytes = new Uint8Array(size);
    for (let i = size - 1; i >= 0; i--) {
      bytes[i] = Number(x & 0xffn);
      x >>= 8n;
    }
    this.w.bytes(bytes);
    return this;
  }

  raw(b: Uint8Array): this {
    this.w.bytes(b);
    return this;
  }

  finish(): Uint8Array {
    return this.w.finish();
  }
}

/** One SML_Message: list of 6 with transaction id, group 0, abort 0, body, CRC over all before it, 00. */
function message(transactionId: Uint8Array, tag: number, body: (w: SmlWriter) => void): Uint8Array {
  const w = new SmlWriter().list(6).octets(transactionId).uint(0, 1).uint(0, 1).list(2).uint(tag, 2);
  body(w);
  const before = w.finish();
  // The CRC goes low byte first, as every SML meter sends it (the decoder's matchCrc expects this order).
  const crc = crc16X25(before);
  return new SmlWriter().raw(before).raw(Uint8Array.of(TL.uint | 3, crc & 0xff, crc >>> 8, TL.endOfMessage)).finish();
}

/** Transport v1: escape + start, content with 1B1B1B1B doubled and 00-filled to 4 bytes, end sequence, CRC. */
export function wrapSmlFile(content: Uint8Array): Uint8Array {
  const padding = (4 - (content.length % 4)) % 4;
  const padded = new Uint8Array(content.length + padding);
  padded.set(content);
  const w = new ByteWriter(padded.length + 24).bytes(ESCAPE).bytes(START);
  for (let i = 0; i < padded.length; i += 4) {
    const block = padded.subarray(i, i + 4);
    w.bytes(block);
    if (block.every((b) => b === 0x1b)) w.bytes(block);
  }
  w.bytes(ESCAPE).u8(END_MARK).u8(padding);
  const head = w.finish();
  const crc = crc16X25(head);
  return new ByteWriter(head.length + 2).bytes(head).u8(crc & 0xff).u8(crc >>> 8).finish();
}

export interface SmlMeterSpec {
  /** Server id (10 bytes in the usual "0A 01 <manufacturer> <serial>" form, 1-14 bytes accepted). */
  readonly serverId: Uint8Array;
  readonly seed: number;
  readonly pv?: boolean;
}

/** The values of a file at t: registers in 0.1 Wh, power in W (import minus export). */
export interface SmlValues {
  readonly importDWh: number;
  readonly exportDWh: number;
  readonly powerW: number;
}

const OBIS = {
  import: Uint8Array.of(1, 0, 1, 8, 0, 255), // 1-0:1.8.0*255
  export: Uint8Array.of(1, 0, 2, 8, 0, 255), // 1-0:2.8.0*255
  power: Uint8Array.of(1, 0, 16, 7, 0, 255), // 1-0:16.7.0*255, sum of active power, import positive
} as const;

export class SmlMeter implements SimMeter {
  readonly kind = 'sml';
  readonly protocol = 'sml';
  readonly id: string;
  readonly profile: Profile<ElectricitySample>;
  private readonly serverId: Uint8Array;

  constructor(spec: SmlMeterSpec) {
    if (spec.serverId.length < 1 || spec.serverId.length > 14) throw new SimError('SIM_BAD_OPTION', `server id must be 1-14 bytes, got ${spec.serverId.length}`);
    this.serverId = Uint8Array.from(spec.serverId);
    this.id = bytesToHex(this.serverId);
    this.profile = createProfile({ medium: 'electricity', seed: spec.seed, ...(spec.pv === true ? { pv: true } : {}) });
  }

  values(timeMs: number): SmlValues {
    const s = this.profile.sampleAt(timeMs);
    return {
      importDWh: registerSteps(s.importWh, 0.1),
      exportDWh: registerSteps(s.exportWh, 0.1),
      powerW: valueSteps(s.powerImportW - s.powerExportW, 1),
    };
  }

  /** The SML file sent at `timeMs`. */
  file(timeMs: number): Uint8Array {
    const counter = counterAt(timeMs);
    const v = this.values(timeMs);
    const id = (n: number): Uint8Array => new ByteWriter(5).u32be(counter).u8(n).finish();
    const entry = (w: SmlWriter, obis: Uint8Array, unit: number, scaler: number, value: (w: SmlWriter) => void): void => {
      w.list(7).octets(obis).absent().absent().uint(unit, 1).int(scaler, 1);
      value(w);
      w.absent();
    };
    const open = message(id(1), BODY.openResponse, (w) => {
      w.list(6).absent().absent().octets(new ByteWriter(4).u32be(counter).finish()).octets(this.serverId).absent().absent();
    });
    const getList = message(id(2), BODY.getListResponse, (w) => {
      w.list(7).absent().octets(this.serverId).absent();
      w.list(2).uint(TIME_SEC_INDEX, 1).uint(counter, 4);
      w.list(3);
      entry(w, OBIS.import, UNIT.wattHour, -1, (x) => x.uint(v.importDWh, 5));
      entry(w, OBIS.export, UNIT.wattHour, -1, (x) => x.uint(v.exportDWh, 5));
      entry(w, OBIS.power, UNIT.watt, 0, (x) => x.int(v.powerW, 4));
      w.absent().absent();
    });
    const close = message(id(3), BODY.closeResponse, (w) => {
      w.list(1).absent();
    });
    const content = new ByteWriter(open.length + getList.length + close.length).bytes(open).bytes(getList).bytes(close).finish();
    return wrapSmlFile(content);
  }

  frame(timeMs: number): SimFrame {
    return { protocol: 'sml', text: bytesToHex(this.file(timeMs)) };
  }
}
