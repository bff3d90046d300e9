/**
 * A small seeded pseudo-random generator (SplitMix32 finaliser over a Weyl sequence): the simulator never
 * calls Math.random, so a seed names a whole fleet and every frame it sends.
 */

const GOLDEN = 0x9e3779b9;

/** Mixes a 32-bit integer into a well-spread 32-bit integer (SplitMix32 finaliser). */
function mix32(x: number): number {
  let z = x >>> 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/** A stream of uniform numbers in [0, 1) from a seed and a label (so streams of one seed do not overlap). */
export class SeededRandom {
  private state: number;

  constructor(seed: number, label = '') {
    let s = mix32(seed >>> 0);
    for (let i = 0; i < label.length; i++) s = mix32(s ^ label.charCodeAt(i));
    this.state = s;
  }

  /** Next 32-bit unsigned integer. */
  u32(): number {
    this.state = (this.state + GOLDEN) >>> 0;
    return mix32(this.state);
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.u32() / 0x1_0000_0000;
  }

  /** Uniform in [min, max). */
  between(min: number, max: number): number {
    return min + (max - min) * this.next();
  }

  /** Integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  /** n random bytes (keys, system titles). */
  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i += 4) {
      const v = this.u32();
      for (let k = 0; k < 4 && i + k < n; k++) out[i + k] = (v >>> (8 * k)) & 0xff;
    }
    return out;
  }
}
