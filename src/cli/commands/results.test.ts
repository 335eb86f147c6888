/** `obifaas results` mistakes that are refused before any folder is read, through the CLI's `main()`. */
import { describe, it } from 'vitest';
import { captureCli as run } from '../../../test/support/capture-cli.js';
import { expectRefusal } from '../../../test/support/cli-refusal.js';

describe('obifaas results', () => {
  it('refuses --out - with --json: the rows and the JSON object would share stdout', async () => {
    expectRefusal(
      await run('results', 'no-such-job', '--format', 'csv', '--out', '-', '--json'),
      /--out - and --json both write to stdout: give --out FILE with --json/,
    );
  });

  it('refuses a format it cannot write, naming the flag', async () => {
    expectRefusal(
      await run('results', 'no-such-job', '--format', 'xlsx'),
      /--format: expected csv, parquet or jsonl, got 'xlsx'/,
    );
  });
});
