import { describe, expect, it } from 'vitest';
import { codeOf } from './_testing/code-of.js';
import { bytes } from './_testing/vectors.js';
import { decodeSecurityControl } from './ciphering.js';
import { counterKeyId, InvocationCounterTracker } from './counters.js';

const title = bytes('534147677001BD54');


describe('InvocationCounterTracker', () => {
  it('accepts strictly increasing counters and rejects equal or lower ones as CODEC_REPLAY', () => {
    const t = new InvocationCounterTracker();
    t.accept(title, 'glo-unicast', 0x0005a8e3);
    t.accept(title, 'glo-unicast', 0x0005a8e4);
    expect(codeOf(() => t.accept(title, 'glo-unicast', 0x0005a8e4))).toBe('CODEC_REPLAY');
    expect(codeOf(() => t.accept(title, 'glo-unicast', 5))).toBe('CODEC_REPLAY');
    expect(t.last(title, 'glo-unicast')).toBe(0x0005a8e4);
  });

  it('a rejected counter does not move the last accepted one', () => {
    const t = new InvocationCounterTracker();
    t.accept(title, 'ded', 10);
    expect(codeOf(() => t.accept(title, 'ded', 9))).toBe('CODEC_REPLAY');
    t.accept(title, 'ded', 11);
    expect(t.last(title, 'ded')).toBe(11);
  });

  it('check alone records nothing', () => {
    const t = new InvocationCounterTracker();
    t.check(title, 'ded', 10);
    t.check(title, 'ded', 10);
    expect(t.last(title, 'ded')).toBeUndefined();
  });

  it('keeps keys and system titles apart', () => {
    const t = new InvocationCounterTracker();
    t.accept(title, 'glo-unicast', 100);
    t.accept(title, 'glo-broadcast', 1);
    t.accept(title, 'ded', 1);
    t.accept(bytes('4D4D4D0000BC614E'), 'glo-unicast', 1);
    expect(Object.keys(t.export()).sort()).toEqual(['4D4D4D0000BC614E/glo-unicast', '534147677001BD54/ded', '534147677001BD54/glo-broadcast', '534147677001BD54/glo-unicast']);
  });

  it('exports a snapshot that seeds a new tracker (restart keeps replay protection)', () => {
    const a = new InvocationCounterTracker();
    a.accept(title, 'glo-unicast', 0xfffffff0);
    const b = new InvocationCounterTracker(JSON.parse(JSON.stringify(a.export())));
    expect(codeOf(() => b.accept(title, 'glo-unicast', 0xfffffff0))).toBe('CODEC_REPLAY');
    b.accept('534147677001bd54', 'glo-unicast', 0xfffffff1);
    expect(b.export()).toEqual({ '534147677001BD54/glo-unicast': 0xfffffff1 });
  });

  it.each([
    [{ 'not a title/glo-unicast': 1 }],
    [{ '534147677001BD54/glo-unicast': -1 }],
    [{ '534147677001BD54/glo-unicast': 2 ** 32 }],
    [{ '534147677001BD54/glo-unicast': 1.5 }],
  ])('a broken snapshot %j is CODEC_BAD_INPUT', (seed) => {
    expect(codeOf(() => new InvocationCounterTracker(seed))).toBe('CODEC_BAD_INPUT');
  });

  it.each([
    ['service-glo', 0x30, 'glo-unicast'],
    ['general-glo', 0x70, 'glo-broadcast'],
    ['service-ded', 0x30, 'ded'],
    ['general-ded', 0x70, 'ded'],
  ] as const)('%s with SC %i counts under %s', (form, sc, id) => {
    expect(counterKeyId({ form, securityControl: decodeSecurityControl(sc) })).toBe(id);
  });
});
