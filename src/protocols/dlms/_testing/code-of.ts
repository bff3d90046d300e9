import { CodecError } from '../../errors.js';

/** The CodecError code `f` throws, 'no error', or 'not a CodecError: <name>' for anything else. */
export function codeOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (e instanceof CodecError) return e.code;
    return `not a CodecError: ${e instanceof Error ? e.name : typeof e}`;
  }
  return 'no error';
}
