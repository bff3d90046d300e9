import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestPostgres, startPostgres } from '../../store/_testing/postgres.js';
import { type DemoSummary, runDemo } from './run-demo.js';

let pg: TestPostgres;
beforeAll(async () => {
  pg = await startPostgres();
});
afterAll(() => pg?.stop());

/** Two messages or more for every participant, each by the path it should take: what the test then checks. */
const everyoneServed = ({ provenance: p }: DemoSummary): boolean =>
  (p['supplier-a']?.direct ?? 0) >= 2 && (p['supplier-b']?.direct ?? 0) >= 2 && (p['grid-operator']?.pseudonymised ?? 0) >= 2;

/**
 * End to end with the real parts: PKI, head-end, gateway with simulated meters, administration through signed
 * commands; the head-end on SQLite and on PostgreSQL.
 */
describe.each(['sqlite', 'postgres'] as const)('the whole path on %s', (store) => {
  it('delivers each contract to its market participant only, and TAF 10 under a pseudonym', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), `gw-e2e-${store}-`)), 'demo');
    const summary = await runDemo({
      dir,
      speed: 240,
      // An upper bound: the run stops as soon as every participant has been served.
      durationS: 60,
      stopWhen: everyoneServed,
      say: () => undefined,
      emit: () => undefined,
      stopSignal: new Promise(() => undefined),
      ...(store === 'postgres' ? { headendPostgresUrl: await pg.createDatabase(`e2e_${Date.now()}`) } : {}),
    });
    const p = summary.provenance;
    // The suppliers get their contracts' data straight from the gateway, named.
    for (const emt of ['supplier-a', 'supplier-b']) {
      expect(p[emt]?.direct, emt).toBeGreaterThan(0);
      expect(p[emt]?.pseudonymised, emt).toBe(0);
      expect(p[emt]?.senders, emt).toEqual(['gw-demo']);
    }
    // The grid operator gets TAF 10 data only through the administrator, never the gateway's name.
    expect(p['grid-operator']?.pseudonymised).toBeGreaterThan(0);
    expect(p['grid-operator']?.direct).toBe(0);
    expect(p['grid-operator']?.senders).toHaveLength(1);
    expect(p['grid-operator']?.senders[0]).not.toContain('gw-demo');
  }, 150_000);
});
