/** Usage mistakes that commander finds are one line on stderr and exit code 2, as every other mistake. */
import { describe, expect, it } from 'vitest';
import { captureCli } from '../../test/support/capture-cli.js';
import { expectRefusal } from '../../test/support/cli-refusal.js';
import { usageErrorLine } from './main.js';

describe('usage mistakes', () => {
  it('are one line, with commander suggestion kept', async () => {
    const cases: Array<[string[], string]> = [
      [['rnu'], "obifaas: unknown command 'rnu' (did you mean run?); see --help"],
      [['model', 'biuld', 'tiny'], "obifaas: unknown command 'biuld' (did you mean build?); see --help"],
      [
        ['run', '--wrokers', '3'],
        "obifaas: unknown option '--wrokers' (did you mean --workers?); see --help",
      ],
      [['run', '--input'], "obifaas: option '--input <manifest_or_dir>' argument missing; see --help"],
      [
        ['cpr', 'sample', '--input', 'x'],
        "obifaas: required option '--max-images <n>' not specified; see --help",
      ],
    ];
    for (const [args, line] of cases) {
      const run = await captureCli(...args);
      expectRefusal(run, /./);
      expect(run.stderr).toBe(`${line}\n`);
    }
  });

  it('keep the words of a message that has no hint', () => {
    expect(usageErrorLine("error: too many arguments for 'run'. Expected 0 arguments but got 1.\n")).toBe(
      "obifaas: too many arguments for 'run'. Expected 0 arguments but got 1; see --help",
    );
  });
});
