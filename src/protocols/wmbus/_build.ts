import { createCipheriv } from 'node:crypto';
import { AesCmac } from '../../crypto/cmac.js';
import { omsKdfA } from '../../crypto/kdf.js';
import { ByteWriter } from '../bytes.js';

/**
 * Test helper: builds wireless M-Bus telegrams (no CRCs) from fields, encrypting mode 5 and 7 payloads
 * and computing the AFL MAC the way a meter does.
 */

export interface BuildOptions {
  /** Manufacturer flag id (default 0x1593, ELS). */
  readonly m?: number;
  /** The 4 ID bytes as sent (default 78 56 34 12: meter 12345678). */
  readonly id?: readonly number[];
  readonly version?: number;
  readonly deviceType?: number;
  readonly accessNumber?: number;
  /** 0 (default), 5 or 7. */
  readonly mode?: number;
  readonly key?: Uint8Array;
  /** Mode 7 / AFL message counter. */
  readonly counter?: number;
  /** Application data (records), starting with 2F2F when encrypted. Padded with 2F to whole blocks. */
  readonly records: Uint8Array;
  /** Security mode bits to claim in the configuration word instead of `mode`. */
  readonly claimMode?: number;
  /** Mode 0 with an AFL MAC (authentication without encryption). */
  readonly authenticate?: boolean;
}

const pad16 = (b: Uint8Array): Uint8Array => {
  const n = Math.ceil(b.length / 16) * 16;
  const out = new Uint8Array(n).fill(0x2f);
  out.set(b);
  return out;
};

/** Link header + short transport header (CI 0x7A) + records, with an AFL in front of the TPL for mode 7. */
export function buildTelegram(o: BuildOptions): Uint8Array {
  const m = o.m ?? 0x1593;
  const id = o.id ?? [0x78, 0x56, 0x34, 0x12];
  const version = o.version ?? 0x33;
  const type = o.deviceType ?? 0x03;
  const acc = o.accessNumber ?? 0x2a;
  const mode = o.mode ?? 0;
  const address = Uint8Array.of(m & 0xff, m >>> 8, ...id, version, type);
  let payload = o.records;
  let blocks = 0;
  if (mode === 5 || mode === 7) {
    payload = pad16(o.records);
    blocks = payload.length / 16;
  }
  const cw = ((o.claimMode ?? mode) << 8) | (blocks << 4);
  const tpl = new ByteWriter().u8(0x7a).u8(acc).u8(0).u16le(cw);
  if (mode === 7) tpl.u8(0x10);
  const tplHeader = tpl.finish();

  let cipher = payload;
  if (mode === 5) {
    const iv = new Uint8Array(16);
    iv.set(address);
    iv.fill(acc, 8);
    cipher = createCipheriv('aes-128-cbc', o.key!, iv).setAutoPadding(false).update(payload);
  }
  const w = new ByteWriter().lengthU8().u8(0x44).bytes(address);
  if (mode === 7 || o.authenticate === true) {
    const counter = o.counter ?? 1;
    const idBytes = Uint8Array.from(id);
    const kenc = omsKdfA(o.key!, 'kenc', counter, idBytes);
    const kmac = omsKdfA(o.key!, 'kmac', counter, idBytes);
    if (mode === 7) cipher = createCipheriv('aes-128-cbc', kenc, Buffer.alloc(16)).setAutoPadding(false).update(payload);
    const mcl = 0x25; // AES-CMAC-128/8, message counter present
    const mcr = new ByteWriter().u32le(counter).finish();
    const mac = new AesCmac(kmac).mac(Uint8Array.of(mcl), mcr, tplHeader, cipher).subarray(0, 8);
    w.u8(0x90).u8(0x0f).u16le(0x2c00).u8(mcl).bytes(mcr).bytes(mac);
  }
  return w.bytes(tplHeader).bytes(cipher).finish();
}

/** Plain records: 2F2F, then volume 12.345 m3 (0C 13 BCD8), then energy 100 kWh (04 06 int32). */
export const SAMPLE_RECORDS = Uint8Array.of(0x2f, 0x2f, 0x0c, 0x13, 0x45, 0x23, 0x01, 0x00, 0x04, 0x06, 0x64, 0x00, 0x00, 0x00);
