import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemorySecurityModule } from '../../crypto/memory-module.js';
import type { Db } from '../../store/db.js';
import { GatewayLogs } from '../logs/gateway-logs.js';
import { readConsumerLog } from '../logs/read-records.js';
import { activeContracts, addContract, findEmtBySha, setEmtCertificates } from '../registry.js';
import type { ContractInput } from '../taf/contract.js';
import { gatewayBackends } from './_testing/stores.js';
import { consentInForce, consentsOf, grantConsent, withdrawConsent } from './consent.js';
import { FINAL_PERIOD_GRACE_MS, eraseEndedContracts } from './erasure.js';
import { privacyReport } from './report.js';
import { gatewayCodeOf } from '../_testing/error-code.js';

/**
 * Consent, erasure and the report on both store back ends: the statements are portable SQL, so the same
 * scenario must leave the same rows on SQLite and PostgreSQL.
 */

const backends = gatewayBackends('prv');
beforeAll(() => backends.start());
afterAll(() => backends.stop());

const LABEL = 'gw1/sig';
const SHA_A = 'aa'.repeat(32);
const SHA_B = 'bb'.repeat(32);
const T0 = '2026-11-23T10:00:00.000Z';
const END = '2026-11-23T12:00:00.000Z';
const at = (minutes: number) => new Date(Date.parse(T0) + minutes * 60_000).toISOString();

const curve = (id: string, meterId: string, emt: string, sha: string, validTo = '2027-01-01T00:00:00Z'): ContractInput => ({
  id,
  taf: 7,
  meterId,
  consumerId: `consumer-${meterId}`,
  recipient: { name: emt, encCertSha256: sha },
  validFrom: '2026-01-01T00:00:00Z',
  validTo,
  timeZone: 'UTC',
  intervalMinutes: 15,
  registers: ['1-0:1.8.0'],
});

async function seed(db: Db): Promise<GatewayLogs> {
  const sm = new MemorySecurityModule();
  await sm.generateKeyPair(LABEL, 'brainpoolP256r1');
  const logs = await GatewayLogs.open({ db, sm, keyLabel: LABEL, clock: () => new Date(T0) });
  for (const m of ['M1', 'M2']) {
    await db.run("INSERT INTO gw_meters (meter_id, protocol, consumer_id, active, registered_at) VALUES ($1, 'wmbus', $2, 1, $3)", [m, `consumer-${m}`, T0]);
  }
  await setEmtCertificates(db, { emt: 'emt-a', encPem: 'enc-a', sigPem: 'sig-a' }, SHA_A);
  await setEmtCertificates(db, { emt: 'emt-b', encPem: 'enc-b', sigPem: 'sig-b' }, SHA_B);
  await addContract(db, curve('k-old', 'M1', 'emt-b', SHA_B, END), T0);
  await addContract(db, curve('k-keep', 'M2', 'emt-a', SHA_A), T0);
  // Under a policy that asks consent only below 15 minutes, a 15-minute curve runs on its contract alone.
  await addContract(db, curve('k-coarse', 'M1', 'emt-a', SHA_A), T0, { consentFinerThanMinutes: 15, finestIntervalSeconds: 1 });
  return logs;
}

async function outbox(db: Db, id: string, contractId: string, delivered: string | null): Promise<void> {
  await db.run(
    `INSERT INTO gw_outbox (message_id, recipient, route, contract_id, consumer_id, cms, created_at, attempts, next_attempt_at, delivered_at)
     VALUES ($1, 'emt', '/v1/emt/emt/messages', $2, 'c', $3, $4, 0, 0, $5)`,
    [id, contractId, new Uint8Array([1, 2, 3]), T0, delivered],
  );
}

const count = async (db: Db, sql: string, p: readonly string[] = []) => Number((await db.query<{ n: number }>(sql, p))[0]?.n);

