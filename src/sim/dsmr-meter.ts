/**
 * A simulated DSMR 5 P1 port (P1 companion standard 5.0.2): header, timestamp with its season flag, the four
 * tariff registers, power import/export, voltage, current and power per phase, a gas meter on M-Bus channel 1,
 * CRC-16/ARC over '/' .. '!'. Optionally encrypted as Luxembourg smarty meters do: the telegram text in a
 * general-glo-ciphering APDU, suite 0 (AES-GCM-128, SC 0x30, AAD = SC || AK).
 */
import { bytesToHex } from '../protocols/bytes.js';
import { encipherApdu } from '../protocols/dlms/ciphering.js';
import { crc16Arc } from './_crc.js';
import { SimError } from './errors.js';
import { checkKey, counterAt, type SimFrame, type SimMeter } from './meter.js';
import { createProfile, type ElectricitySample, type Profile, registerSteps, valueSteps, type VolumeSample } from './profiles.js';

/** Security control: suite 0 with encryption (0x20), plus authentication (0x10) (Green Book 9.2.7.2.3). */
const SC_SUITE0_ENC = 0x20;
const SC_SUITE0_AUTH_ENC = 0x30;
/** DSMR 5 refreshes the gas value every 5 minutes (P1 companion standard 5.0.2, 6.12 note on 0-n:24.2.1). */
const GAS_PERIOD_MS = 5 * 60_000;
const HOUR_MS = 3_600_000;
/** M-Bus device type of a gas meter (EN 13757-3, 003). */
const GAS_DEVICE_TYPE = '003';

export interface DsmrEncryption {
  readonly systemTitle: Uint8Array;
  readonly ek: Uint8Array;
  /** With it the frame is authenticated too (SC 30, AAD = SC || AK), as smarty meters send; else SC 20. */
  readonly ak?: Uint8Array;
}

export interface DsmrMeterSpec {
  /** Electricity equipment id as printed (ASCII, sent as hex in 0-0:96.1.1). */
  readonly equipmentId: string;
  /** Gas meter equipment id (ASCII, sent as hex in 0-1:96.1.0). */
  readonly gasEquipmentId: string;
  readonly seed: number;
  readonly pv?: boolean;
  /** Send encrypted frames (hex) instead of the telegram text. */
  readonly encryption?: DsmrEncryption;
}

/** Whole steps as fixed-point text: `digits` before the point, `decimals` after (DSMR value formats F n(d,d)). */
function fixed(steps: number, digits: number, decimals: number): string {
  const text = Math.abs(steps).toString().padStart(digits + decimals, '0');
  const number = decimals === 0 ? text : `${text.slice(0, text.length - decimals)}.${text.slice(text.length - decimals)}`;
  return steps < 0 ? `-${number}` : number;
}

const two = (n: number): string => n.toString().padStart(2, '0');

/** Dutch local time as YYMMDDhhmmssX: UTC+2 with 'S' in EU summer time, else UTC+1 with 'W'. */
export function dsmrTimestamp(timeMs: number): string {
  const summer = isEuSummerTime(timeMs);
  const d = new Date(Math.floor(timeMs / 1000) * 1000 + (summer ? 2 : 1) * HOUR_MS);
  return `${two(d.getUTCFullYear() % 100)}${two(d.getUTCMonth() + 1)}${two(d.getUTCDate())}${two(d.getUTCHours())}${two(d.getUTCMinutes())}${two(d.getUTCSeconds())}${summer ? 'S' : 'W'}`;
}

/** EU summer time (Directive 2000/84/EC): from the last Sunday of March to the last Sunday of October, 01:00 UTC. */
function isEuSummerTime(timeMs: number): boolean {
  const year = new Date(timeMs).getUTCFullYear();
  const lastSunday = (month: number): number => {
    const last = new Date(Date.UTC(year, month + 1, 0, 1));
    return last.getTime() - last.getUTCDay() * 24 * HOUR_MS;
  };
  return timeMs >= lastSunday(2) && timeMs < lastSunday(9);
}

