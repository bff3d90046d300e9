import type { Command } from 'commander';
import { registerDemo } from './demo.js';

/** Every sub-command registers itself here, one line each. */
export const registrations: ReadonlyArray<(program: Command) => void> = [
  registerDemo,
];
