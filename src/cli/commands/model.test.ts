/** `obifaas model build` (its help names the cache files as the cache names them) and `model quantize`. */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtinModelPath } from '../../models/cache.js';
import { int8BuiltinModelPath } from '../../quantize/builtin.js';
import { captureCli } from '../../../test/support/capture-cli.js';
import { expectRefusal } from '../../../test/support/cli-refusal.js';

let home: string;
const savedHome = process.env.OBIFAAS_HOME;

beforeAll(async () => {
  home = await fs.mkdtemp(path.join(os.tmpdir(), 'obifaas-model-cli-'));
  process.env.OBIFAAS_HOME = home;
});
afterAll(async () => {
  if (savedHome === undefined) delete process.env.OBIFAAS_HOME;
  else process.env.OBIFAAS_HOME = savedHome;
  await fs.rm(home, { recursive: true, force: true });
});

describe('obifaas model build', () => {
  it('writes the cache file that --help names, the one a job naming the model uses', async () => {
    const help = (await captureCli('model', 'build', '--help')).stdout.replace(/\s+/g, ' ');
    const pattern = /\$OBIFAAS_HOME\/(models\/<name>\S*\.onnx)/.exec(help)?.[1];
    expect(pattern, help).toBeDefined();
    const built = await captureCli('model', 'build', 'tiny', '--json');
    expect(built.code, built.stderr).toBe(0);
    const { path: file } = JSON.parse(built.stdout) as { path: string };
    const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const [before, after] = pattern!.replace('<name>', 'tiny').replace('<N>', '0').split('<recipe>');
    const expected = new RegExp(`^${escape(`${home}/${before}`)}\\d+${escape(after ?? '')}$`);
    expect(file).toMatch(expected);
    // A job that names the model finds that very file.
    expect(builtinModelPath('tiny', { home })).toBe(file);
  });

  it("names the int8 version's cache file as the cache names it", async () => {
    const help = (await captureCli('model', 'build', '--help')).stdout.replace(/\s+/g, ' ');
    const pattern = /\$OBIFAAS_HOME\/(models\/<name>-int8\S*\.onnx)/.exec(help)?.[1];
    expect(pattern, help).toBeDefined();
    const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const expected = new RegExp(
      `^${escape(`${home}/${pattern!.replace('<name>', 'resnet50').replace('<N>', '3')}`)
        .replace('<recipe>', '\\d+')
        .replace('<quantization>', '\\d+')}$`,
    );
    expect(int8BuiltinModelPath('resnet50', { home, seed: 3 })).toMatch(expected);
  });

  it('suggests the name of a builtin model for a misspelt one', async () => {
    expectRefusal(
      await captureCli('model', 'build', 'tiyn'),
      /unknown model 'tiyn': expected one of resnet50, tiny; did you mean 'tiny'\?/,
    );
  });
});

describe('obifaas model quantize', () => {
  it('says what is wrong with a model that is not a file, and how to get the file of a builtin one', async () => {
    const args = ['--calibration', home, '--out', path.join(home, 'q.onnx')];
    expectRefusal(
      await captureCli('model', 'quantize', 'tiny', ...args),
      /cannot read model 'tiny': no such file; 'tiny' is a builtin model: `obifaas model build tiny --out tiny\.onnx` writes it as a file/,
    );
    expectRefusal(
      await captureCli('model', 'quantize', path.join(home, 'none.onnx'), ...args),
      /cannot read model '.*none\.onnx': no such file$/m,
    );
  });
});
