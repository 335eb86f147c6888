/**
 * Every command that reads a job's inputs or model (which may be `s3://` URLs) takes the S3
 * connection as flags, registered from the same config keys as `run`'s: the same flags, help
 * and environment variables.
 */
import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { buildProgram } from './main.js';

const S3_FLAGS = ['--s3-endpoint', '--s3-region', '--s3-force-path-style'];

function leaves(command: Command, name = 'obifaas'): { name: string; command: Command }[] {
  if (command.commands.length === 0) return [{ name, command }];
  return command.commands.flatMap((sub) => leaves(sub, `${name} ${sub.name()}`));
}

function helpOf(command: Command, flag: string): string | undefined {
  return command.options.find((o) => o.long === flag)?.description;
}

describe('the S3 connection flags', () => {
  const commands = leaves(buildProgram());
  const run = commands.find((c) => c.name === 'obifaas run')!.command;

  it('are taken by every command that reads inputs or a model, as run takes them', () => {
    const readers = commands.filter(({ command }) => command.options.some((o) => o.long === '--input'));
    expect(readers.map((c) => c.name)).toEqual(
      expect.arrayContaining(['obifaas run', 'obifaas cpr sample', 'obifaas optimize', 'obifaas replay']),
    );
    for (const { name, command } of readers)
      for (const flag of S3_FLAGS) expect(helpOf(command, flag), `${name} ${flag}`).toBe(helpOf(run, flag));
  });
});
