import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import type { DecodeKeys, DecodeSession, FrameDecoder } from '../../protocols/decoder.js';
import { CodecError } from '../../protocols/errors.js';
import type { Protocol } from '../../protocols/reading.js';
import { frameDecoders } from '../decoders.js';
import { CliError } from '../errors.js';
import { buildDecodeKeys } from '../keys.js';
import { createProgress } from '../progress.js';

const PROTOCOLS: readonly Protocol[] = ['wmbus', 'dlms', 'dsmr', 'sml'];

interface DecodeOptions {
  readonly protocol?: string;
  readonly key?: string;
  readonly ak?: string;
  readonly keys?: string;
  readonly file?: string;
}

export function registerDecode(program: Command): void {
  program
    .command('decode')
    .description('decode (and decrypt) meter telegrams: one JSON object per telegram on stdout')
    .argument('[hex]', "one telegram as hex (or '-' to read telegrams from stdin)")
    .option('--protocol <protocol>', `one of ${PROTOCOLS.join(', ')} (default: guessed, wmbus when unsure)`)
    .option('--key <hex>', 'AES-128 key for the telegram(s)')
    .option('--ak <hex>', 'DLMS authentication key')
    .option('--keys <file>', 'JSON object from meter id (wM-Bus) or system title (DLMS) to hex key')
    .option('--file <file>', "telegrams from a file, one per line (DSMR: telegram text), '-' for stdin")
    .action(async (hex: string | undefined, opts: DecodeOptions) => {
      const keys = buildDecodeKeys(opts);
      const file = opts.file ?? (hex === '-' ? '-' : undefined);
      if (file !== undefined) {
        if (hex !== undefined && hex !== '-') throw new CliError('CLI_USAGE', 'give either a telegram or --file, not both');
        const failed = await decodeFile(file, opts.protocol, keys);
        if (failed > 0) process.exitCode = 1;
        return;
      }
      if (hex === undefined) throw new CliError('CLI_USAGE', 'give a telegram as hex, or --file FILE, or - for stdin');
      const decoder = pickDecoder(opts.protocol, hex);
      const line = decodeOne(decoder.session(keys), hex);
      process.stdout.write(`${line.json}\n`);
      if (!line.ok) process.exitCode = 1;
    });
}

function available(p: Protocol): FrameDecoder {
  const d = frameDecoders[p];
  if (d === undefined) throw new CliError('CLI_BAD_OPTION', `protocol ${p} is not available in this build`);
  return d;
}

/** The named protocol, or the first whose sniff accepts the sample, wmbus when unsure. */
function pickDecoder(protocol: string | undefined, sample: string): FrameDecoder {
  if (protocol !== undefined) {
    if (!(PROTOCOLS as readonly string[]).includes(protocol)) {
      throw new CliError('CLI_BAD_OPTION', `--protocol must be one of ${PROTOCOLS.join(', ')}`);
    }
    return available(protocol as Protocol);
  }
  for (const p of ['dsmr', 'sml', 'dlms'] as const) {
    const d = frameDecoders[p];
    if (d?.sniff(sample)) return d;
  }
  return available('wmbus');
}

interface OutLine {
  readonly ok: boolean;
  readonly json: string;
  readonly code?: string;
}

const toJson = (v: unknown): string =>
  JSON.stringify(v, (_k, x: unknown) => (x instanceof Uint8Array ? Buffer.from(x).toString('hex').toUpperCase() : typeof x === 'bigint' ? x.toString() : x));

function decodeOne(session: DecodeSession, frame: string): OutLine {
  let json: string;
  try {
    json = session.decodeJson !== undefined ? session.decodeJson(frame) : toJson(session.decode(frame));
  } catch (e) {
    if (e instanceof CodecError) return { ok: false, code: e.code, json: toJson({ error: e.toJSON() }) };
    const message = e instanceof Error ? e.message : String(e);
    return { ok: false, code: 'INTERNAL', json: toJson({ error: { code: 'INTERNAL', message } }) };
  }
  return { ok: true, json };
}

async function readAll(file: string): Promise<string> {
  if (file !== '-') {
    try {
      // latin1: DSMR telegrams are 8-bit text; hex input is ASCII either way.
      return readFileSync(file, 'latin1');
    } catch (e) {
      throw new CliError('CLI_FILE', `cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? 'error'}`);
    }
  }
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('latin1');
}

/** JSON Lines for every telegram of a file or stdin, a summary on stderr; returns the count of failures. */
async function decodeFile(file: string, protocol: string | undefined, keys: DecodeKeys): Promise<number> {
  const text = await readAll(file);
  const firstLine = text.split('\n', 1)[0] ?? '';
  const decoder = pickDecoder(protocol, text.trimStart().startsWith('/') ? text.trimStart() : firstLine.trim());
  const frames = decoder.split(text);
  const session = decoder.session(keys);
  const progress = createProgress(file !== '-' && process.stderr.isTTY === true, frames.length);
  const failures = new Map<string, number>();
  let failed = 0;
  let out: string[] = [];
  for (let i = 0; i < frames.length; i++) {
    const line = decodeOne(session, frames[i]!);
    out.push(line.json);
    if (!line.ok) {
      failed++;
      failures.set(line.code ?? 'INTERNAL', (failures.get(line.code ?? 'INTERNAL') ?? 0) + 1);
    }
    if (out.length >= 1000) {
      process.stdout.write(`${out.join('\n')}\n`);
      out = [];
    }
    progress.tick(i + 1);
  }
  if (out.length > 0) process.stdout.write(`${out.join('\n')}\n`);
  progress.done();
  const byCode = [...failures.entries()].map(([c, n]) => `${c} ${n}`).join(', ');
  process.stderr.write(
    `decoded ${frames.length - failed} of ${frames.length} ${decoder.protocol} telegram(s), ${failed} failed${byCode === '' ? '' : ` (${byCode})`}\n`,
  );
  return failed;
}
