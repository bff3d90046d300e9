/**
 * Test builder of a gateway's home network: a store with two consumers (alice with two meters, bob with one),
 * 15-minute register readings, contracts, the gateway logs on a memory security module, and a portal account
 * per consumer. Values are made so that every consumer's data is recognisable (bob's meter id and recipient
 * appear nowhere in alice's data).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemorySecurityModule } from '../../../crypto/memory-module.js';
import type { Db } from '../../../store/db.js';
import { GatewayLogs } from '../../logs/gateway-logs.js';
import { openGatewayStore } from '../../runtime.js';
import { addConsumerAccount } from '../accounts.js';

export const LOG_KEY = 'gw1-sig';
export const DAY = '2026-11-20';
export const DAY_START = Date.parse(`${DAY}T00:00:00Z`);
export const QUARTER = 15 * 60_000;

export const ALICE = { consumerId: 'c-alice', username: 'alice', password: 'alice-home-secret', meters: ['1ESY1160000001', '1ESY1160000002'] } as const;
export const BOB = { consumerId: 'c-bob', username: 'bob', password: 'bob-home-secret-99', meters: ['9BOB0000000777'] } as const;

export interface Home {
  readonly dir: string;
  readonly db: Db;
  readonly sm: MemorySecurityModule;
  readonly logs: GatewayLogs;
  /** Clock the portal and logs read; tests move it. */
  now: Date;
  readonly clock: () => Date;
}

/** Energy drawn in quarter hour `q` of the day (kWh): a household curve with a morning and an evening peak. */
export const quarterUse = (q: number): number => 0.05 + (q >= 28 && q < 36 ? 0.3 : 0) + (q >= 72 && q < 88 ? 0.45 : 0);

/**
 * Cumulative A+ register of alice's first meter at the end of quarter `q` (q = -1 is midnight before the day).
 * Kept as a decimal string with 3 decimals, as meters send it.
 */
export function aliceRegister(q: number): string {
  let v = 12_345.678;
  for (let i = 0; i <= q; i++) v += quarterUse(i);
  return v.toFixed(3);
}

export async function makeHome(opts: { accounts?: boolean } = {}): Promise<Home> {
  const dir = mkdtempSync(join(tmpdir(), 'gridwarden-han-'));
  const db = await openGatewayStore(dir);
  const sm = new MemorySecurityModule();
  await sm.generateKeyPair(LOG_KEY, 'brainpoolP256r1');
  const home = { dir, db, sm, now: new Date(DAY_START + 36 * 3600_000) } as { -readonly [K in keyof Home]: Home[K] };
  home.clock = () => home.now;
  home.logs = await GatewayLogs.open({ db, sm, keyLabel: LOG_KEY, clock: home.clock });
  const reg = '2026-11-01T00:00:00.000Z';
  for (const [consumer, meters] of [
    [ALICE.consumerId, ALICE.meters],
    [BOB.consumerId, BOB.meters],
  ] as const) {
    for (const m of meters) await db.run('INSERT INTO gw_meters (meter_id, protocol, key_label, key_sealed, consumer_id, active, registered_at) VALUES ($1, $2, NULL, NULL, $3, 1, $4)', [m, 'dsmr', consumer, reg]);
  }
  const hash = new Uint8Array(32);
  const insert = (meter: string, obis: string, value: string, unit: string, at: number) =>
    db.run('INSERT INTO gw_readings (meter_id, obis, value, unit, at, received_at, frame_hash) VALUES ($1, $2, $3, $4, $5, $5, $6)', [meter, obis, value, unit, new Date(at).toISOString(), hash]);
  // Alice's first meter: the register at midnight and at the end of each quarter hour of DAY.
  await insert(ALICE.meters[0], '1-0:1.8.0', aliceRegister(-1), 'kWh', DAY_START);
  for (let q = 0; q < 96; q++) await insert(ALICE.meters[0], '1-0:1.8.0', aliceRegister(q), 'kWh', DAY_START + (q + 1) * QUARTER);
  await insert(ALICE.meters[0], '1-0:1.7.0', '0.412', 'kW', DAY_START + 96 * QUARTER);
  await insert(ALICE.meters[1], '1-0:2.8.0', '880.500', 'kWh', DAY_START + 12 * 3600_000);
  // Bob's meter: values no curve of alice's could produce.
  for (let h = 0; h <= 24; h++) await insert(BOB.meters[0], '1-0:1.8.0', (77_700 + h * 7.777).toFixed(3), 'kWh', DAY_START + h * 3600_000);

  // Contracts as the gateway stores them (valid TAF contracts): a 15-minute load curve needs the consumer's
  // consent under the default privacy policy, a monthly billing contract does not.
  const contract = (id: string, consumerId: string, meterId: string, recipient: string, terms: Readonly<Record<string, unknown>>) =>
    db.run('INSERT INTO gw_contracts (contract_id, meter_id, contract, state, active, added_at) VALUES ($1, $2, $3, NULL, 1, $4)', [
      id,
      meterId,
      JSON.stringify({ id, meterId, consumerId, recipient: { name: recipient, encCertSha256: '00'.repeat(32) }, validFrom: '2026-11-01T00:00:00Z', validTo: '2027-11-01T00:00:00Z', ...terms }),
      reg,
    ]);
  const loadCurve = { taf: 7, intervalMinutes: 15, registers: ['1-0:1.8.0'] };
  await contract('k-alice-7', ALICE.consumerId, ALICE.meters[0], 'emt-stadtwerk', loadCurve);
  await contract('k-alice-1', ALICE.consumerId, ALICE.meters[1], 'emt-netzbetreiber', { taf: 1, billing: { kind: 'monthly', day: 1 }, registers: ['1-0:2.8.0'] });
  await contract('k-bob-7', BOB.consumerId, BOB.meters[0], 'emt-bobs-supplier', loadCurve);
  await db.run('INSERT INTO gw_contracts (contract_id, meter_id, contract, state, active, added_at) VALUES ($1, $2, $3, NULL, 0, $4)', ['k-alice-old', ALICE.meters[0], '{"taf":1}', reg]);

  await logSent(home, ALICE.consumerId, ALICE.meters[0], 'k-alice-7', 'emt-stadtwerk');
  await logSent(home, BOB.consumerId, BOB.meters[0], 'k-bob-7', 'emt-bobs-supplier');
  if (opts.accounts ?? true) {
    await addConsumerAccount(db, ALICE);
    await addConsumerAccount(db, BOB);
  }
  return home;
}

/** Writes a data-sent record as the gateway's ingest does when it queues an upload. */
export function logSent(home: Home, consumerId: string, meterId: string, contractId: string, recipient: string, messageId = `m-${Math.random().toString(36).slice(2)}`) {
  return home.logs.append('consumer', {
    consumerId,
    level: 'info',
    event: 'data-sent',
    text: `TAF 7 values of meter ${meterId} for ${DAY}T00:00Z..${DAY}T00:15Z queued for ${recipient}`,
    outcome: 'success',
    details: { messageId, contractId, recipient, values: ['1-0:1.8.0'] },
  });
}
