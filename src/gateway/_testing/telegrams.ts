/** Test telegrams: mode 5 wM-Bus telegrams of an electricity meter carrying its A+ register (1-0:1.8.0). */
import { buildTelegram } from '../../protocols/wmbus/_build.js';

/** BCD id bytes as sent (least significant first) of an 8-digit meter id. */
export function idBytes(meterId: string): number[] {
  const out: number[] = [];
  for (let i = meterId.length - 2; i >= 0; i -= 2) out.push(Number.parseInt(meterId.slice(i, i + 2), 16));
  return out;
}

/** 2F2F, then energy in kWh as a 32-bit integer (DIF 04, VIF 06). */
export function energyRecords(kwh: number): Uint8Array {
  const r = new Uint8Array(8);
  r.set([0x2f, 0x2f, 0x04, 0x06]);
  new DataView(r.buffer).setUint32(4, kwh, true);
  return r;
}

export function meterTelegram(meterId: string, key: Uint8Array, kwh: number, accessNumber: number): string {
  const t = buildTelegram({ id: idBytes(meterId), deviceType: 0x02, mode: 5, key, accessNumber: accessNumber & 0xff, records: energyRecords(kwh) });
  return Buffer.from(t).toString('hex').toUpperCase();
}

/** A mode 7 telegram (AFL message counter: replay-protected by counter). */
export function meterTelegramMode7(meterId: string, key: Uint8Array, kwh: number, counter: number): string {
  const t = buildTelegram({ id: idBytes(meterId), deviceType: 0x02, mode: 7, key, counter, records: energyRecords(kwh) });
  return Buffer.from(t).toString('hex').toUpperCase();
}
