import type { Command } from 'commander';
import { registerCms } from './cms.js';
import { registerDecode } from './decode.js';
import { registerDemo } from './demo.js';
import { registerGateway } from './gateway.js';
import { registerHeadend } from './headend.js';
import { registerLog } from './log.js';
import { registerPki } from './pki.js';
import { registerPrivacy } from './privacy.js';
import { registerTlsCheck } from './tls-check.js';

/** Every sub-command registers itself here, one line each. */
export const registrations: ReadonlyArray<(program: Command) => void> = [
  registerCms,
  registerDecode,
  registerDemo,
  registerGateway,
  registerHeadend,
  registerLog,
  registerPki,
  registerPrivacy,
  registerTlsCheck,
];
