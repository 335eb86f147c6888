import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readLambdaSection, resolveLocation } from './lambda-settings.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'obifaas-lambda-settings-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('the Lambda commands: region', () => {
  it('takes a region name from --region or the config file', async () => {
    expect(resolveLocation({ region: 'us-gov-west-1' }, {})).toMatchObject({ region: 'us-gov-west-1' });
    const file = path.join(dir, 'good.yaml');
    await writeFile(file, 'backend:\n  type: lambda\n  region: eu-central-2\n');
    expect(await readLambdaSection({ config: file })).toEqual({ region: 'eu-central-2' });
  });

  it('refuses a --region that is not a region name, as the job options do', () => {
    expect(() => resolveLocation({ region: 'EU West 1' }, {})).toThrow(
      "--region: expected a region name like eu-west-1 (lowercase words joined by hyphens), got 'EU West 1'",
    );
  });

  it("refuses a config file's backend.region that is not a region name, naming the file", async () => {
    const file = path.join(dir, 'bad.yaml');
    await writeFile(file, 'backend:\n  type: lambda\n  region: eu_west_1\n');
    await expect(readLambdaSection({ config: file })).rejects.toThrow(
      `${file}: backend.region: expected a region name like eu-west-1`,
    );
  });
});