describe.each(backends.list)('privacy on %s', (_name, open) => {
  it('binds consent by the policy when added, grants, withdraws, erases and reports the same way', async () => {
    const db = await open();
    try {
      const logs = await seed(db);
      const running = Object.fromEntries((await activeContracts(db)).map((c) => [c.contract.id, c.consentRequired]));
      expect(running).toEqual({ 'k-coarse': false, 'k-keep': true, 'k-old': true });
      expect(await gatewayCodeOf(grantConsent(db, logs, { consumerId: 'consumer-M1', contractId: 'k-coarse' }, at(0)))).toBe('GW_CONSENT_NOT_NEEDED');
      expect(await gatewayCodeOf(grantConsent(db, logs, { consumerId: 'consumer-M1', contractId: 'k-keep' }, at(0)))).toBe('GW_CONSENT_UNKNOWN_CONTRACT');

      await grantConsent(db, logs, { consumerId: 'consumer-M1', contractId: 'k-old' }, at(0));
      await grantConsent(db, logs, { consumerId: 'consumer-M2', contractId: 'k-keep' }, at(0));
      await outbox(db, 'o1', 'k-old', at(20));
      await outbox(db, 'o2', 'k-old', at(35));
      await outbox(db, 'o3', 'k-old', null);
      await outbox(db, 'k1', 'k-keep', at(20));
      await outbox(db, 'k2', 'k-keep', null);
      await withdrawConsent(db, logs, { consumerId: 'consumer-M2', contractId: 'k-keep' }, at(40));
      await grantConsent(db, logs, { consumerId: 'consumer-M2', contractId: 'k-keep' }, at(50));
      expect(await consentsOf(db, 'consumer-M2')).toEqual([
        { consumerId: 'consumer-M2', contractId: 'k-keep', grantedAt: at(50), withdrawnAt: null },
        { consumerId: 'consumer-M2', contractId: 'k-keep', grantedAt: at(0), withdrawnAt: at(40) },
      ]);
      expect(await count(db, "SELECT COUNT(*) AS n FROM gw_outbox WHERE contract_id = 'k-keep'")).toBe(1);

      expect(await eraseEndedContracts(db, logs, at(100))).toEqual([]);
      // A removed contract whose stored text no longer parses: erased by id, holding up nothing else.
      await db.run("INSERT INTO gw_contracts (contract_id, meter_id, contract, state, active, added_at) VALUES ('k-damaged', 'M1', '{\"taf\":1}', NULL, 0, $1)", [T0]);
      await outbox(db, 'd1', 'k-damaged', at(5));
      // k-old's final period was never made (no readings, no tick): it waits out the grace; k-damaged goes at once.
      expect(await eraseEndedContracts(db, logs, at(121))).toEqual([
        { contractId: 'k-damaged', consumerId: 'consumer-M1', recipient: null, taf: null, endedAt: at(121), deliveredErased: 1, pendingKept: 0, consentsErased: 0, certificatesErased: false },
      ]);
      const graceOver = at(120 + FINAL_PERIOD_GRACE_MS / 60_000);
      expect(await eraseEndedContracts(db, logs, graceOver)).toEqual([
        { contractId: 'k-old', consumerId: 'consumer-M1', recipient: 'emt-b', taf: 7, endedAt: graceOver, deliveredErased: 2, pendingKept: 1, consentsErased: 1, certificatesErased: true },
      ]);
      expect(await count(db, "SELECT COUNT(*) AS n FROM gw_outbox WHERE contract_id = 'k-old'")).toBe(1);
      expect(await count(db, "SELECT COUNT(*) AS n FROM gw_outbox WHERE contract_id = 'k-keep'")).toBe(1);
      expect(await consentInForce(db, 'k-old')).toBe(false);
      expect(await consentInForce(db, 'k-keep')).toBe(true);
      expect(await findEmtBySha(db, SHA_B)).toBeUndefined();
      expect(await findEmtBySha(db, SHA_A)).toMatchObject({ emt: 'emt-a' });
      expect((await readConsumerLog(db, 'consumer-M1')).map((r) => [r.event, (r.details as { contractId: string }).contractId])).toEqual([
        ['consent-granted', 'k-old'],
        ['contract-erased', 'k-damaged'],
        ['contract-erased', 'k-old'],
      ]);

      const report = await privacyReport(db, graceOver);
      expect(report.unreadableContracts).toEqual(['k-damaged']);
      const flows = Object.fromEntries(report.consumers.flatMap((c) => c.recipients.map((f) => [f.contractId, f])));
      expect(flows['k-old']).toMatchObject({ status: 'ended', legalBasis: { kind: 'consent', state: 'erased' }, messages: { sent: 2, pending: 1, firstSentAt: at(20), lastSentAt: at(35) } });
      expect(flows['k-keep']).toMatchObject({ status: 'running', legalBasis: { kind: 'consent', state: 'in-force' }, messages: { sent: 1, pending: 0 } });
      expect(flows['k-coarse']).toMatchObject({ status: 'running', legalBasis: { kind: 'contract' }, messages: { sent: 0, pending: 0 } });
    } finally {
      await db.close();
    }
  }, 60_000);
});
