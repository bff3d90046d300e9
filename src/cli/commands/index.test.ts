import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { COMMANDS, registrationsFor } from './index.js';

const namesRegisteredBy = async (argv: readonly string[]): Promise<string[]> => {
  const program = new Command('gridwarden');
  for (const register of await registrationsFor(argv)) register(program);
  return program.commands.map((c) => c.name());
};

describe('command registry', () => {
  it.each(COMMANDS.map((c) => [c.name, c] as const))('%s: its module registers exactly the command of that name', async (name, c) => {
    const program = new Command('gridwarden');
    (await c.load())(program);
    expect(program.commands.map((x) => x.name())).toEqual([name]);
  });

  it('a run naming a command gets that command alone; help or an unknown name gets all of them', async () => {
    expect(await namesRegisteredBy(['pki', 'init', '--dir', 'x'])).toEqual(['pki']);
    expect(await namesRegisteredBy(['tls-check'])).toEqual(['tls-check']);
    const all = COMMANDS.map((c) => c.name);
    expect(await namesRegisteredBy([])).toEqual(all);
    expect(await namesRegisteredBy(['--help'])).toEqual(all);
    expect(await namesRegisteredBy(['help', 'pki'])).toEqual(all);
    expect(await namesRegisteredBy(['pkx'])).toEqual(all);
  });
});
