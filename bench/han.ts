import { randomBytes, scryptSync } from 'node:crypto';
import { rmSync } from 'node:fs';
import { ALICE, DAY_START, makeHome } from '../src/gateway/han/_testing/home.js';
import { SCRYPT_PARAMS, createHanApp, login } from '../src/gateway/han/index.js';
import { type Bench, type BenchLine, measure } from './harness.js';

/**
 * The HAN portal: a login beside one scrypt of the same parameters (what it is bound by, on purpose), and an
 * authenticated day load curve (96 quarter hours) through the whole HTTP stack beside the bare SELECT of its rows.
 */
export const hanBench: Bench = {
  name: 'han',
  async run(): Promise<readonly BenchLine[]> {
    const home = await makeHome();
    try {
      const salt = randomBytes(16);
      const { N, r, p, keyLength } = SCRYPT_PARAMS;
      const scryptRate = await measure(() => {
        scryptSync('a password of some length', salt, keyLength, { N, r, p, maxmem: 256 * N * r });
      }, 1, 1500);
      const loginRate = await measure(async () => {
        await login(home.db, ALICE.username, ALICE.password, home.now.getTime());
      }, 1, 1500);

      const app = await createHanApp({ db: home.db, clock: home.clock });
      const res = await app.inject({ method: 'POST', url: '/api/login', payload: { username: ALICE.username, password: ALICE.password } });
      const cookie = String(res.headers['set-cookie']).split(';')[0] ?? '';
      const from = new Date(DAY_START).toISOString();
      const to = new Date(DAY_START + 86_400_000).toISOString();
      const url = `/api/meters/${ALICE.meters[0]}/readings?from=${from}&to=${to}&step=15m`;
      const selectRate = await measure(async () => {
        await home.db.query('SELECT obis, value, unit, at FROM gw_readings WHERE meter_id = $1 AND at >= $2 AND at <= $3 ORDER BY at', [ALICE.meters[0], from, to]);
      }, 1, 1500);
      const curveRate = await measure(async () => {
        await app.inject({ method: 'GET', url, headers: { cookie } });
      }, 1, 1500);
      await app.close();
      return [
        {
          name: 'HAN login (scrypt N=2^15 verify + session)',
          rate: loginRate,
          unit: 'logins/s',
          primitive: { name: 'scrypt N=2^15 r=8 p=1', rate: scryptRate },
          note: 'bound by scrypt on purpose: password guessing costs the same',
        },
        {
          name: 'HAN load curve, one day at 15 min over HTTP (inject)',
          rate: curveRate,
          unit: 'requests/s',
          primitive: { name: 'SQLite SELECT of the same readings', rate: selectRate },
        },
      ];
    } finally {
      await home.db.close();
      rmSync(home.dir, { recursive: true, force: true });
    }
  },
};
