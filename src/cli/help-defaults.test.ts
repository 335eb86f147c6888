/**
 * The defaults every command's `--help` prints read as a user would write them: a duration as
 * `'30s'` or `'10m'` (not the milliseconds it is kept in), and a repeatable flag with no
 * `(default: [])`.
 */
import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { captureCli } from '../../test/support/capture-cli.js';
import { buildProgram } from './main.js';

/** Every option of every command, as `obifaas deploy --env`. */
function allOptions(
  command: Command,
  name = 'obifaas',
): { where: string; option: Command['options'][number] }[] {
  return [
    ...command.options.map((option) => ({ where: `${name} ${option.long ?? option.flags}`, option })),
    ...command.commands.flatMap((sub) => allOptions(sub, `${name} ${sub.name()}`)),
  ];
}

describe('defaults in --help', () => {
  const options = allOptions(buildProgram());

  it('shows a duration flag’s default as a duration, not milliseconds', () => {
    const durations = options.filter(({ option }) => option.flags.includes('<duration>'));
    expect(durations.length).toBeGreaterThan(5);
    const raw = durations
      .filter(({ option }) => typeof option.defaultValue === 'number' && !option.defaultValueDescription)
      .map(({ where }) => where);
    expect(raw).toEqual([]);
  });

  it('shows no list default such as [] for a repeatable flag', () => {
    const lists = options
      .filter(({ option }) => Array.isArray(option.defaultValue) && !option.defaultValueDescription)
      .map(({ where }) => where);
    expect(lists).toEqual([]);
  });

  it('serve-function: the body timeout as 30s, the access flags without [], and they still repeat', async () => {
    const help = (await captureCli('serve-function', '--help')).stdout.replace(/\s+/g, ' ');
    expect(help).toContain(
      '--body-timeout <duration> longest time to receive a request body (408 beyond) (default: 30s)',
    );
    expect(help).toContain('(default: 10)');
    expect(help).not.toContain('(default: [])');
    const command = buildProgram().commands.find((c) => c.name() === 'deploy')!;
    command.exitOverride().action(() => undefined);
    await command.parseAsync(['--env', 'A=1', '--env', 'B=2', '--allow-read', '/a', '--allow-read', '/b'], {
      from: 'user',
    });
    expect(command.opts()).toMatchObject({ env: ['A=1', 'B=2'], allowRead: ['/a', '/b'] });
  });
});
