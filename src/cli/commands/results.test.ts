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

  it('refuses an s3:// job location, saying how to copy it to this machine', async () => {
    expectRefusal(
      await run('results', 's3://results/nightly/2026-12-06/', '--format', 'csv'),
      /^obifaas: results: s3:\/\/results\/nightly\/2026-12-06\/ is in object storage, and this command reads a folder on this machine: copy it here first \(`aws s3 cp --recursive s3:\/\/results\/nightly\/2026-12-06\/ \.\/2026-12-06`\) and give that folder$/,
    );
  });
});
