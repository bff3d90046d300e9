/**
 * The byte buffer behind the stream readers (DSMR P1, SML): chunks of any size are appended at `end`, frames
 * are taken from `start`, and `scan` is where the search for the end of the current frame resumes, so that a
 * push costs O(new bytes). Unread bytes move to the front before the buffer grows.
 */

/** Bytes dropped while looking for the start of the next frame; consecutive drops are one event. */
export interface SkippedEvent {
  readonly kind: 'skipped';
  readonly bytes: number;
}

export abstract class StreamBuffer {
  protected buf: Uint8Array;
  protected start = 0;
  protected end = 0;
  protected scan = 0;

  protected constructor(initialBytes: number) {
    this.buf = new Uint8Array(initialBytes);
  }

  /** Bytes held while waiting for the rest of a frame. */
  get buffered(): number {
    return this.end - this.start;
  }

  protected append(chunk: Uint8Array): void {
    if (this.start > 0 && this.end + chunk.length > this.buf.length) {
      // Move the unread bytes to the front before growing.
      this.buf.copyWithin(0, this.start, this.end);
      this.scan -= this.start;
      this.end -= this.start;
      this.start = 0;
    }
    if (this.end + chunk.length > this.buf.length) {
      const next = new Uint8Array(Math.max(this.buf.length * 2, this.end + chunk.length));
      next.set(this.buf.subarray(0, this.end));
      this.buf = next;
    }
    this.buf.set(chunk, this.end);
    this.end += chunk.length;
  }

  /** Consume n bytes; the scan never stays behind the start. */
  protected advance(n: number): void {
    this.start += n;
    if (this.scan < this.start) this.scan = this.start;
  }

  /** Drop n bytes as skipped, merged into the last event when that was a skip too. */
  protected skip<E extends { readonly kind: string }>(events: (E | SkippedEvent)[], n: number): void {
    const last = events[events.length - 1];
    if (last !== undefined && isSkipped(last)) events[events.length - 1] = { kind: 'skipped', bytes: last.bytes + n };
    else events.push({ kind: 'skipped', bytes: n });
    this.advance(n);
  }

  /** Forget everything held (end of stream). */
  protected reset(): void {
    this.start = this.end = this.scan = 0;
  }
}

const isSkipped = (e: { readonly kind: string }): e is SkippedEvent => e.kind === 'skipped';
