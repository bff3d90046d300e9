import type { GatewayRuntime } from '../../gateway/index.js';
import { addConsumerAccount, migrateHan, startGatewayPortal } from '../../gateway/han/index.js';

export interface DemoPortal {
  readonly url: string;
  close(): Promise<void>;
}

/** The gateway's consumer portal on loopback with one consumer account (its secp256r1 certificate is self-issued). */
export async function startDemoPortal(o: {
  gateway: GatewayRuntime;
  gatewayName: string;
  consumerId: string;
  username: string;
  password: string;
}): Promise<DemoPortal> {
  const { db, sm, logs } = o.gateway;
  await migrateHan(db);
  await addConsumerAccount(db, { consumerId: o.consumerId, username: o.username, password: o.password });
  const portal = await startGatewayPortal({ db, sm, logs, gatewayName: o.gatewayName, hosts: ['127.0.0.1', 'localhost'], host: '127.0.0.1', port: 0 });
  return { url: `${portal.url}/`, close: () => portal.close() };
}
