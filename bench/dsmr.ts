import { createDecipheriv, createSecretKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { hexToBytes } from '../src/protocols/bytes.js';
import { decipherGeneralGlo, encipherApdu } from '../src/protocols/dlms/ciphering.js';
import { crc16Arc } from '../src/protocols/dsmr/crc16-arc.js';
import { EncryptedP1Decoder, decryptP1 } from '../src/protocols/dsmr/encrypted.js';
import { DsmrTelegramParser } from '../src/protocols/dsmr/parser.js';
import { interpretTelegram } from '../src/protocols/dsmr/readings.js';
import { DsmrStreamReader } from '../src/protocols/dsmr/stream.js';
import { parseTelegram } from '../src/protocols/dsmr/telegram.js';
import type { Bench, BenchLine } from './harness.js';
import { type Contender, type InterleavedRate, interleaved, wallNote } from './interleaved.js';

interface Row {
  readonly version: string;
  readonly telegram_text: string;
  readonly crc_ok: boolean | null;
  readonly encrypted?: { readonly frame_hex: string; readonly encryption_key: string; readonly authentication_key?: string; readonly aad: string };
}

/** The DSMR rows of the conformance corpus (bench runs from dist/bench; the corpus sits beside the repository). */
function rows(): Row[] {
  for (const dir of [join(import.meta.dirname, '..', '..', 'shared'), join(import.meta.dirname, '..', '..', '..', 'shared')]) {
    try {
      return readFileSync(join(dir, 'conformance', 'dsmr', 'telegrams.jsonl'), 'utf8')
        .split('\n')
        .filter((l) => l.trim() !== '')
        .map((l) => JSON.parse(l) as Row);
    } catch {
      // try the next location
    }
  }
  throw new Error('shared/conformance/dsmr/telegrams.jsonl not found beside the repository');
}

/** Ids whose values a meter changes from one second to the next: time, energy registers, power, voltage, current. */
const CHANGING = /^(0-0:1\.0\.0|1-0:[1-4]\.[78]\.[0-2]|1-0:(2[12]|4[12]|6[12]|[357][12])\.7\.0)\(/;

/**
 * The telegram as the meter sends it `second` seconds later: the last two digits of each changing value
 * differ (widths kept, as meters keep them), and the CRC fits again. Parsing one and the same telegram over
 * and over would flatter a parser that takes over what did not change since the last one.
 */
function later(telegram: string, second: number): string {
  const body = telegram
    .slice(0, telegram.indexOf('!') + 1)
    .split('\n')
    .map((line) =>
      CHANGING.test(line)
        ? line.replace(/(\d)(\d)([*)SW])/, (_m, a: string, b: string, rest: string) => `${(Number(a) + (second >> 3)) % 10}${(Number(b) + second) % 10}${rest}`)
        : line,
    )
    .join('\n');
  const crc = crc16Arc(Uint8Array.from(body, (c) => c.charCodeAt(0)));
  return `${body}${crc.toString(16).toUpperCase().padStart(4, '0')}\r\n`;
}

/**
 * interleaved() run twice, the second time in reverse order, each figure the mean of the two. A slice pays
 * for what the process does on other threads meanwhile (node:crypto's buffers are freed there), so a contender
 * that follows a heavy allocator measured up to a fifth slower than in another place in the round.
 */
function bothOrders(contenders: readonly Contender[]): InterleavedRate[] {
  const forward = interleaved(contenders, { ms: 750 });
  const backward = interleaved([...contenders].reverse(), { ms: 750 }).reverse();
  return forward.map((f, i) => {
    const b = backward[i]!;
    return { name: f.name, cpuRate: (f.cpuRate + b.cpuRate) / 2, wallRate: (f.wallRate + b.wallRate) / 2 };
  });
}

/** How many different seconds the benches cycle through. */
const SECONDS = 64;

export const dsmrBench: Bench = {
  name: 'dsmr',
  async run(): Promise<readonly BenchLine[]> {
    const all = rows();
    const v5 = all.find((r) => r.version === 'DSMR 5.0')!.telegram_text;
    const v5Bytes = Uint8Array.from(v5, (c) => c.charCodeAt(0));
    const enc = all.find((r) => r.encrypted !== undefined && r.crc_ok === true)!.encrypted!;
    const frame = hexToBytes(enc.frame_hex);
    const ek = hexToBytes(enc.encryption_key);
    const ak = hexToBytes(enc.authentication_key ?? enc.aad.slice(2));
    const batch = 100;
    let sink = 0;

    // CRC span: '/' .. '!' inclusive, as parseTelegram checks it.
    const crcEnd = v5.indexOf('!') + 1;
    const bareCrc: Contender = {
      name: 'crc',
      batch: () => {
        for (let i = 0; i < batch; i++) sink ^= crc16Arc(v5Bytes, 0, crcEnd);
      },
      ops: batch,
    };
    const seconds = Array.from({ length: SECONDS }, (_, s) => later(v5, s));
    let second = 0;
    const changed = seconds[1]!.split('\n').filter((line, i) => line !== seconds[2]!.split('\n')[i]).length - 1; // less the CRC line
    // One parser for the meter, as a stream reader keeps it: it remembers the telegram of the second before.
    const meterParser = new DsmrTelegramParser();
    const parse: Contender = {
      name: 'parse',
      batch: () => {
        for (let i = 0; i < batch; i++) sink ^= meterParser.parse(seconds[second++ % SECONDS]!).objects.length;
      },
      ops: batch,
    };
    // parseTelegram: a fresh parser for every telegram, nothing remembered.
    const parseFresh: Contender = {
      name: 'parse fresh',
      batch: () => {
        for (let i = 0; i < batch; i++) sink ^= parseTelegram(seconds[second++ % SECONDS]!).objects.length;
      },
      ops: batch,
    };
    const sameParser = new DsmrTelegramParser();
    const parseSame: Contender = {
      name: 'parse same',
      batch: () => {
        for (let i = 0; i < batch; i++) sink ^= sameParser.parse(v5).objects.length;
      },
      ops: batch,
    };
    const readParser = new DsmrTelegramParser();
    const parseRead: Contender = {
      name: 'parse+read',
      batch: () => {
        for (let i = 0; i < batch; i++) sink ^= interpretTelegram(readParser.parse(seconds[second++ % SECONDS]!)).readings.length;
      },
      ops: batch,
    };
    // The same telegram arriving from a serial port in 64-byte chunks, framed and parsed.
    const stream = new Uint8Array(v5Bytes.length * batch);
    for (let i = 0; i < batch; i++) stream.set(Uint8Array.from(seconds[i % SECONDS]!, (c) => c.charCodeAt(0)), i * v5Bytes.length);
    const streamed: Contender = {
      name: 'stream',
      batch: () => {
        const r = new DsmrStreamReader();
        for (let at = 0; at < stream.length; at += 64) sink ^= r.push(stream.subarray(at, at + 64)).length;
      },
      ops: batch,
    };
    const [crcRate, parseRate, parseFreshRate, parseSameRate, parseReadRate, streamRate] = interleaved([bareCrc, parse, parseFresh, parseSame, parseRead, streamed]) as [
      InterleavedRate,
      InterleavedRate,
      InterleavedRate,
      InterleavedRate,
      InterleavedRate,
      InterleavedRate,
    ];

    // Encrypted P1: the GCM part of the frame is everything after DB 08 ST(8) 82 LL(2) SC IC(4).
    const ct = frame.subarray(18, frame.length - 12);
    const tag = frame.subarray(frame.length - 12);
    const iv = Uint8Array.from([...frame.subarray(2, 10), ...frame.subarray(14, 18)]);
    const aad = Uint8Array.from([frame[13]!, ...ak]);
    const encBatch = 50;
    // The frame's telegram as the meter sends it in later seconds, enciphered as it does (rising counter).
    const p1Keys = { ek, ak };
    const plain = decipherGeneralGlo(frame, p1Keys);
    const p1Text = Buffer.from(plain.plaintext).toString('latin1');
    const frames = Array.from({ length: SECONDS }, (_, s) =>
      encipherApdu(Buffer.from(later(p1Text, s), 'latin1'), {
        form: 'general-glo',
        securityControl: plain.securityControl,
        systemTitle: plain.systemTitle,
        invocationCounter: plain.invocationCounter + s,
        ek,
        ak,
      }),
    );
    let frameAt = 0;
    // The primitive at its best: one key object, made once, as the decipher path does.
    const key = createSecretKey(ek);
    const bareGcm: Contender = {
      name: 'gcm',
      batch: () => {
        for (let i = 0; i < encBatch; i++) {
          const d = createDecipheriv('aes-128-gcm', key, iv, { authTagLength: 12 });
          d.setAAD(aad);
          d.setAuthTag(tag);
          sink ^= d.update(ct).length;
          d.final();
        }
      },
      ops: encBatch,
    };
    const decipherOnly: Contender = {
      name: 'decipher',
      batch: () => {
        for (let i = 0; i < encBatch; i++) sink ^= decipherGeneralGlo(frames[frameAt++ % SECONDS]!, p1Keys).plaintext.length;
      },
      ops: encBatch,
    };
    // One decoder for the meter's port, as the stream reader keeps it.
    const meterDecoder = new EncryptedP1Decoder();
    const decryptParse: Contender = {
      name: 'decrypt+parse',
      batch: () => {
        for (let i = 0; i < encBatch; i++) sink ^= meterDecoder.decrypt(frames[frameAt++ % SECONDS]!, p1Keys).invocationCounter;
      },
      ops: encBatch,
    };
    const decryptParseFresh: Contender = {
      name: 'decrypt+parse fresh',
      batch: () => {
        for (let i = 0; i < encBatch; i++) sink ^= decryptP1(frames[frameAt++ % SECONDS]!, p1Keys).invocationCounter;
      },
      ops: encBatch,
    };
    const [gcmRate, decipherRate, decryptRate, decryptFreshRate] = bothOrders([bareGcm, decipherOnly, decryptParse, decryptParseFresh]) as [
      InterleavedRate,
      InterleavedRate,
      InterleavedRate,
      InterleavedRate,
    ];
    if (sink === 0.5) process.stdout.write('');

    const crcPrimitive = { name: `bare CRC-16/ARC over the same ${crcEnd}-byte telegram`, rate: crcRate.cpuRate };
    const gcmPrimitive = { name: `bare AES-128-GCM decrypt+verify of ${ct.length} bytes`, rate: gcmRate.cpuRate };
    const us = (r: InterleavedRate) => `${(1e6 / r.cpuRate).toFixed(2)} us CPU, ${(1e6 / r.wallRate).toFixed(2)} us wall each`;
    return [
      {
        name: `DSMR 5.0 telegram parse + CRC check (${v5Bytes.length} bytes, 36 lines, ${changed} of them changing each second), one parser per meter, per CPU second`,
        rate: parseRate.cpuRate,
        unit: 'telegrams/s',
        primitive: crcPrimitive,
        goalRate: 100_000,
        note: `goal: under 10 us per telegram (dsmr_parser: 638 us); ${us(parseRate)}; ${wallNote(parseRate, crcRate)}`,
      },
      {
        name: 'DSMR 5.0 the same telegrams, a fresh parser each (parseTelegram, nothing remembered): parse + CRC',
        rate: parseFreshRate.cpuRate,
        unit: 'telegrams/s',
        primitive: crcPrimitive,
        note: `${us(parseFreshRate)}; ${wallNote(parseFreshRate, crcRate)}`,
      },
      {
        name: 'DSMR 5.0 the very same telegram again and again: parse + CRC',
        rate: parseSameRate.cpuRate,
        unit: 'telegrams/s',
        primitive: crcPrimitive,
        note: `${us(parseSameRate)}; ${wallNote(parseSameRate, crcRate)}`,
      },
      { name: 'DSMR 5.0 telegram parse + CRC + readings, M-Bus, logs', rate: parseReadRate.cpuRate, unit: 'telegrams/s', primitive: crcPrimitive, note: wallNote(parseReadRate, crcRate) },
      { name: 'DSMR stream reader, 64-byte chunks: framing + parse + CRC', rate: streamRate.cpuRate, unit: 'telegrams/s', primitive: crcPrimitive, note: wallNote(streamRate, crcRate) },
      {
        name: `general-glo decipher alone (SC 0x30, ${frame.length}-byte frame)`,
        rate: decipherRate.cpuRate,
        unit: 'frames/s',
        primitive: gcmPrimitive,
        note: `${us(decipherRate)} (bare GCM: ${us(gcmRate)}); ${wallNote(decipherRate, gcmRate)}`,
      },
      {
        name: `encrypted P1 (SC 0x30, ${frame.length}-byte frame) decrypt + parse, one decoder per meter, per CPU second`,
        rate: decryptRate.cpuRate,
        unit: 'frames/s',
        primitive: gcmPrimitive,
        goalRatio: 0.3,
        note: `${us(decryptRate)}; mean of both slice orders; ${wallNote(decryptRate, gcmRate)}`,
      },
      {
        name: 'encrypted P1 decrypt + parse, a fresh decoder each (decryptP1, nothing remembered)',
        rate: decryptFreshRate.cpuRate,
        unit: 'frames/s',
        primitive: gcmPrimitive,
        note: `${us(decryptFreshRate)}; ${wallNote(decryptFreshRate, gcmRate)}`,
      },
    ];
  },
};
