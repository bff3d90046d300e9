import { createDecipheriv, createSecretKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { bytesToHex, hexToBytes } from '../src/protocols/bytes.js';
import { decodeApdu } from '../src/protocols/dlms/apdu.js';
import { decipherApdu, encipherApdu } from '../src/protocols/dlms/ciphering.js';
import { dlmsFrameDecoder } from '../src/protocols/dlms/frame-decoder.js';
import type { Bench, BenchLine } from './harness.js';
import { type Contender, type InterleavedRate, interleaved, wallNote } from './interleaved.js';

/** The Tirol (Kaifa) push of the conformance corpus: a real 262-byte data-notification with 11 values. */
function tirolRow(): { frame: Uint8Array; plaintext: Uint8Array; ek: Uint8Array; title: Uint8Array } {
  // bench runs from dist/bench, the corpus sits beside the repository
  const candidates = [join(import.meta.dirname, '..', '..', 'shared'), join(import.meta.dirname, '..', '..', '..', 'shared')];
  for (const dir of candidates) {
    try {
      const text = readFileSync(join(dir, 'conformance', 'dlms', 'vectors.jsonl'), 'utf8');
      const row = text
        .split('\n')
        .filter((l) => l.trim() !== '')
        .map((l) => JSON.parse(l) as Record<string, string>)
        .find((r) => r.system_title === '4B464D1010000023');
      if (row !== undefined) {
        return { frame: hexToBytes(row.ciphered_apdu!), plaintext: hexToBytes(row.plaintext_apdu!), ek: hexToBytes(row.ek!), title: hexToBytes(row.system_title!) };
      }
    } catch {
      // try the next location
    }
  }
  throw new Error('shared/conformance/dlms/vectors.jsonl not found beside the repository');
}

export const dlmsBench: Bench = {
  name: 'dlms',
  async run(): Promise<readonly BenchLine[]> {
    const { frame, plaintext, ek, title } = tirolRow();
    const ak = hexToBytes('D0D1D2D3D4D5D6D7D8D9DADBDCDDDEDF');
    // The same notification authenticated and encrypted (SC 0x30), as most pushes are sent.
    const authFrame = encipherApdu(plaintext, { form: 'general-glo', securityControl: 0x30, systemTitle: title, invocationCounter: 1, ek, ak });
    const ct = authFrame.subarray(authFrame.length - 12 - plaintext.length, authFrame.length - 12);
    const tag = authFrame.subarray(authFrame.length - 12);
    const iv = Uint8Array.from([...title, 0, 0, 0, 1]);
    const aad = Uint8Array.from([0x30, ...ak]);
    const batch = 50;
    let sink = 0;
    // The primitive at its best: one key object, made once, as the decipher path does.
    const key = createSecretKey(ek);
    const bareGcm: Contender = {
      name: 'gcm',
      batch: () => {
        for (let i = 0; i < batch; i++) {
          const d = createDecipheriv('aes-128-gcm', key, iv, { authTagLength: 12 });
          d.setAAD(aad);
          d.setAuthTag(tag);
          sink ^= d.update(ct).length;
          d.final();
        }
      },
      ops: batch,
    };
    const decipherParse: Contender = {
      name: 'decipher+parse',
      batch: () => {
        for (let i = 0; i < batch; i++) sink ^= decodeApdu(decipherApdu(authFrame, { ek, ak }).plaintext).kind.length;
      },
      ops: batch,
    };
    const encOnlyParse: Contender = {
      name: 'enc-only',
      batch: () => {
        for (let i = 0; i < batch; i++) sink ^= decodeApdu(decipherApdu(frame, { ek }).plaintext).kind.length;
      },
      ops: batch,
    };
    // Whole decode path of `gridwarden decode`: one session over a file of pushes with rising counters.
    const hexFrames = Array.from({ length: batch }, (_, i) =>
      bytesToHex(encipherApdu(plaintext, { form: 'general-glo', securityControl: 0x30, systemTitle: title, invocationCounter: i + 1, ek, ak })),
    );
    const session: Contender = {
      name: 'session',
      batch: () => {
        const s = dlmsFrameDecoder.session({ key: ek, ak });
        for (const h of hexFrames) sink ^= s.decode(h).readings.length;
      },
      ops: batch,
    };
    const [gcmRate, decipherRate, encOnlyRate, sessionRate] = interleaved([bareGcm, decipherParse, encOnlyParse, session]) as [
      InterleavedRate,
      InterleavedRate,
      InterleavedRate,
      InterleavedRate,
    ];
    if (sink === 0.5) process.stdout.write('');
    const primitive = { name: `bare AES-128-GCM decrypt+verify of ${ct.length} bytes`, rate: gcmRate.cpuRate };
    return [
      { name: `general-glo (SC 0x30) decipher + A-XDR parse, ${authFrame.length}-byte push, per CPU second`, rate: decipherRate.cpuRate, unit: 'frames/s', primitive, note: wallNote(decipherRate, gcmRate) },
      { name: 'general-glo (SC 0x21, encryption only, real Tirol frame) decipher + parse', rate: encOnlyRate.cpuRate, unit: 'frames/s', primitive, note: wallNote(encOnlyRate, gcmRate) },
      { name: 'decode session: hex -> readings (SC 0x30 push)', rate: sessionRate.cpuRate, unit: 'frames/s', primitive, note: wallNote(sessionRate, gcmRate) },
    ];
  },
};