const asciiHex = (text: string): string => bytesToHex(new TextEncoder().encode(text));

/** The numbers a telegram at t carries, in the steps it prints them in. */
export interface DsmrValues {
  /** 1-0:1.8.1, 1-0:1.8.2, 1-0:2.8.1, 1-0:2.8.2 in Wh (printed as kWh with 3 decimals). */
  readonly registersWh: readonly [number, number, number, number];
  readonly tariff: 1 | 2;
  /** 1-0:1.7.0 and 1-0:2.7.0 in W (kW with 3 decimals). */
  readonly powerImportW: number;
  readonly powerExportW: number;
  /** Per phase: voltage in 0.1 V, current in A, power import and export in W. */
  readonly phases: readonly { readonly voltageDv: number; readonly currentA: number; readonly importW: number; readonly exportW: number }[];
  /** Gas register in litres (m3 with 3 decimals) at `gasTimeMs`, the last 5-minute mark. */
  readonly gasLitres: number;
  readonly gasTimeMs: number;
}

export class DsmrMeter implements SimMeter {
  readonly kind = 'dsmr';
  readonly protocol = 'dsmr';
  readonly id: string;
  readonly equipmentId: string;
  readonly profile: Profile<ElectricitySample>;
  readonly gasProfile: Profile<VolumeSample>;
  readonly key?: Uint8Array;
  readonly ak?: Uint8Array;
  readonly systemTitle?: string;
  private readonly spec: DsmrMeterSpec;

  constructor(spec: DsmrMeterSpec) {
    for (const id of [spec.equipmentId, spec.gasEquipmentId]) {
      if (!/^[\x21-\x7e]{1,48}$/.test(id)) throw new SimError('SIM_BAD_OPTION', `equipment id ${JSON.stringify(id)} is not 1-48 printable ASCII characters`);
    }
    this.spec = spec;
    this.equipmentId = spec.equipmentId;
    this.profile = createProfile({ medium: 'electricity', seed: spec.seed, ...(spec.pv === true ? { pv: true } : {}) });
    this.gasProfile = createProfile({ medium: 'gas', seed: (spec.seed ^ 0x5a5a5a5a) >>> 0 });
    const enc = spec.encryption;
    if (enc !== undefined) {
      if (enc.systemTitle.length !== 8) throw new SimError('SIM_BAD_OPTION', `system title must be 8 bytes, got ${enc.systemTitle.length}`);
      this.key = checkKey(enc.ek, 'the P1 encryption key');
      if (enc.ak !== undefined) this.ak = checkKey(enc.ak, 'the P1 authentication key');
      this.systemTitle = bytesToHex(enc.systemTitle);
    }
    // Keys of encrypted P1 go by system title (the gateway pins the input to it): that is the meter's id then.
    this.id = this.systemTitle ?? spec.equipmentId;
  }

  values(timeMs: number): DsmrValues {
    const s = this.profile.sampleAt(timeMs);
    // The origin is a whole 5 minutes, so the last mark is never before it.
    const gasTimeMs = Math.floor(timeMs / GAS_PERIOD_MS) * GAS_PERIOD_MS;
    const gas = this.gasProfile.sampleAt(gasTimeMs);
    return {
      registersWh: [
        registerSteps(s.importTariffWh[0], 1),
        registerSteps(s.importTariffWh[1], 1),
        registerSteps(s.exportTariffWh[0], 1),
        registerSteps(s.exportTariffWh[1], 1),
      ],
      tariff: s.tariff,
      powerImportW: valueSteps(s.powerImportW, 1),
      powerExportW: valueSteps(s.powerExportW, 1),
      phases: s.phases.map((p) => ({
        voltageDv: valueSteps(p.voltageV, 0.1),
        currentA: valueSteps(p.currentA, 1),
        importW: valueSteps(Math.max(p.powerW, 0), 1),
        exportW: valueSteps(Math.max(-p.powerW, 0), 1),
      })),
      gasLitres: registerSteps(gas.volumeM3, 0.001),
      gasTimeMs,
    };
  }

