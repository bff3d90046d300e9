/**
 * A fleet of simulated meters from one seed: ids, keys and profiles all follow from it, so a demo or a test
 * that names the seed gets the very same meters and frames again.
 */
import { bytesToHex } from '../protocols/bytes.js';
import type { DecodeKeys } from '../protocols/decoder.js';
import type { Protocol } from '../protocols/reading.js';
import { DlmsMeter } from './dlms-meter.js';
import { DsmrMeter } from './dsmr-meter.js';
import { SimError } from './errors.js';
import type { SimFrame, SimMeter } from './meter.js';
import { SeededRandom } from './prng.js';
import type { Medium } from './profiles.js';
import { SmlMeter } from './sml-meter.js';
import { type WmbusMode, WmbusMeter } from './wmbus-meter.js';

export interface FleetCounts {
  /** wM-Bus / OMS meters; media, security modes, header kinds and frame A take turns. */
  readonly wmbus?: number;
  /** DSMR 5 P1 ports sending telegram text. */
  readonly dsmr?: number;
  /** Luxembourg-style encrypted P1 ports (hex frames). */
  readonly dsmrEncrypted?: number;
  /** DLMS meters pushing ciphered data-notifications. */
  readonly dlms?: number;
  /** SML meters. */
  readonly sml?: number;
}

export interface FleetOptions {
  /**
   * Authenticate DLMS and encrypted P1 frames with an AK (SC 30, default true). Off: encryption only (SC 20),
   * for receivers that hold one key per meter.
   */
  readonly authenticate?: boolean;
}

/** Most meters of one kind in a fleet: the id space and the feed stay small. */
export const MAX_PER_KIND = 1000;

/** What the wM-Bus meters take turns with: medium, mode, header, frame A. */
const WMBUS_VARIANTS: readonly { medium: Medium; mode: WmbusMode; header: 'short' | 'long'; frameA: boolean }[] = [
  { medium: 'electricity', mode: 5, header: 'short', frameA: false },
  { medium: 'gas', mode: 7, header: 'long', frameA: true },
  { medium: 'water', mode: 5, header: 'long', frameA: false },
  { medium: 'heat', mode: 7, header: 'short', frameA: false },
];

/** System titles: "GWD" (the simulator's FLAG code) + 5 serial bytes (Green Book 4.3.4). */
const GWD = [0x47, 0x57, 0x44] as const;

function count(n: number | undefined, what: string): number {
  const v = n ?? 0;
  if (!Number.isInteger(v) || v < 0 || v > MAX_PER_KIND) throw new SimError('SIM_BAD_OPTION', `${what} count ${v} is not an integer from 0 to ${MAX_PER_KIND}`);
  return v;
}

function title(kind: number, serial: number): Uint8Array {
  return Uint8Array.of(...GWD, kind, (serial >>> 24) & 0xff, (serial >>> 16) & 0xff, (serial >>> 8) & 0xff, serial & 0xff);
}

/** The meters of a fleet, in a stable order (wM-Bus, DSMR, encrypted DSMR, DLMS, SML). */
export function createFleet(seed: number, counts: FleetCounts, options: FleetOptions = {}): readonly SimMeter[] {
  if (!Number.isSafeInteger(seed) || seed < 0 || seed > 0xffffffff) throw new SimError('SIM_BAD_OPTION', `seed ${seed} is not an unsigned 32-bit integer`);
  const authenticate = options.authenticate ?? true;
  const rng = new SeededRandom(seed, 'fleet');
  const meterSeed = (): number => rng.u32();
  const key = (): Uint8Array => rng.bytes(16);
  const meters: SimMeter[] = [];
  // Consecutive serials from a seeded start keep ids unique within the fleet.
  const firstId = rng.int(10_000_000, 90_000_000);
  const serial = rng.int(0, 0xffffff);

  for (let i = 0; i < count(counts.wmbus, 'wmbus'); i++) {
    const v = WMBUS_VARIANTS[i % WMBUS_VARIANTS.length]!;
    meters.push(
      new WmbusMeter({
        id: String(firstId + i),
        manufacturer: 'GWD',
        medium: v.medium,
        version: 1,
        key: key(),
        mode: v.mode,
        header: v.header,
        frameA: v.frameA,
        seed: meterSeed(),
        // One PV plant in the fleet: on the first electricity meter.
        ...(i === 0 ? { pv: true } : {}),
      }),
    );
  }
  for (let i = 0; i < count(counts.dsmr, 'dsmr'); i++) {
    const n = String(serial + i).padStart(10, '0');
    meters.push(new DsmrMeter({ equipmentId: `E00SIM${n}`, gasEquipmentId: `G00SIM${n}`, seed: meterSeed(), ...(i === 0 ? { pv: true } : {}) }));
  }
  for (let i = 0; i < count(counts.dsmrEncrypted, 'dsmrEncrypted'); i++) {
    const n = String(serial + i).padStart(10, '0');
    const ek = key();
    const ak = key();
    meters.push(
      new DsmrMeter({
        equipmentId: `L00SIM${n}`,
        gasEquipmentId: `H00SIM${n}`,
        seed: meterSeed(),
        encryption: { systemTitle: title(0x50, serial + i), ek, ...(authenticate ? { ak } : {}) },
      }),
    );
  }
  for (let i = 0; i < count(counts.dlms, 'dlms'); i++) {
    const ek = key();
    const ak = key();
    meters.push(new DlmsMeter({ systemTitle: title(0x44, serial + i), ek, ...(authenticate ? { ak } : {}), seed: meterSeed(), ...(i === 0 ? { pv: true } : {}) }));
  }
  for (let i = 0; i < count(counts.sml, 'sml'); i++) {
    const s = serial + i;
    const serverId = Uint8Array.of(0x0a, 0x01, ...GWD, 0x00, (s >>> 24) & 0xff, (s >>> 16) & 0xff, (s >>> 8) & 0xff, s & 0xff);
    meters.push(new SmlMeter({ serverId, seed: meterSeed() }));
  }
  return meters;
}

/** The frame `meter` sends at `timeMs` (Unix ms), ready for `FrameDecoder.session(keys).decode(text)`. */
export function frameAt(meter: SimMeter, timeMs: number): SimFrame {
  return meter.frame(timeMs);
}

/** The keys a decoder session needs for one meter: its key by id (wM-Bus id or system title) and its AK. */
export function decodeKeysOf(meter: SimMeter): DecodeKeys {
  if (meter.key === undefined) return {};
  const id = meter.systemTitle ?? meter.id;
  return { byId: new Map([[id, meter.key]]), ...(meter.ak === undefined ? {} : { ak: meter.ak }) };
}

/** What a gateway's meter registry needs of a simulated meter (keys as uppercase hex). */
export interface MeterRegistration {
  readonly protocol: Protocol;
  /** The id the gateway knows the meter by (see SimMeter.id). */
  readonly id: string;
  readonly key?: string;
  readonly ak?: string;
}

export function registrationOf(meter: SimMeter): MeterRegistration {
  return {
    protocol: meter.protocol,
    id: meter.id,
    ...(meter.key === undefined ? {} : { key: bytesToHex(meter.key) }),
    ...(meter.ak === undefined ? {} : { ak: bytesToHex(meter.ak) }),
  };
}
