import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildTiny } from '../../src/models/tiny.js';

const cacheModule = fileURLToPath(new URL('../../src/models/cache.ts', import.meta.url));

/** Runs `ensureBuiltinModel('tiny')` in a new Node process; resolves with the path it printed. */
function ensureInChildProcess(home: string): Promise<string> {
  const script = `import { ensureBuiltinModel } from ${JSON.stringify(cacheModule)};
process.stdout.write(await ensureBuiltinModel('tiny', { seed: 11 }));`;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      env: { ...process.env, OBIFAAS_HOME: home },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(stdout) : reject(new Error(`exit ${code}: ${stderr}`))));
  });
}

describe('builtin model cache across processes', () => {
  let home: string;

  beforeEach(async () => {
    home = await mkdtemp(path.join(os.tmpdir(), 'obifaas-model-race-'));
  });

  afterEach(async () => {
    await rm(home, { recursive: true, force: true });
  });

  it('gives every process the same complete file when several build it at once', async () => {
    const paths = await Promise.all([1, 2, 3].map(() => ensureInChildProcess(home)));
    const expected = path.join(home, 'models', 'tiny-r1-seed11.onnx');
    expect(paths).toEqual([expected, expected, expected]);
    expect((await readFile(expected)).equals(Buffer.from(buildTiny({ seed: 11 }).bytes))).toBe(true);
    expect(await readdir(path.join(home, 'models'))).toEqual(['tiny-r1-seed11.onnx']);
  });
});
