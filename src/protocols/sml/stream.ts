/**
 * Frames SML files out of a serial byte stream (an optical head on an eHZ pushes one file every 1-4 s):
 * looks for 1B1B1B1B 01010101, follows the 4-byte blocks to 1B1B1B1B 1A xx CRC, and decodes each file.
 * Garbage is skipped; a broken file is an error event and the next one is still read.
 */
import { CodecError } from '../errors.js';
import { StreamBuffer } from '../stream-buffer.js';
import { type SmlFile, decodeSml } from './decode.js';
import { END_MARK, ESCAPE, START_BYTE, START_LENGTH, isSmlStart } from './transport.js';

export type SmlStreamEvent =
  | { readonly kind: 'file'; readonly file: SmlFile; readonly bytes: number }
  | { readonly kind: 'error'; readonly error: CodecError; readonly bytes: number }
  | { readonly kind: 'skipped'; readonly bytes: number };

export interface SmlStreamOptions {
  /** Longest file accepted; eHZ files are 300-700 bytes. */
  readonly maxFileBytes?: number;
}

const DEFAULT_MAX_FILE = 16384;
const BLOCK = 4;

/** `scan` is the next 4-byte block of the current file to look at. */
export class SmlStreamReader extends StreamBuffer {
  private readonly max: number;

  constructor(options: SmlStreamOptions = {}) {
    super(2048);
    this.max = options.maxFileBytes ?? DEFAULT_MAX_FILE;
  }

  push(chunk: Uint8Array): SmlStreamEvent[] {
    this.append(chunk);
    const events: SmlStreamEvent[] = [];
    while (this.start < this.end && this.step(events));
    return events;
  }

  finish(): SmlStreamEvent[] {
    const left = this.end - this.start;
    const events: SmlStreamEvent[] = [];
    if (left > 0) {
      events.push(
        isSmlStart(this.buf.subarray(0, this.end), this.start)
          ? { kind: 'error', error: new CodecError('CODEC_TRUNCATED', 'sml', `stream ended inside an SML file (${left} bytes)`), bytes: left }
          : { kind: 'skipped', bytes: left },
      );
    }
    this.reset();
    return events;
  }

  /** Consume n bytes; the next file's blocks start after its 8-byte start sequence. */
  protected override advance(n: number): void {
    super.advance(n);
    this.scan = this.start + START_LENGTH;
  }

  /** One step; false when more bytes are needed. */
  private step(events: SmlStreamEvent[]): boolean {
    const b = this.buf;
    const view = b.subarray(0, this.end);
    if (!isSmlStart(view, this.start)) {
      // Skip to the next possible start; the last 7 bytes may be the beginning of one.
      let k = this.start;
      while (k + START_LENGTH <= this.end && !isSmlStart(view, k)) k++;
      if (k + START_LENGTH > this.end) {
        // Keep the tail only if it is a prefix of 1B1B1B1B 01010101.
        const tail = this.tailPrefix();
        if (this.end - tail - this.start > 0) this.skip(events, this.end - tail - this.start);
        return false;
      }
      this.skip(events, k - this.start);
      return true;
    }
    if (this.scan < this.start + START_LENGTH) this.scan = this.start + START_LENGTH;
    let at = this.scan;
    for (; at + BLOCK <= this.end; at += BLOCK) {
      if (!(b[at] === ESCAPE && b[at + 1] === ESCAPE && b[at + 2] === ESCAPE && b[at + 3] === ESCAPE)) continue;
      if (at + 2 * BLOCK > this.end) {
        this.scan = at;
        return false;
      }
      const next = at + BLOCK;
      if (b[next] === ESCAPE && b[next + 1] === ESCAPE && b[next + 2] === ESCAPE && b[next + 3] === ESCAPE) {
        at = next;
        continue;
      }
      if (b[next] === END_MARK) {
        const length = next + BLOCK - this.start;
        const file = b.slice(this.start, this.start + length);
        this.advance(length);
        try {
          events.push({ kind: 'file', file: decodeSml(file), bytes: length });
        } catch (e) {
          if (!(e instanceof CodecError)) throw e;
          events.push({ kind: 'error', error: e, bytes: length });
        }
        return true;
      }
      if (isSmlStart(view, at)) {
        events.push({ kind: 'error', error: new CodecError('CODEC_TRUNCATED', 'sml', 'SML file cut off by the start of the next one'), bytes: at - this.start });
        this.advance(at - this.start);
        return true;
      }
      events.push({ kind: 'error', error: new CodecError('CODEC_MALFORMED', 'sml', 'unknown escape sequence: file dropped'), bytes: next - this.start });
      this.advance(next - this.start);
      return true;
    }
    this.scan = at;
    if (this.end - this.start > this.max) {
      events.push({ kind: 'error', error: new CodecError('CODEC_MALFORMED', 'sml', `SML file longer than ${this.max} bytes without its end: dropped`), bytes: 1 });
      this.advance(1);
      return true;
    }
    return false;
  }

  /** How many bytes at the end of the buffer form a proper prefix of the start sequence. */
  private tailPrefix(): number {
    for (let n = Math.min(START_LENGTH - 1, this.end - this.start); n > 0; n--) {
      let ok = true;
      for (let i = 0; i < n && ok; i++) ok = this.buf[this.end - n + i] === (i < BLOCK ? ESCAPE : START_BYTE);
      if (ok) return n;
    }
    return 0;
  }
}
