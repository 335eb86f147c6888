/** The check every CLI mistake must pass: one line on stderr, no stack trace, a set exit code. */
import { expect } from 'vitest';

/** What a CLI run returned and wrote (in this process or a child process). */
export interface CliOutcome {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Expects `run` to be refused: exit code `code` (2 unless said), exactly one stderr line
 * starting with `obifaas: ` and matching `pattern`, no stack trace, and (unless `stdoutMayHaveText`)
 * nothing on stdout.
 */
export function expectRefusal(
  run: CliOutcome,
  pattern: RegExp,
  { code = 2, stdoutMayHaveText = false }: { code?: number; stdoutMayHaveText?: boolean } = {},
): void {
  expect(run.code, run.stderr).toBe(code);
  const lines = run.stderr.trim().split('\n');
  expect(lines, run.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^obifaas: /);
  expect(lines[0]).toMatch(pattern);
  expect(run.stderr).not.toMatch(/\n\s+at /);
  if (!stdoutMayHaveText) expect(run.stdout).toBe('');
}
