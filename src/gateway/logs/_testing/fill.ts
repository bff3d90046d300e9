import type { GatewayLogs } from '../gateway-logs.js';

/** Appends `n` plausible records to each log, sequentially, with a few consumers in the consumer log. */
export async function fillLogs(logs: GatewayLogs, n: { system?: number; calibration?: number; consumer?: number }): Promise<void> {
  for (let i = 1; i <= (n.system ?? 0); i++) {
    await logs.append('system', { level: i % 10 === 0 ? 'warning' : 'info', event: i % 2 ? 'wan-connected' : 'wakeup-accepted', text: `system event ${i}`, outcome: 'success', details: { i } });
  }
  for (let i = 1; i <= (n.calibration ?? 0); i++) {
    await logs.append('calibration', { level: 'notice', event: 'meter-added', text: `meter ${i} added`, outcome: 'success', details: { meter: `1ESY${String(i).padStart(8, '0')}` } });
  }
  for (let i = 1; i <= (n.consumer ?? 0); i++) {
    await logs.append('consumer', {
      level: 'info',
      event: 'data-sent',
      text: `TAF 7 values sent to EMT emt${i % 2}`,
      outcome: i % 7 === 0 ? 'failure' : 'success',
      details: { taf: 7, recipient: `emt${i % 2}`, values: 96 },
      consumerId: `c${i % 3}`,
    });
  }
}
