/**
 * Frames P1 telegrams out of a byte stream (serial port or TCP, chunks of any size split anywhere):
 * text telegrams '/' .. '!CRC' CR LF, and encrypted P1 frames DB 08 <system title> <length> ...
 * Garbage between frames is skipped up to the next '/' or DB 08; a telegram that breaks (bad CRC, cut off by
 * a new '/', longer than the bound) is reported as an error event and the following ones still come through.
 */
import { CodecError } from '../errors.js';
import type { Reading } from '../reading.js';
import { StreamBuffer } from '../stream-buffer.js';
import { type DecryptP1Options, type EncryptedP1, EncryptedP1Decoder, GENERAL_GLO_CIPHERING, type P1Keys, generalGloFrameLength } from './encrypted.js';
import { DsmrTelegramParser } from './parser.js';
import type { DsmrTelegram } from './telegram.js';

export type DsmrStreamEvent =
  /** A telegram whose CRC (if any) verified; `encryption` when it came in an encrypted frame. */
  | { readonly kind: 'telegram'; readonly telegram: DsmrTelegram; readonly encryption?: P1Encryption }
  /** An encrypted frame whose content was an xDLMS APDU (Austrian data-notification), read by the DLMS module. */
  | { readonly kind: 'dlms-apdu'; readonly apdu: string; readonly readings: readonly Reading[]; readonly encryption: P1Encryption }
  /** An encrypted frame, framed but not decrypted because the reader has no key. */
  | { readonly kind: 'encrypted-frame'; readonly frame: Uint8Array }
  /** A frame that failed (CRC, syntax, authentication, cut off, too long); `bytes` were consumed with it. */
  | { readonly kind: 'error'; readonly error: CodecError; readonly bytes: number }
  /** Bytes dropped while looking for the start of the next frame. */
  | { readonly kind: 'skipped'; readonly bytes: number };

/** The security header of an encrypted frame. */
export type P1Encryption = Omit<EncryptedP1, 'kind' | 'content'>;

export interface DsmrStreamOptions extends DecryptP1Options {
  /** Longest frame accepted; a telegram still open past it is dropped. DSMR 5 telegrams stay under 4 KiB. */
  readonly maxFrameBytes?: number;
  /** Keys for encrypted P1; without them encrypted frames come out as 'encrypted-frame' events. */
  readonly keys?: P1Keys;
}

const DEFAULT_MAX_FRAME = 8192;
const SLASH = 0x2f;
const BANG = 0x21;
const CR = 0x0d;
const LF = 0x0a;

const isHex = (c: number): boolean => (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);

type TextEnd = { readonly kind: 'complete'; readonly end: number } | { readonly kind: 'cut'; readonly at: number } | { readonly kind: 'more' };

/**
 * `scan` is where the search for the end of the current text telegram resumes. A reader is one port, so one
 * meter: its parser and decoder remember the last telegram and read only what changed since.
 */
export class DsmrStreamReader extends StreamBuffer {
  private readonly max: number;
  private readonly options: DsmrStreamOptions;
  private readonly parser = new DsmrTelegramParser();
  private readonly decoder = new EncryptedP1Decoder();

  constructor(options: DsmrStreamOptions = {}) {
    super(1024);
    this.options = options;
    this.max = options.maxFrameBytes ?? DEFAULT_MAX_FRAME;
  }

  push(chunk: Uint8Array): DsmrStreamEvent[] {
    this.append(chunk);
    const events: DsmrStreamEvent[] = [];
    this.process(events);
    return events;
  }

  /** End of stream: whatever is left is reported (an unfinished telegram as CODEC_TRUNCATED). */
  finish(): DsmrStreamEvent[] {
    const events: DsmrStreamEvent[] = [];
    const left = this.end - this.start;
    if (left > 0) {
      const b = this.buf[this.start];
      if (b === SLASH || b === GENERAL_GLO_CIPHERING) {
        events.push({ kind: 'error', error: new CodecError('CODEC_TRUNCATED', 'dsmr', `stream ended inside a frame (${left} bytes)`), bytes: left });
      } else events.push({ kind: 'skipped', bytes: left });
    }
    this.reset();
    return events;
  }

  private process(events: DsmrStreamEvent[]): void {
    while (this.start < this.end) {
      const b = this.buf[this.start]!;
      if (b === SLASH) {
        if (!this.text(events)) return;
      } else if (b === GENERAL_GLO_CIPHERING) {
        if (!this.encrypted(events)) return;
      } else {
        let k = this.start + 1;
        while (k < this.end && this.buf[k] !== SLASH && this.buf[k] !== GENERAL_GLO_CIPHERING) k++;
        this.skip(events, k - this.start);
      }
    }
  }

  /** Handle a text telegram at `start`; false when more bytes are needed. */
  private text(events: DsmrStreamEvent[]): boolean {
    const r = this.findTextEnd();
    if (r.kind === 'more') {
      if (this.end - this.start <= this.max) return false;
      events.push({
        kind: 'error',
        error: new CodecError('CODEC_MALFORMED', 'dsmr', `telegram longer than ${this.max} bytes without its "!" line: dropped`),
        bytes: 1,
      });
      this.advance(1);
      return true;
    }
    if (r.kind === 'cut') {
      events.push({ kind: 'error', error: new CodecError('CODEC_TRUNCATED', 'dsmr', 'telegram cut off by the start of the next one'), bytes: r.at - this.start });
      this.advance(r.at - this.start);
      return true;
    }
    const n = r.end - this.start;
    // A view, not a copy: the buffer is only moved by the next append, after the parse.
    const bytes = this.buf.subarray(this.start, this.start + n);
    this.advance(n);
    try {
      events.push({ kind: 'telegram', telegram: this.parser.parseBytes(bytes, this.options) });
    } catch (e) {
      if (!(e instanceof CodecError)) throw e;
      events.push({ kind: 'error', error: e, bytes: n });
    }
    return true;
  }

  private findTextEnd(): TextEnd {
    const buf = this.buf;
    const end = this.end;
    for (let i = Math.max(this.scan, this.start + 1); i < end; i++) {
      const c = buf[i]!;
      if (c === SLASH && buf[i - 1] === LF) return { kind: 'cut', at: i };
      if (c !== BANG) continue;
      let j = i + 1;
      while (j < end && j - i <= 4 && isHex(buf[j]!)) j++;
      if (j < end && buf[j] === CR) j++;
      if (j >= end) {
        this.scan = i;
        return { kind: 'more' };
      }
      return { kind: 'complete', end: buf[j] === LF ? j + 1 : j };
    }
    this.scan = end;
    return { kind: 'more' };
  }

  /** Handle an encrypted frame at `start`; false when more bytes are needed. */
  private encrypted(events: DsmrStreamEvent[]): boolean {
    const n = generalGloFrameLength(this.buf, this.start, this.end);
    if (n === 'more') return false;
    if (n === 'not-a-frame' || n > this.max) {
      this.skip(events, 1);
      return true;
    }
    if (this.end - this.start < n) return false;
    const frame = this.buf.slice(this.start, this.start + n);
    this.advance(n);
    if (this.options.keys === undefined) {
      events.push({ kind: 'encrypted-frame', frame });
      return true;
    }
    try {
      const { content, kind: _kind, ...encryption } = this.decoder.decrypt(frame, this.options.keys, this.options);
      events.push(content.kind === 'telegram' ? { kind: 'telegram', telegram: content.telegram, encryption } : { ...content, encryption });
    } catch (e) {
      if (!(e instanceof CodecError)) throw e;
      events.push({ kind: 'error', error: e, bytes: n });
    }
    return true;
  }
}
