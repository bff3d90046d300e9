import { rmSync } from 'node:fs';
import { ALICE, DAY_START, type Home, makeHome } from '../src/gateway/han/_testing/home.js';
import { exportConsumerData, exportCsv } from '../src/gateway/privacy/export.js';
import { purgeExpired } from '../src/gateway/privacy/retention.js';
import { type Bench, type BenchLine, measure } from './harness.js';

const QUARTERS_PER_YEAR = 365 * 96;
const DAY_MS = 86_400_000;

/**
 * Privacy on the gateway (issue 9, part B): the consumer's download of a year of 15-minute readings (JSON and
 * CSV built) beside the bare SELECT of those rows, and the retention purge of a year of expired readings beside
 * a bare DELETE of as many rows. SQLite, one process.
 */
export const privacyPortalBench: Bench = {
  name: 'privacy-portal',
  async run(): Promise<readonly BenchLine[]> {
    const home = await makeHome({ accounts: false });
    try {
      await fillYear(home, ALICE.meters[1], DAY_START - 400 * DAY_MS);
      const [count] = await home.db.query<{ n: unknown }>('SELECT COUNT(*) AS n FROM gw_readings r JOIN gw_meters m ON m.meter_id = r.meter_id WHERE m.consumer_id = $1', [ALICE.consumerId]);
      const rows = Number(count?.n);
      const selectRate = await measure(async () => {
        await home.db.query(
          'SELECT r.meter_id, r.obis, r.value, r.unit, r.at, r.received_at, r.frame_hash FROM gw_readings r JOIN gw_meters m ON m.meter_id = r.meter_id WHERE m.consumer_id = $1 ORDER BY r.meter_id, r.received_at, r.at, r.obis',
          [ALICE.consumerId],
        );
      }, rows, 1500);
      const exportRate = await measure(async () => {
        const data = await exportConsumerData(home.db, ALICE.consumerId, { now: home.now.toISOString() });
        JSON.stringify(data, null, 2);
        exportCsv(data);
      }, rows, 1500);

      // Purge: a year of readings received 800 to 435 days ago, against a 365-day retention; the same rows again for the DELETE.
      const retention = { readingsDays: 365, consumerLogDays: 3650, systemLogDays: 3650, outboxDays: 3650 };
      let purgeRate = 0;
      let deleteRate = 0;
      let purged = 0;
      for (let round = 0; round < 2; round++) {
        await fillYear(home, ALICE.meters[1], DAY_START - 800 * DAY_MS);
        let t = performance.now();
        const r = await purgeExpired(home.db, home.logs, retention, home.now.toISOString());
        purgeRate = Math.max(purgeRate, (r.purged.readings * 1000) / (performance.now() - t));
        purged = r.purged.readings;
        await fillYear(home, ALICE.meters[1], DAY_START - 800 * DAY_MS);
        t = performance.now();
        const n = await home.db.run('DELETE FROM gw_readings WHERE received_at < $1', [new Date(home.now.getTime() - 365 * DAY_MS).toISOString()]);
        deleteRate = Math.max(deleteRate, (n * 1000) / (performance.now() - t));
      }
      return [
        {
          name: `consumer download, ${rows.toLocaleString('en-US')} readings (JSON and CSV built)`,
          rate: exportRate,
          unit: 'rows/s',
          primitive: { name: 'SQLite SELECT of the same rows', rate: selectRate },
        },
        {
          name: `retention purge of ${purged.toLocaleString('en-US')} expired readings (logs verified and anchored)`,
          rate: purgeRate,
          unit: 'rows/s',
          primitive: { name: 'SQLite DELETE of as many rows', rate: deleteRate },
          note: 'the purge also verifies the consumer and system log chains and signs their anchors',
        },
      ];
    } finally {
      await home.db.close();
      rmSync(home.dir, { recursive: true, force: true });
    }
  },
};

/** A year of 15-minute A- register readings for one meter, received at `start` onwards, in one transaction. */
async function fillYear(home: Home, meterId: string, start: number): Promise<void> {
  const hash = new Uint8Array(32);
  await home.db.transaction(async (tx) => {
    for (let q = 0; q < QUARTERS_PER_YEAR; q++) {
      const at = new Date(start + q * 900_000).toISOString();
      await tx.run('INSERT INTO gw_readings (meter_id, obis, value, unit, at, received_at, frame_hash) VALUES ($1, $2, $3, $4, $5, $5, $6)', [meterId, '1-0:2.8.0', String(q), 'kWh', at, hash]);
    }
  });
}
