/**
 * A simulated wireless M-Bus / OMS meter: link layer, optional AFL, short or long transport header, data
 * records (2F2F, register, instantaneous value, date-time type F), encrypted per OMS vol. 2 security mode 5
 * (AES-128-CBC, IV = M || A || access number x 8) or mode 7 (KDF-A ephemeral keys, IV 0, AFL CMAC).
 */
import { createCipheriv } from 'node:crypto';
import { AesCmac } from '../crypto/cmac.js';
import { omsKdfA } from '../crypto/kdf.js';
import { ByteWriter, bytesToHex } from '../protocols/bytes.js';
import { encodeFrameA } from '../protocols/wmbus/link.js';
import { SimError } from './errors.js';
import { checkKey, counterAt, type SimFrame, type SimMeter } from './meter.js';
import { createProfile, type Medium, type Profile, registerSteps, valueSteps } from './profiles.js';

/** Link-layer C field SND-NR, a meter's unsolicited send (EN 13757-4, 0x44). */
const C_SND_NR = 0x44;
/** CI fields (EN 13757-7 table 2 / OMS vol. 2). */
const CI = {
  afl: 0x90, // authentication and fragmentation layer
  responseLong: 0x72, // application data with long transport header
  responseShort: 0x7a, // application data with short transport header
} as const;
/** Device types (EN 13757-7 table 3 / EN 13757-3 annex). */
const DEVICE_TYPE: Readonly<Record<Medium, number>> = {
  electricity: 0x02,
  gas: 0x03,
  heat: 0x04,
  water: 0x07,
};
/** AFL fragmentation control: MCL (bit 13), MCR (bit 11) and MAC (bit 10) present, one fragment (EN 13757-7). */
const AFL_FCL = 0x2c00;
/** AFL message control: AT = 5 (AES-CMAC-128, 8-byte MAC), bit 5 message counter present (EN 13757-7). */
const AFL_MCL = 0x25;
const AFL_MAC_LENGTH = 8;
/** Configuration field extension of mode 7: bits 5..4 = 01 KDF-A, key id 0 (OMS vol. 2 table 19). */
const MODE7_CFE = 0x10;
/** Idle filler: opens every encrypted payload and pads it to whole blocks (EN 13757-7). */
const FILLER = 0x2f;
const BLOCK = 16;

/** Data record headers (EN 13757-3): DIF 0x04 = 32-bit integer, current value, storage 0, tariff 0. */
const DIF_INT32 = 0x04;
/** VIFs (EN 13757-3 table 10) and the VIFE 0x3C "backward flow" (table 15) for the export register. */
const VIF = {
  energyWh: 0x03, // 0000 0nnn, 10^(n-3) Wh: n = 3
  volumeLitre: 0x13, // 0001 0nnn, 10^(n-6) m3: n = 3
  powerW: 0x2b, // 0010 1nnn, 10^(n-3) W: n = 3
  flowLitreH: 0x3b, // 0011 1nnn, 10^(n-6) m3/h: n = 3
  dateTimeF: 0x6d, // date and time, type F
  extensionBit: 0x80,
  backward: 0x3c,
} as const;

export type WmbusMode = 5 | 7;

export interface WmbusMeterSpec {
  /** 8 decimal digits as on the name plate ("12345678"). */
  readonly id: string;
  /** Three-letter FLAG manufacturer code ("GWD"). */
  readonly manufacturer: string;
  readonly medium: Medium;
  readonly version: number;
  readonly key: Uint8Array;
  readonly mode: WmbusMode;
  /** Short (CI 7A, default) or long (CI 72) transport header. */
  readonly header?: 'short' | 'long';
  /** Add frame format A block CRCs. */
  readonly frameA?: boolean;
  readonly seed: number;
  /** Electricity: a PV plant feeds in through this meter (export register and export power records). */
  readonly pv?: boolean;
}

