import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { LOG_NAMES, type LogName, type LogVerifyKey, isLogName, readRecords, verifyKeyFromPem, verifyLog } from '../../gateway/logs/index.js';
import type { Db } from '../../store/db.js';
import { openSqlite } from '../../store/sqlite.js';
import { CliError } from '../errors.js';

/** The gateway's store inside its data folder. */
const GATEWAY_DB = 'gateway.db';

const PINNED_NOTE =
  'verified with the public key pinned in the database itself: this shows the logs are consistent, not that they are genuine, since whoever can rewrite the database can replace that key too; give --cert with the gateway SIG certificate for a trustworthy verdict';
const CERT_NOTE = 'verified with the key of the given certificate (or PEM public key), and the key pinned in the database compared with it';

const print = (value: unknown): void => {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
};

/** Opens DIR/gateway.db; CLI_FILE when there is none (opening would create an empty one). */
function openGatewayDb(dir: string): { db: Db; path: string } {
  const path = join(dir, GATEWAY_DB);
  if (!existsSync(path)) throw new CliError('CLI_FILE', `${dir} holds no ${GATEWAY_DB}`);
  return { db: openSqlite(path), path };
}

async function withDb<T>(dir: string, job: (db: Db, path: string) => Promise<T>): Promise<T> {
  const { db, path } = openGatewayDb(dir);
  try {
    return await job(db, path);
  } finally {
    await db.close();
  }
}

function readKey(file: string): LogVerifyKey {
  let pem: string;
  try {
    pem = readFileSync(file, 'utf8');
  } catch (e) {
    throw new CliError('CLI_FILE', `cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? 'error'}`);
  }
  return verifyKeyFromPem(pem);
}

function logsOption(value: string): readonly LogName[] {
  if (value === 'all') return LOG_NAMES;
  if (isLogName(value)) return [value];
  throw new CliError('CLI_BAD_OPTION', `--log must be one of ${LOG_NAMES.join(', ')}, all`);
}

function positiveInteger(value: string, what: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < 1) throw new CliError('CLI_BAD_OPTION', `${what} must be a positive integer`);
  return n;
}

export function registerLog(program: Command): void {
  const log = program.command('log').description("the gateway's hash-chained logs (system, calibration, consumer)");

  log
    .command('verify')
    .description('verify the hash chains and signed checkpoints of the logs in DIR/gateway.db; exit 1 when any log is broken')
    .requiredOption('--dir <dir>', 'gateway data folder')
    .option('--log <log>', `${LOG_NAMES.join(', ')} or all`, 'all')
    .option('--cert <file>', 'the gateway SIG certificate (PEM) or a PEM public key to verify with (else the key pinned in the database)')
    .action(async (opts: { dir: string; log: string; cert?: string }) => {
      const logs = logsOption(opts.log);
      const key = opts.cert === undefined ? undefined : readKey(opts.cert);
      const out = await withDb(opts.dir, async (db, path) => {
        const results = [];
        for (const name of logs) {
          const v = await verifyLog(db, name, key);
          results.push({
            log: name,
            verdict: v.ok ? 'intact' : 'broken',
            records: v.records,
            checkpoints: v.checkpoints,
            firstSeq: v.firstSeq,
            lastSeq: v.lastSeq,
            lastCheckpoint: v.lastCheckpoint,
            unprotected: v.unprotected,
            broken: v.ok ? null : { seq: v.broken.seq, reason: v.broken.code, message: v.broken.message },
          });
        }
        return {
          db: path,
          key: opts.cert === undefined ? { source: 'pinned', note: PINNED_NOTE } : { source: 'cert', file: opts.cert, note: CERT_NOTE },
          ok: results.every((r) => r.verdict === 'intact'),
          logs: results,
        };
      });
      print(out);
      for (const r of out.logs) {
        if (r.broken !== null) process.stderr.write(`gridwarden: the ${r.log} log is broken at ${r.broken.seq ?? 'its key'}: ${r.broken.reason}\n`);
      }
      if (!out.ok) process.exitCode = 1;
    });

  log
    .command('show')
    .description('the newest records of one log, oldest first (no verification: use log verify)')
    .requiredOption('--dir <dir>', 'gateway data folder')
    .requiredOption('--log <log>', LOG_NAMES.join(', '))
    .option('--consumer <id>', "only this consumer's records (consumer log)")
    .option('--limit <n>', 'how many records', '100')
    .action(async (opts: { dir: string; log: string; consumer?: string; limit: string }) => {
      if (!isLogName(opts.log)) throw new CliError('CLI_BAD_OPTION', `--log must be one of ${LOG_NAMES.join(', ')}`);
      if (opts.consumer !== undefined && opts.log !== 'consumer') throw new CliError('CLI_USAGE', '--consumer applies to the consumer log only');
      const name = opts.log;
      const limit = positiveInteger(opts.limit, '--limit');
      const records = await withDb(opts.dir, (db) => readRecords(db, name, { limit, ...(opts.consumer === undefined ? {} : { consumerId: opts.consumer }) }));
      print({ log: name, ...(opts.consumer === undefined ? {} : { consumer: opts.consumer }), records });
    });
}
