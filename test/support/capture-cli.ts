/**
 * Runs the CLI's `main()` in this process and captures what it writes: for unit tests of
 * commands that need no child process.
 */
import { vi } from 'vitest';
import { main } from '../../src/cli/main.js';

/** What one `obifaas ...args` call returned and wrote. */
export interface CapturedCliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Calls `main(['node', 'obifaas', ...args])` with stdout and stderr captured; resets `process.exitCode` after. */
export async function captureCli(...args: string[]): Promise<CapturedCliRun> {
  let stdout = '';
  let stderr = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout += chunk.toString();
    return true;
  });
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stderr += chunk.toString();
    return true;
  });
  try {
    const code = await main(['node', 'obifaas', ...args]);
    return { code, stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
    process.exitCode = undefined;
  }
}