/** Each value a telegram carries, in the units and steps it is sent in. */
export interface WmbusRecordValue {
  readonly name: 'register' | 'export register' | 'power' | 'export power' | 'flow';
  /** Whole steps as sent. */
  readonly steps: number;
  /** Size of one step in the decoded unit (Wh, m3, W, m3/h). */
  readonly resolution: number;
}

function flagId(code: string): number {
  if (!/^[A-Z]{3}$/.test(code)) throw new SimError('SIM_BAD_OPTION', `manufacturer ${JSON.stringify(code)} is not three letters A-Z`);
  return ((code.charCodeAt(0) - 64) << 10) | ((code.charCodeAt(1) - 64) << 5) | (code.charCodeAt(2) - 64);
}

/** The 4 BCD id bytes, least significant first as sent. */
function idBytes(id: string): Uint8Array {
  if (!/^\d{8}$/.test(id)) throw new SimError('SIM_BAD_OPTION', `wM-Bus id ${JSON.stringify(id)} is not 8 decimal digits`);
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) out[3 - i] = Number.parseInt(id.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** Date and time type F (EN 13757-3 annex A): minute, hour (+ hundred-year bits 5-6), day (+ year bits), month (+ year bits). */
export function encodeTypeF(timeMs: number): Uint8Array {
  const d = new Date(timeMs);
  const year = d.getUTCFullYear();
  const yy = year % 100;
  const hundreds = Math.floor((year - 1900) / 100);
  return Uint8Array.of(d.getUTCMinutes(), d.getUTCHours() | (hundreds << 5), d.getUTCDate() | ((yy & 0x07) << 5), (d.getUTCMonth() + 1) | ((yy >> 3) << 4));
}

export class WmbusMeter implements SimMeter {
  readonly kind = 'wmbus';
  readonly protocol = 'wmbus';
  readonly id: string;
  readonly key: Uint8Array;
  readonly profile: Profile;
  readonly spec: WmbusMeterSpec;
  /** M(2) ID(4) version type, as in the link layer. */
  private readonly address: Uint8Array;
  private readonly master: AesCmac;

  constructor(spec: WmbusMeterSpec) {
    if (!Number.isInteger(spec.version) || spec.version < 0 || spec.version > 0xff) throw new SimError('SIM_BAD_OPTION', `version ${spec.version} is not a byte`);
    const m = flagId(spec.manufacturer);
    this.spec = spec;
    this.id = spec.id;
    this.key = checkKey(spec.key, 'the wM-Bus key');
    this.master = new AesCmac(this.key);
    this.address = Uint8Array.of(m & 0xff, m >>> 8, ...idBytes(spec.id), spec.version, DEVICE_TYPE[spec.medium]);
    this.profile = createProfile({ medium: spec.medium, seed: spec.seed, ...(spec.pv === true ? { pv: true } : {}) });
  }

  /** The values a telegram at `timeMs` carries (registers cut down to whole steps, instantaneous rounded). */
  values(timeMs: number): readonly WmbusRecordValue[] {
    const s = this.profile.sampleAt(timeMs);
    switch (s.kind) {
      case 'electricity': {
        const out: WmbusRecordValue[] = [
          { name: 'register', steps: registerSteps(s.importWh, 1), resolution: 1 },
          { name: 'power', steps: valueSteps(s.powerImportW, 1), resolution: 1 },
        ];
        if (this.spec.pv === true) {
          out.push({ name: 'export register', steps: registerSteps(s.exportWh, 1), resolution: 1 }, { name: 'export power', steps: valueSteps(s.powerExportW, 1), resolution: 1 });
        }
        return out;
      }
      case 'gas':
      case 'water':
        return [
          { name: 'register', steps: registerSteps(s.volumeM3, 0.001), resolution: 0.001 },
          { name: 'flow', steps: valueSteps(s.flowM3h, 0.001), resolution: 0.001 },
        ];
      case 'heat':
        return [
          { name: 'register', steps: registerSteps(s.energyWh, 1), resolution: 1 },
          { name: 'power', steps: valueSteps(s.powerW, 1), resolution: 1 },
        ];
    }
  }

  /** Application data: 2F2F, the records, date-time type F. */
  private records(timeMs: number): Uint8Array {
    const w = new ByteWriter().u8(FILLER).u8(FILLER);
    const volume = this.spec.medium === 'gas' || this.spec.medium === 'water';
    for (const v of this.values(timeMs)) {
      w.u8(DIF_INT32);
      switch (v.name) {
        case 'register':
          w.u8(volume ? VIF.volumeLitre : VIF.energyWh);
          break;
        case 'export register':
          w.u8(VIF.energyWh | VIF.extensionBit).u8(VIF.backward);
          break;
        case 'power':
          w.u8(VIF.powerW);
          break;
        case 'export power':
          w.u8(VIF.powerW | VIF.extensionBit).u8(VIF.backward);
          break;
        case 'flow':
          w.u8(VIF.flowLitreH);
          break;
      }
      w.u32le(v.steps >>> 0);
    }
    return w.u8(DIF_INT32).u8(VIF.dateTimeF).bytes(encodeTypeF(timeMs)).finish();
  }

  /** The telegram sent at `timeMs`, as bytes (with frame A CRCs when the spec asks for them). */
  telegram(timeMs: number): Uint8Array {
    const counter = counterAt(timeMs);
    const access = counter & 0xff;
    const plain = this.records(timeMs);
    const padded = new Uint8Array(Math.ceil(plain.length / BLOCK) * BLOCK).fill(FILLER);
    padded.set(plain);
    const blocks = padded.length / BLOCK;
    if (blocks > 15) throw new SimError('SIM_BAD_OPTION', 'records do not fit the 15 blocks a configuration word can announce');
    const mode = this.spec.mode;
    const long = this.spec.header === 'long';

    const tpl = new ByteWriter().u8(long ? CI.responseLong : CI.responseShort);
    if (long) tpl.bytes(this.address.subarray(2, 6)).bytes(this.address.subarray(0, 2)).u8(this.address[6]!).u8(this.address[7]!);
    tpl.u8(access).u8(0x00).u16le((mode << 8) | (blocks << 4));
    if (mode === 7) tpl.u8(MODE7_CFE);
    const tplHeader = tpl.finish();

    const link = new ByteWriter().lengthU8().u8(C_SND_NR).bytes(this.address);
    let cipher: Uint8Array;
    if (mode === 5) {
      // The long header's M and A equal the link layer's here: one meter, no radio converter.
      const iv = new Uint8Array(BLOCK).fill(access);
      iv.set(this.address);
      cipher = createCipheriv('aes-128-cbc', this.key, iv).setAutoPadding(false).update(padded);
    } else {
      const id = this.address.subarray(2, 6);
      const kenc = omsKdfA(this.master, 'kenc', counter, id);
      const kmac = omsKdfA(this.master, 'kmac', counter, id);
      cipher = createCipheriv('aes-128-cbc', kenc, Buffer.alloc(BLOCK)).setAutoPadding(false).update(padded);
      const mcr = new ByteWriter().u32le(counter).finish();
      const mac = new AesCmac(kmac).mac(Uint8Array.of(AFL_MCL), mcr, tplHeader, cipher).subarray(0, AFL_MAC_LENGTH);
      link.u8(CI.afl).lengthU8().u16le(AFL_FCL).u8(AFL_MCL).bytes(mcr).bytes(mac).closeLength();
    }
    const frame = link.bytes(tplHeader).bytes(cipher).finish();
    return this.spec.frameA === true ? encodeFrameA(frame) : frame;
  }

  frame(timeMs: number): SimFrame {
    return { protocol: 'wmbus', text: bytesToHex(this.telegram(timeMs)) };
  }
}
