import 'reflect-metadata';
import { Agent, createServer as createHttpsServer, request as httpsRequest } from 'node:https';
import type { AddressInfo } from 'node:net';
import { type SecureContext, type Server, connect, createServer as createTlsServer } from 'node:tls';
import { createWanFixture } from '../src/wan/_testing/fixture.js';
import { createWanClient } from '../src/wan/client.js';
import { createHeadEndServer } from '../src/wan/server.js';
import { profileSecureContext, profileTlsOptions } from '../src/wan/tls-profile.js';
import { type Bench, type BenchLine, measure } from './harness.js';

/** Handshakes in flight at once; client and server share this process, as on one loopback host. */
const PARALLEL = 4;
const MS = 2000;
const SLICES = 12;
const SLICE_MS = 250;

function handshakes(port: number, secureContext: SecureContext): Promise<void> {
  const one = () =>
    new Promise<void>((resolve, reject) => {
      const s = connect({ host: '127.0.0.1', port, secureContext, checkServerIdentity: () => undefined }, () => {
        s.destroy();
        resolve();
      });
      s.once('error', reject);
    });
  return Promise.all(Array.from({ length: PARALLEL }, one)).then(() => undefined);
}

const listening = async (s: Server): Promise<number> => {
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return (s.address() as AddressInfo).port;
};

export const wanBench: Bench = {
  name: 'wan',
  async run(): Promise<readonly BenchLine[]> {
    const fx = createWanFixture();
    const serverTls = { variant: 'wan' as const, credentials: fx.credentials(fx.pki.party.gwa), trust: fx.trust() };
    const clientTls = { variant: 'wan' as const, credentials: fx.credentials(fx.pki.party.gateway), trust: fx.trust() };
    const { secureContext } = profileSecureContext({ ...clientTls, side: 'client' });

    const headEnd = createHeadEndServer({ tls: serverTls });
    headEnd.route({ method: 'GET', url: '/ping', roles: ['gateway'], handler: async () => 'pong' });
    const headEndPort = (await headEnd.listen()).port;
    const bare = createTlsServer(profileTlsOptions({ ...serverTls, side: 'server' }), (s) => s.on('error', () => undefined));
    const barePort = await listening(bare);
    const bareHttps = createHttpsServer(profileTlsOptions({ ...serverTls, side: 'server' }), (_req, res) => res.end('pong'));
    const bareHttpsPort = await listening(bareHttps);

    try {
      // The two servers in alternating short slices, each figure a sum over its slices: load from elsewhere on
      // the shared machine then slows both alike.
      const slices = { bare: { ops: 0, ms: 0 }, ours: { ops: 0, ms: 0 } };
      await handshakes(barePort, secureContext);
      await handshakes(headEndPort, secureContext);
      for (let round = 0; round < SLICES; round++) {
        for (const [key, port] of [
          ['bare', barePort],
          ['ours', headEndPort],
        ] as const) {
          const t0 = performance.now();
          const until = t0 + SLICE_MS;
          while (performance.now() < until) {
            await handshakes(port, secureContext);
            slices[key].ops += PARALLEL;
          }
          slices[key].ms += performance.now() - t0;
        }
      }
      const bareRate = (slices.bare.ops * 1000) / slices.bare.ms;
      const ourRate = (slices.ours.ops * 1000) / slices.ours.ms;

      const client = createWanClient({ tls: clientTls, expect: { roles: ['gwa'] } });
      const url = `https://127.0.0.1:${headEndPort}/ping`;
      const ourRequests = await measure(async () => {
        await client.request(url);
      }, 1, MS);
      client.close();
      const agent = new Agent({ keepAlive: true, maxSockets: 1, secureContext, checkServerIdentity: () => undefined });
      const bareRequests = await measure(
        () =>
          new Promise<void>((resolve, reject) => {
            const req = httpsRequest({ host: '127.0.0.1', port: bareHttpsPort, path: '/ping', agent }, (res) => {
              res.resume();
              res.on('end', resolve);
            });
            req.on('error', reject);
            req.end();
          }),
        1,
        MS,
      );
      agent.destroy();
      return [
        {
          name: 'head-end mutual-TLS handshakes (brainpoolP256r1, TLS 1.2, profile options, peer identified)',
          rate: ourRate,
          unit: 'handshakes/s',
          primitive: { name: 'bare node:tls server, same profile options', rate: bareRate },
          goalRatio: 0.9,
          note: `${PARALLEL} in flight; client and server in one process on loopback; ${SLICES} alternating slices of ${SLICE_MS} ms each`,
        },
        {
          name: 'gateway client HTTPS requests over one kept-alive connection (fastify head-end)',
          rate: ourRequests,
          unit: 'requests/s',
          primitive: { name: 'node https.request to a bare node https server, same TLS', rate: bareRequests },
        },
      ];
    } finally {
      await headEnd.close();
      await new Promise((r) => bare.close(r));
      bareHttps.closeAllConnections();
      await new Promise((r) => bareHttps.close(r));
      fx.cleanup();
    }
  },
};
