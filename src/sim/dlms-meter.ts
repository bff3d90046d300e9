/**
 * A simulated DLMS/COSEM meter pushing a data-notification (IEC 62056-5-3 / Green Book 9.5): a structure of
 * (OBIS, value, scaler_unit) per register, ciphered as general-glo-ciphering with security suite 0
 * (AES-GCM-128, authenticated and encrypted, SC 0x30) under an invocation counter that grows with time.
 */
import { ByteWriter, bytesToHex } from '../protocols/bytes.js';
import { encipherApdu } from '../protocols/dlms/ciphering.js';
import { AXDR, COSEM_UNIT, type CosemValue, cosemDateTime, writeCosemValue } from './_cosem.js';
import { SimError } from './errors.js';
import { checkKey, counterAt, type SimFrame, type SimMeter } from './meter.js';
import { createProfile, type ElectricitySample, type Profile, registerSteps, valueSteps } from './profiles.js';

/** data-notification APDU tag (Green Book 9.5, [15]). */
const DATA_NOTIFICATION = 0x0f;
/** Security control: suite 0 with encryption (0x20), plus authentication (0x10) (Green Book 9.2.7.2.3). */
const SC_SUITE0_ENC = 0x20;
const SC_SUITE0_AUTH_ENC = 0x30;
/** The date-time field of a data-notification is an octet string of 12 (Green Book 9.5). */
const DATE_TIME_LENGTH = 12;

export interface DlmsMeterSpec {
  /** 8 bytes: 3-letter manufacturer + 5 bytes of serial number (Green Book 4.3.4). */
  readonly systemTitle: Uint8Array;
  /** Global unicast encryption key. */
  readonly ek: Uint8Array;
  /** Authentication key: with it the APDU is authenticated and encrypted (SC 30), without it encrypted only (SC 20). */
  readonly ak?: Uint8Array;
  readonly seed: number;
  readonly pv?: boolean;
}

type Obis = CosemValue['obis'];
const obis = (c: number, d: number, e: number): Obis => [1, 0, c, d, e, 255];
/** Per phase L1, L2, L3: voltage (32/52/72.7.0), current (31/51/71.7.0), net active power (36/56/76.7.0), angle U-I (81.7.4/15/26). */
const PHASE_C = [
  { voltage: 32, current: 31, power: 36, angle: 4 },
  { voltage: 52, current: 51, power: 56, angle: 15 },
  { voltage: 72, current: 71, power: 76, angle: 26 },
] as const;

/** The registers a notification at t carries, with whole steps, scaler and unit (readings: steps x 10^scaler). */
export function dlmsValues(s: ElectricitySample): CosemValue[] {
  const out: CosemValue[] = [
    { obis: obis(1, 8, 0), type: AXDR.doubleLongUnsigned, steps: registerSteps(s.importWh, 1), scaler: 0, unit: COSEM_UNIT.wattHour },
    { obis: obis(2, 8, 0), type: AXDR.doubleLongUnsigned, steps: registerSteps(s.exportWh, 1), scaler: 0, unit: COSEM_UNIT.wattHour },
    { obis: obis(1, 7, 0), type: AXDR.doubleLongUnsigned, steps: valueSteps(s.powerImportW, 1), scaler: 0, unit: COSEM_UNIT.watt },
    { obis: obis(2, 7, 0), type: AXDR.doubleLongUnsigned, steps: valueSteps(s.powerExportW, 1), scaler: 0, unit: COSEM_UNIT.watt },
  ];
  s.phases.forEach((p, i) => {
    const c = PHASE_C[i]!;
    out.push(
      { obis: obis(c.voltage, 7, 0), type: AXDR.longUnsigned, steps: valueSteps(p.voltageV, 0.1), scaler: -1, unit: COSEM_UNIT.volt },
      { obis: obis(c.current, 7, 0), type: AXDR.longUnsigned, steps: valueSteps(p.currentA, 0.01), scaler: -2, unit: COSEM_UNIT.ampere },
      { obis: obis(c.power, 7, 0), type: AXDR.doubleLong, steps: valueSteps(p.powerW, 1), scaler: 0, unit: COSEM_UNIT.watt },
      { obis: obis(81, 7, c.angle), type: AXDR.longUnsigned, steps: valueSteps(p.phaseAngleDeg, 0.1), scaler: -1, unit: COSEM_UNIT.degree },
    );
  });
  return out;
}

export class DlmsMeter implements SimMeter {
  readonly kind = 'dlms';
  readonly protocol = 'dlms';
  readonly id: string;
  readonly systemTitle: string;
  readonly key: Uint8Array;
  readonly ak?: Uint8Array;
  readonly profile: Profile;
  private readonly title: Uint8Array;

  constructor(spec: DlmsMeterSpec) {
    if (spec.systemTitle.length !== 8) throw new SimError('SIM_BAD_OPTION', `system title must be 8 bytes, got ${spec.systemTitle.length}`);
    this.title = Uint8Array.from(spec.systemTitle);
    this.systemTitle = bytesToHex(this.title);
    this.id = this.systemTitle;
    this.key = checkKey(spec.ek, 'the DLMS encryption key');
    if (spec.ak !== undefined) this.ak = checkKey(spec.ak, 'the DLMS authentication key');
    this.profile = createProfile({ medium: 'electricity', seed: spec.seed, ...(spec.pv === true ? { pv: true } : {}) });
  }

  /** The plaintext data-notification at `timeMs`. */
  notification(timeMs: number): Uint8Array {
    const s = this.profile.sampleAt(timeMs);
    if (s.kind !== 'electricity') throw new SimError('SIM_BAD_OPTION', 'a DLMS meter simulates electricity only');
    const values = dlmsValues(s);
    const w = new ByteWriter(64 + 24 * values.length)
      .u8(DATA_NOTIFICATION)
      .u32be(counterAt(timeMs) & 0x00ffffff)
      .u8(DATE_TIME_LENGTH)
      .bytes(cosemDateTime(timeMs))
      .u8(AXDR.structure)
      .u8(values.length);
    for (const v of values) writeCosemValue(w, v);
    return w.finish();
  }

  /** The ciphered APDU (general-glo-ciphering) sent at `timeMs`. */
  apdu(timeMs: number): Uint8Array {
    return encipherApdu(this.notification(timeMs), {
      form: 'general-glo',
      securityControl: this.ak === undefined ? SC_SUITE0_ENC : SC_SUITE0_AUTH_ENC,
      systemTitle: this.title,
      invocationCounter: counterAt(timeMs),
      ek: this.key,
      ...(this.ak === undefined ? {} : { ak: this.ak }),
    });
  }

  frame(timeMs: number): SimFrame {
    return { protocol: 'dlms', text: bytesToHex(this.apdu(timeMs)) };
  }
}
