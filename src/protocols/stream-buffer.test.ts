import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type SkippedEvent, StreamBuffer } from './stream-buffer.js';

type Event = SkippedEvent | { readonly kind: 'frame'; readonly bytes: number };

/** The protected operations made callable, and the unread bytes and scan offset made visible. */
class Probe extends StreamBuffer {
  constructor(initial: number) {
    super(initial);
  }
  push(chunk: Uint8Array): void {
    this.append(chunk);
  }
  take(n: number): void {
    this.advance(n);
  }
  drop(events: Event[], n: number): void {
    this.skip(events, n);
  }
  clear(): void {
    this.reset();
  }
  scanTo(at: number): void {
    this.scan = this.start + at;
  }
  get unread(): number[] {
    return [...this.buf.subarray(this.start, this.end)];
  }
  /** The scan offset relative to the first unread byte. */
  get scanFromStart(): number {
    return this.scan - this.start;
  }
  get capacity(): number {
    return this.buf.length;
  }
}

const bytes = (...b: number[]) => Uint8Array.from(b);

describe('StreamBuffer', () => {
  it('keeps the unread bytes in order when it grows beyond its first size', () => {
    const p = new Probe(4);
    p.push(bytes(1, 2, 3));
    p.push(bytes(4, 5, 6, 7));
    expect(p.unread).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(p.buffered).toBe(7);
    expect(p.capacity).toBeGreaterThanOrEqual(7);
  });

  it('moves the unread bytes to the front instead of growing when consumed room suffices, scan included', () => {
    const p = new Probe(8);
    p.push(bytes(1, 2, 3, 4, 5, 6));
    p.take(4);
    p.scanTo(1);
    p.push(bytes(7, 8, 9, 10));
    expect(p.capacity).toBe(8);
    expect(p.unread).toEqual([5, 6, 7, 8, 9, 10]);
    expect(p.scanFromStart).toBe(1);
  });

  it('never leaves the scan behind the start', () => {
    const p = new Probe(8);
    p.push(bytes(1, 2, 3, 4));
    p.scanTo(1);
    p.take(3);
    expect(p.scanFromStart).toBe(0);
  });

  it('reports consecutive skips as one event and a skip after a frame as a new one', () => {
    const p = new Probe(16);
    p.push(new Uint8Array(10));
    const events: Event[] = [];
    p.drop(events, 2);
    p.drop(events, 3);
    events.push({ kind: 'frame', bytes: 1 });
    p.take(1);
    p.drop(events, 4);
    expect(events).toEqual([
      { kind: 'skipped', bytes: 5 },
      { kind: 'frame', bytes: 1 },
      { kind: 'skipped', bytes: 4 },
    ]);
    expect(p.buffered).toBe(0);
  });

  it('forgets everything on reset', () => {
    const p = new Probe(4);
    p.push(bytes(1, 2, 3));
    p.clear();
    expect(p.buffered).toBe(0);
    p.push(bytes(9));
    expect(p.unread).toEqual([9]);
  });

  it('holds exactly what was pushed and not yet consumed, for any chunks and consumption', () => {
    const step = fc.oneof(
      fc.record({ op: fc.constant('push' as const), data: fc.uint8Array({ maxLength: 40 }) }),
      fc.record({ op: fc.constant('take' as const), n: fc.nat({ max: 50 }) }),
    );
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 16 }), fc.array(step, { maxLength: 40 }), (initial, steps) => {
        const p = new Probe(initial);
        let model: number[] = [];
        for (const s of steps) {
          if (s.op === 'push') {
            p.push(s.data);
            model = [...model, ...s.data];
          } else {
            const n = Math.min(s.n, model.length);
            p.take(n);
            model = model.slice(n);
          }
          expect(p.unread).toEqual(model);
          expect(p.scanFromStart).toBeGreaterThanOrEqual(0);
        }
      }),
    );
  });
});
