import 'reflect-metadata';
import { cpus } from 'node:os';
import { formatLine } from './harness.js';
import { benches } from './index.js';

const only = process.argv.slice(2);
const cpu = cpus()[0]?.model ?? 'unknown CPU';
process.stdout.write(`gridwarden bench on ${cpu} (${cpus().length} cores), Node ${process.version}; one core each\n\n`);
for (const b of benches) {
  if (only.length > 0 && !only.some((o) => b.name.includes(o))) continue;
  process.stdout.write(`== ${b.name}\n`);
  for (const line of await b.run()) process.stdout.write(`${formatLine(line)}\n`);
  process.stdout.write('\n');
}
