import 'reflect-metadata';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { TestClock, openCore } from '../../gateway/_testing/core.js';
import { type GatewayFixture, contractFor, makeGatewayFixture, seedGateway } from '../../gateway/_testing/fixture.js';
import { meterTelegram } from '../../gateway/_testing/telegrams.js';
import { grantConsent, withdrawConsent } from '../../gateway/privacy/consent.js';
import type { PrivacyReport } from '../../gateway/privacy/report.js';
import { runCli } from '../_testing/run-cli.js';

const KEY = Buffer.from('5555666677778888999900001111AAAA', 'hex');
const MA = '61610000';
const MB = '62620000';
const T0 = Date.parse('2026-11-23T06:01:00Z');
const MIN = 60_000;

let fx: GatewayFixture;
/** What the store holds, read with SQL independently of the report's code. */
let held: {
  outbox: Array<{ contract_id: string; delivered_at: string | null }>;
  consents: Array<{ contract_id: string; granted_at: string; withdrawn_at: string | null }>;
};

beforeAll(async () => {
  fx = await makeGatewayFixture();
  await seedGateway(
    fx,
    [
      { meterId: MA, key: KEY },
      { meterId: MB, key: KEY },
    ],
    [
      contractFor(fx, { id: 'r-bill', meterId: MA, taf: 1, emt: 'emt1' }),
      contractFor(fx, { id: 'r-curve', meterId: MA, taf: 7, emt: 'emt2' }),
      contractFor(fx, { id: 'r-b-curve', meterId: MB, taf: 7, emt: 'emt2' }),
    ],
    { grantConsent: false },
  );
  const clock = new TestClock(T0);
  const core = await openCore(fx, { clock });
  try {
    await grantConsent(core.db, core.logs, { consumerId: `consumer-${MA}`, contractId: 'r-curve' }, new Date(T0).toISOString());
    await grantConsent(core.db, core.logs, { consumerId: `consumer-${MB}`, contractId: 'r-b-curve' }, new Date(T0).toISOString());
    for (let i = 1; i <= 10; i++) {
      clock.ms = T0 + i * 5 * MIN;
      await core.ingestor.ingest({ protocol: 'wmbus', text: meterTelegram(MA, KEY, 100 + i, i) });
      await core.ingestor.ingest({ protocol: 'wmbus', text: meterTelegram(MB, KEY, 700 + i, i) });
    }
    // The first two messages of r-curve reached the head-end; the rest waits.
    await core.db.run(
      "UPDATE gw_outbox SET delivered_at = created_at WHERE seq IN (SELECT seq FROM gw_outbox WHERE contract_id = 'r-curve' ORDER BY seq LIMIT 2)",
    );
    await withdrawConsent(core.db, core.logs, { consumerId: `consumer-${MB}`, contractId: 'r-b-curve' }, new Date(clock.ms).toISOString());
    held = {
      outbox: await core.db.query('SELECT contract_id, delivered_at FROM gw_outbox ORDER BY seq'),
      consents: await core.db.query('SELECT contract_id, granted_at, withdrawn_at FROM gw_consents ORDER BY contract_id, n'),
    };
  } finally {
    await core.close();
  }
}, 90_000);

describe('gridwarden privacy report', () => {
  let report: PrivacyReport;

  it('prints JSON per consumer that matches what the store holds', async () => {
    const r = await runCli(['privacy', 'report', '--config', fx.writeConfig(), '--json'], { timeoutMs: 60_000 });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    report = JSON.parse(r.stdout) as PrivacyReport;
    expect(report.consumers.map((c) => [c.consumerId, c.meters])).toEqual([
      [`consumer-${MA}`, [MA]],
      [`consumer-${MB}`, [MB]],
    ]);
    const flows = report.consumers.flatMap((c) => c.recipients.map((f) => ({ consumer: c.consumerId, ...f })));
    expect(flows.map((f) => [f.consumer, f.contractId, f.recipient])).toEqual([
      [`consumer-${MA}`, 'r-bill', 'emt1'],
      [`consumer-${MA}`, 'r-curve', 'emt2'],
      [`consumer-${MB}`, 'r-b-curve', 'emt2'],
    ]);
    for (const f of flows) {
      const mine = held.outbox.filter((o) => o.contract_id === f.contractId);
      const delivered = mine.map((o) => o.delivered_at).filter((d): d is string => d !== null).sort();
      expect(f.messages).toEqual({ sent: delivered.length, pending: mine.length - delivered.length, firstSentAt: delivered[0] ?? null, lastSentAt: delivered.at(-1) ?? null });
      const consents = held.consents.filter((c) => c.contract_id === f.contractId).map((c) => ({ grantedAt: c.granted_at, withdrawnAt: c.withdrawn_at }));
      if (f.contractId === 'r-bill') expect(f.legalBasis).toEqual({ kind: 'contract' });
      else expect(f.legalBasis).toEqual({ kind: 'consent', state: f.contractId === 'r-curve' ? 'in-force' : 'withdrawn', history: consents });
    }
    const curve = flows.find((f) => f.contractId === 'r-curve')!;
    expect(curve).toMatchObject({ taf: 7, dataClasses: ['load curve'], values: ['1-0:1.8.0'], granularity: { kind: 'interval', seconds: 900 }, status: 'running' });
    expect(curve.messages.sent).toBe(2);
    expect(flows.find((f) => f.contractId === 'r-bill')).toMatchObject({ granularity: { kind: 'billing-period', period: 'every 1 day' }, status: 'running' });
    expect(flows.find((f) => f.contractId === 'r-b-curve')).toMatchObject({ status: 'dormant', messages: { sent: 0, pending: 0 } });
  }, 90_000);

  it('prints a plain table with one line per recipient flow', async () => {
    const r = await runCli(['privacy', 'report', '--config', fx.writeConfig()], { timeoutMs: 60_000 });
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines[1]).toMatch(/^consumer\s+contract\s+recipient\s+data classes\s+granularity\s+legal basis\s+status\s+sent/);
    const curveLine = lines.find((l) => l.includes('r-curve'))!;
    expect(curveLine).toContain('TAF 7: load curve');
    expect(curveLine).toContain('every 15 min');
    expect(curveLine).toContain(`consent since ${new Date(T0).toISOString()}`);
    expect(lines.find((l) => l.includes('r-b-curve'))).toContain('dormant');
    expect(lines.filter((l) => l.startsWith('consumer-'))).toHaveLength(3);
  }, 90_000);

  it.each([
    ['a configuration with a bad field', () => fx.writeConfig({ privacy: { consentFinerThanMinutes: 0 } }), 'GW_CONFIG'],
    ['a data folder without a store', () => {
      const dir = join(fx.root, 'empty-data');
      mkdirSync(dir, { recursive: true });
      return fx.writeConfig({ dataDir: dir });
    }, 'CLI_FILE'],
  ])('refuses %s with its code', async (_what, config, code) => {
    const r = await runCli(['privacy', 'report', '--config', config(), '--json'], { timeoutMs: 60_000 });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(code);
    expect(r.stdout).toBe('');
  }, 90_000);
});
