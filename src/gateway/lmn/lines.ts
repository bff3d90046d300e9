/**
 * Line framing for hex feeds: one telegram per line, CR LF or LF, blank and '#' lines skipped. The handler is
 * awaited line by line (a frame is in the store before the next is read), and each line reports the byte
 * offset just after it so a file input can persist where to resume.
 */
import type { Readable } from 'node:stream';

export type LineHandler = (line: string, nextOffset: number) => Promise<void>;

/** The telegram text of a line, or undefined for blank and comment lines. */
export function frameOfLine(line: string): string | undefined {
  const t = line.trim();
  return t === '' || t.startsWith('#') ? undefined : t;
}

/** Reads `stream` to its end, calling `onLine` for each line in order; `startOffset` is where the stream began. */
export async function forEachLine(stream: Readable, onLine: LineHandler, startOffset = 0): Promise<void> {
  let pending: Buffer = Buffer.alloc(0);
  let offset = startOffset;
  for await (const chunk of stream) {
    pending = pending.length === 0 ? (chunk as Buffer) : Buffer.concat([pending, chunk as Buffer]);
    let nl = pending.indexOf(0x0a);
    while (nl >= 0) {
      const line = pending.subarray(0, nl).toString('latin1');
      offset += nl + 1;
      pending = pending.subarray(nl + 1);
      await onLine(line, offset);
      nl = pending.indexOf(0x0a);
    }
  }
  if (pending.length > 0) await onLine(pending.toString('latin1'), offset + pending.length);
}
