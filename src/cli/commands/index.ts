import type { Command } from 'commander';

/** What a command module exports: it adds its command (with sub-commands) to the program. */
export type Registration = (program: Command) => void;

/**
 * Every sub-command by name, with the module that registers it: a run loads only the module of the command it
 * names (a CLI start that loaded every command's dependencies cost about a second of CPU); help loads them all.
 */
export const COMMANDS: ReadonlyArray<{ readonly name: string; readonly load: () => Promise<Registration> }> = [
  { name: 'cms', load: async () => (await import('./cms.js')).registerCms },
  { name: 'decode', load: async () => (await import('./decode.js')).registerDecode },
  { name: 'demo', load: async () => (await import('./demo.js')).registerDemo },
  { name: 'gateway', load: async () => (await import('./gateway.js')).registerGateway },
  { name: 'headend', load: async () => (await import('./headend.js')).registerHeadend },
  { name: 'log', load: async () => (await import('./log.js')).registerLog },
  { name: 'pki', load: async () => (await import('./pki.js')).registerPki },
  { name: 'privacy', load: async () => (await import('./privacy.js')).registerPrivacy },
  { name: 'tls-check', load: async () => (await import('./tls-check.js')).registerTlsCheck },
];

/** The registrations a run with these arguments needs: the named command's alone, or every one (help, unknown). */
export async function registrationsFor(argv: readonly string[]): Promise<Registration[]> {
  const named = COMMANDS.find((c) => c.name === argv[0]);
  return Promise.all((named === undefined ? COMMANDS : [named]).map((c) => c.load()));
}
