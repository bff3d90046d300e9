/**
 * A gateway ingest process for the crash test: reads a file of telegrams through the file input (resuming at
 * the persisted position), ingests each, lets the outbox drain alongside, and when the file is through drains
 * until nothing is pending and prints {"done":true}. The clock is the frame's place in the file (one line per
 * `stepMs`), so readings belong to the same instants however often the process is killed and restarted.
 * Argument: JSON {config, file, lineBytes, startMs, stepMs}.
 */
import 'reflect-metadata';
import { SoftwareSecurityModule } from '../../crypto/software-module.js';
import type { GatewayConfigInput } from '../config.js';
import { loadPosition } from '../ingest.js';
import { startInput } from '../lmn/inputs.js';
import { TestClock, openCoreWith } from './core.js';

interface ChildArgs {
  readonly config: GatewayConfigInput;
  readonly file: string;
  readonly lineBytes: number;
  readonly startMs: number;
  readonly stepMs: number;
}

const args = JSON.parse(process.argv[2] ?? '{}') as ChildArgs;
const sm = args.config.securityModule;
if (sm.kind !== 'software') throw new Error('the crash child needs a software key store');
const module = await SoftwareSecurityModule.open(sm.path, sm.passphrase);
const clock = new TestClock(args.startMs);
const core = await openCoreWith(args.config, module, { clock });
let draining = false;
const kick = () => {
  if (draining) return;
  draining = true;
  void core.outbox.drain().finally(() => {
    draining = false;
  });
};
let frames = 0;
const input = await startInput({ kind: 'file', protocol: 'wmbus', path: args.file }, 0, {
  position: (name) => loadPosition(core.db, name),
  sink: async (frame) => {
    const index = Math.round((frame.position?.next ?? 0) / args.lineBytes) - 1;
    clock.ms = args.startMs + index * args.stepMs;
    const out = await core.ingestor.ingest(frame);
    if (out.kind !== 'accepted') process.stdout.write(`${JSON.stringify({ refused: out.code, index })}\n`);
    if (++frames % 500 === 0) process.stdout.write(`${JSON.stringify({ frames, index })}\n`);
    kick();
  },
});
await input.done;
clock.ms += 3_600_000;
for (;;) {
  await core.outbox.expedite();
  await core.outbox.drain();
  if ((await core.outbox.counts()).pending === 0) break;
  await new Promise((r) => setTimeout(r, 200));
}
process.stdout.write(`${JSON.stringify({ done: true, frames })}\n`);
await core.close();
await module.close();
