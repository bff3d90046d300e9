import 'reflect-metadata';
import { createPrivateKey } from 'node:crypto';
import { createWanClient } from '../client.js';
import { startWakeUpReceiver } from '../wakeup-receiver.js';

/**
 * A gateway process for the socket test: it starts its wake-up receiver, makes one kept-alive HTTPS request
 * to the head-end, prints a line of JSON and waits until stdin closes. Argument: JSON of its settings.
 */
interface ChildConfig {
  readonly url: string;
  readonly certPem: string;
  readonly keyPem: string;
  readonly rootsPem: string;
  readonly crlsPem: readonly string[];
  readonly adminSigPem: string;
  readonly gatewayId: string;
}

const cfg = JSON.parse(process.argv[2] ?? '{}') as ChildConfig;
const receiver = await startWakeUpReceiver({
  host: '127.0.0.1',
  port: 0,
  gatewayId: cfg.gatewayId,
  adminCertificatePem: cfg.adminSigPem,
  log: () => undefined,
  onWakeUp: () => undefined,
});
const client = createWanClient({
  tls: { variant: 'wan', credentials: { certPem: cfg.certPem, key: { kind: 'key-object', key: createPrivateKey(cfg.keyPem) } }, trust: { rootsPem: cfg.rootsPem, crlsPem: cfg.crlsPem } },
  expect: { roles: ['gwa'] },
});
const res = await client.request(cfg.url);
process.stdout.write(`${JSON.stringify({ status: res.status, wakeUpPort: receiver.port })}\n`);
process.stdin.resume();
process.stdin.on('end', () => {
  client.close();
  void receiver.close();
});
