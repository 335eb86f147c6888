/**
 * The flag registrar: a command takes a chosen subset of the config keys, its help lists them
 * with their defaults and environment variables, and a boolean flag reads the same in every
 * command that takes it (`run` and `replay` here), alone, with a value, or from the environment.
 */
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { CONFIG_KEYS } from '../config/keys.js';
import { UserError } from '../errors.js';
import {
  addConfigFlags,
  ALL_CONFIG_FLAGS,
  configFlagOptions,
  configFlags,
  pickConfigFlags,
  resolveJobFlags,
} from './config-flags.js';
import { buildProgram } from './main.js';

/** The flags commander parsed for `obifaas <args>`, without running the command. */
async function parsedFlags(args: string[]): Promise<Record<string, unknown>> {
  const program = buildProgram();
  let flags: Record<string, unknown> | undefined;
  const command = program.commands.find((c) => c.name() === args[0])!;
  command.action((...actionArgs: unknown[]) => {
    flags = actionArgs.at(-2) as Record<string, unknown>;
  });
  await program.parseAsync(['node', 'obifaas', ...args]);
  return flags!;
}

const SIMULATION_KEYS = ['mode', 'speculation.enabled', 'faults.failPercent', 'faults.delayMax'];

describe('configFlags', () => {
  it('registers a chosen subset on any command, with defaults and environment variables in the help', () => {
    const keys = configFlags({ only: SIMULATION_KEYS, defaults: { mode: 'dynamic' } });
    expect(keys.keys.map((k) => k.path)).toEqual(SIMULATION_KEYS);
    const command = addConfigFlags(new Command('simulate'), keys, { configFile: false });
    const help = command.helpInformation().replace(/\s+/g, ' '); // unwrapped
    expect(help).toContain(
      '--mode <mode> dispatch mode: static (fixed chunks) or dynamic (workers pull splits) (default: dynamic; env OBIFAAS_MODE)',
    );
    expect(help).toContain(
      '--speculation [bool] dynamic: copy splits of straggling workers; the first result wins (default: false; env OBIFAAS_SPECULATION)',
    );
    expect(help).toMatch(/--fail-percent <p> [^(]*\(default: 0; env OBIFAAS_FAIL_PERCENT\)/);
    expect(help).toMatch(
      /--delay-max <duration> [^(]*\(each slow worker draws one up to this\) \(default: 5s; env OBIFAAS_DELAY_MAX\)/,
    );
    expect(help).not.toMatch(/--workers|--input|--config/);
  });

  it('says a required value is required, never "default: required" nor a bracket in a bracket', () => {
    const help = addConfigFlags(new Command('run'), ALL_CONFIG_FLAGS).helpInformation().replace(/\s+/g, ' ');
    expect(help).toContain(
      '--url <urls> http backend: function URLs, comma-separated (token: env OBIFAAS_FUNCTION_TOKEN) (required for http)',
    );
    expect(help).toMatch(/--input <[^>]+> [^<]*\(required; env OBIFAAS_INPUTS\)/);
    expect(help).not.toMatch(/default: \(|default: required/);
  });

  it('takes every key with a flag by default, leaves out what `except` names, and refuses unknown paths', () => {
    const withFlag = CONFIG_KEYS.filter((k) => k.flag).map((k) => k.path);
    expect(ALL_CONFIG_FLAGS.keys.map((k) => k.path)).toEqual(withFlag);
    const replayLike = configFlags({ except: ['name', 'out'] });
    expect(replayLike.keys.map((k) => k.path)).toEqual(withFlag.filter((p) => p !== 'name' && p !== 'out'));
    expect(() => configFlags({ only: ['workerz'] })).toThrow(/no config key with a flag at 'workerz'/);
    expect(() => configFlags({ only: ['pipeline.predict.replicas'] })).toThrow(RangeError);
  });

  it("reads back only the command's own job flags", async () => {
    const keys = configFlags({ only: ['workers'] });
    expect(pickConfigFlags({ workers: '3', splitSize: '8', json: true }, keys)).toEqual({ workers: '3' });
    expect(
      configFlagOptions(
        { speculation: true, failPercent: '10', delayMax: '2s' },
        configFlags({ only: SIMULATION_KEYS }),
      ),
    ).toEqual({
      speculation: { enabled: true },
      faults: { failPercent: 10, delayMax: '2s' },
    });
    expect(() => configFlagOptions({ failPercent: 'ten' }, configFlags({ only: SIMULATION_KEYS }))).toThrow(
      /--fail-percent: expected a number, got 'ten'/,
    );
  });
});

describe('boolean flags', () => {
  const run = ['run', '--input', 'photos', '--model', 'tiny'];
  const replay = ['replay', 'day.csv', '--input', 'photos', '--model', 'tiny'];

  it('read alike in run and replay: alone, with true or false, with =', async () => {
    for (const [given, expected] of [
      [['--speculation'], true],
      [['--speculation', 'true'], true],
      [['--speculation', 'false'], false],
      [['--speculation=0'], false],
      [['--speculation', 'yes', '--mode', 'dynamic'], true],
      [[], undefined],
    ] as const) {
      const fromRun = await parsedFlags([...run, ...given]);
      const fromReplay = await parsedFlags([...replay, ...given]);
      expect(fromRun.speculation, given.join(' ')).toBe(expected);
      expect(fromReplay.speculation, given.join(' ')).toBe(expected);
    }
  });

  it('refuse a word that is not a boolean, saying how to keep the flag and an argument apart', async () => {
    await expect(parsedFlags([...run, '--speculation', 'photos.csv'])).rejects.toThrow(UserError);
    await expect(parsedFlags([...replay, '--speculation', 'maybe'])).rejects.toThrow(
      "--speculation: expected true or false, got 'maybe' (the flag alone means true; write --speculation=true before an argument)",
    );
    // The trace after the flag is not taken as the flag's value without a word: refused alike.
    await expect(
      parsedFlags(['replay', '--speculation', 'day.csv', '--input', 'photos', '--model', 'tiny']),
    ).rejects.toThrow("--speculation: expected true or false, got 'day.csv'");
    await expect(parsedFlags(['run', '--speculation', 'photos', '--model', 'tiny'])).rejects.toThrow(
      "--speculation: expected true or false, got 'photos'",
    );
  });

  it('and the environment variable sets the same setting as the flag', async () => {
    const env = { OBIFAAS_SPECULATION: '1', OBIFAAS_MODE: 'dynamic' };
    const saved = { ...process.env };
    Object.assign(process.env, env);
    try {
      const spec = await resolveJobFlags({ input: 'photos', model: 'tiny' });
      const flagged = await resolveJobFlags(
        await parsedFlags([...replay, '--speculation', '--mode', 'dynamic']),
      );
      const speculation = (s: typeof spec): unknown => (s.dispatch as { speculation?: unknown }).speculation;
      expect(speculation(spec)).toBeTruthy();
      expect(speculation(flagged)).toEqual(speculation(spec));
    } finally {
      for (const key of Object.keys(env)) {
        if (saved[key] === undefined) delete process.env[key];
        else process.env[key] = saved[key];
      }
    }
  });
});
