import type { Command } from 'commander';
import { registerDecode } from './decode.js';
import { registerDemo } from './demo.js';

/** Every sub-command registers itself here, one line each. */
export const registrations: ReadonlyArray<(program: Command) => void> = [
  registerDecode,
  registerDemo,
];
