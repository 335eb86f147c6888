import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { useTempDir } from '../../../test/support/temp-dir.js';
import { formatTable, readLambdaSection, resolveLocation } from './lambda-settings.js';

const temp = useTempDir('obifaas-lambda-settings-');

describe('the Lambda commands: region', () => {
  it('takes a region name from --region or the config file', async () => {
    expect(resolveLocation({ region: 'us-gov-west-1' }, {})).toMatchObject({ region: 'us-gov-west-1' });
    const file = path.join(temp.path, 'good.yaml');
    await writeFile(file, 'backend:\n  type: lambda\n  region: eu-central-2\n');
    expect(await readLambdaSection({ config: file })).toEqual({ region: 'eu-central-2' });
  });

  it('refuses a --region that is not a region name, as the job options do', () => {
    expect(() => resolveLocation({ region: 'EU West 1' }, {})).toThrow(
      "--region: expected a region name like eu-west-1 (lowercase words joined by hyphens), got 'EU West 1'",
    );
  });

  it("refuses a config file's backend.region that is not a region name, naming the file", async () => {
    const file = path.join(temp.path, 'bad.yaml');
    await writeFile(file, 'backend:\n  type: lambda\n  region: eu_west_1\n');
    await expect(readLambdaSection({ config: file })).rejects.toThrow(
      `${file}: backend.region: expected a region name like eu-west-1`,
    );
  });
});

describe('the Lambda commands: tables', () => {
  it('align every column left, two spaces apart, with no trailing spaces', () => {
    const rows = [['obifaas-worker-1769', '1769', 'cold'], ['w', '10240', ''], []];
    expect(formatTable(['function', 'memory', 'start'], rows)).toBe(
      'function             memory  start\nobifaas-worker-1769  1769    cold\nw                    10240\n',
    );
    expect(formatTable(['a'], [])).toBe('a');
  });
});