  /** The P1 telegram text at `timeMs` (CR LF line ends, CRC line included). */
  telegram(timeMs: number): string {
    const v = this.values(timeMs);
    const [t1, t2, e1, e2] = v.registersWh;
    const lines = [
      '/GWD5\\2GRIDWARDEN-SIM-P1',
      '',
      '1-3:0.2.8(50)',
      `0-0:1.0.0(${dsmrTimestamp(timeMs)})`,
      `0-0:96.1.1(${asciiHex(this.spec.equipmentId)})`,
      `1-0:1.8.1(${fixed(t1, 6, 3)}*kWh)`,
      `1-0:1.8.2(${fixed(t2, 6, 3)}*kWh)`,
      `1-0:2.8.1(${fixed(e1, 6, 3)}*kWh)`,
      `1-0:2.8.2(${fixed(e2, 6, 3)}*kWh)`,
      `0-0:96.14.0(${fixed(v.tariff, 4, 0)})`,
      `1-0:1.7.0(${fixed(v.powerImportW, 2, 3)}*kW)`,
      `1-0:2.7.0(${fixed(v.powerExportW, 2, 3)}*kW)`,
    ];
    // Phases L1, L2, L3: OBIS C of voltage 32/52/72, current 31/51/71, power import 21/41/61, export 22/42/62.
    const c = [
      [32, 31, 21, 22],
      [52, 51, 41, 42],
      [72, 71, 61, 62],
    ] as const;
    const perPhase = (column: 0 | 1 | 2 | 3, value: (p: DsmrValues['phases'][number]) => string): void => {
      v.phases.forEach((p, i) => {
        lines.push(`1-0:${c[i]![column]}.7.0(${value(p)})`);
      });
    };
    perPhase(0, (p) => `${fixed(p.voltageDv, 3, 1)}*V`);
    perPhase(1, (p) => `${fixed(p.currentA, 3, 0)}*A`);
    perPhase(2, (p) => `${fixed(p.importW, 2, 3)}*kW`);
    perPhase(3, (p) => `${fixed(p.exportW, 2, 3)}*kW`);
    lines.push(
      `0-1:24.1.0(${GAS_DEVICE_TYPE})`,
      `0-1:96.1.0(${asciiHex(this.spec.gasEquipmentId)})`,
      `0-1:24.2.1(${dsmrTimestamp(v.gasTimeMs)})(${fixed(v.gasLitres, 5, 3)}*m3)`,
      '!',
    );
    const body = lines.join('\r\n');
    const crc = crc16Arc(Buffer.from(body, 'latin1'));
    return `${body}${crc.toString(16).toUpperCase().padStart(4, '0')}\r\n`;
  }

  /** The encrypted frame at `timeMs` (general-glo-ciphering of the telegram text); needs `encryption`. */
  encryptedFrame(timeMs: number): Uint8Array {
    const enc = this.spec.encryption;
    if (enc === undefined) throw new SimError('SIM_BAD_OPTION', `DSMR meter ${this.id} has no encryption configured`);
    return encipherApdu(Buffer.from(this.telegram(timeMs), 'latin1'), {
      form: 'general-glo',
      securityControl: enc.ak === undefined ? SC_SUITE0_ENC : SC_SUITE0_AUTH_ENC,
      systemTitle: enc.systemTitle,
      invocationCounter: counterAt(timeMs),
      ek: enc.ek,
      ...(enc.ak === undefined ? {} : { ak: enc.ak }),
    });
  }

  frame(timeMs: number): SimFrame {
    return this.spec.encryption === undefined ? { protocol: 'dsmr', text: this.telegram(timeMs) } : { protocol: 'dsmr', text: bytesToHex(this.encryptedFrame(timeMs)) };
  }
}
