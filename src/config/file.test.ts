import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { specErrorOf } from '../../test/support/spec-error.js';
import { useTempDir } from '../../test/support/temp-dir.js';
import { parseConfigText } from './file.js';
import { gatherJobOptions } from './resolve.js';

const temp = useTempDir('obifaas-config-');

describe('config files', () => {
  it('reports unknown keys with their line and a suggestion', () => {
    const err = specErrorOf(() =>
      parseConfigText(
        'inputs: a\nmodel: tiny\nsplitsize: 4\nbackend:\n  type: local\n',
        'job.yaml',
        temp.path,
      ),
    );
    expect(err.message).toContain(
      "invalid config file job.yaml: splitsize (line 3): unknown key; did you mean 'splitSize'?",
    );
  });

  it('refuses prototype keys at any level, with their line, and pollutes nothing', () => {
    const yaml = 'inputs: a\nmodel: tiny\nbackend:\n  type: local\n  __proto__:\n    polluted: true\n';
    expect(specErrorOf(() => parseConfigText(yaml, 'p.yaml', temp.path)).message).toBe(
      "invalid config file p.yaml: backend.__proto__ (line 5): the key '__proto__' is refused at any level",
    );
    const json = '{"inputs": "a", "pipeline": {"predict": {"constructor": {"prototype": 1}}}}';
    expect(specErrorOf(() => parseConfigText(json, 'p.json', temp.path)).issues).toEqual([
      {
        path: 'pipeline.predict.constructor (line 1)',
        message: "the key 'constructor' is refused at any level",
      },
    ]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('reports YAML and JSON syntax errors with line numbers', () => {
    expect(specErrorOf(() => parseConfigText('workers: 2\n  bad: [\n', 'a.yaml', temp.path)).message).toMatch(
      /invalid config file a.yaml: line \d+, column \d+/,
    );
    expect(
      specErrorOf(() => parseConfigText('{\n "workers": 2,\n "workers": 3\n}', 'b.json', temp.path)).message,
    ).toMatch(/line 3/);
    expect(specErrorOf(() => parseConfigText('- a\n- b\n', 'c.yaml', temp.path)).message).toMatch(
      /expected a mapping/,
    );
  });

  it('resolves relative paths against the file folder', () => {
    const layer = parseConfigText(
      'inputs: data/m.txt\nmodel: tiny\nlabels: l.txt\nout: o\n',
      'x.yaml',
      '/cfg',
    );
    expect(layer.values).toEqual({
      inputs: '/cfg/data/m.txt',
      model: 'tiny',
      labels: '/cfg/l.txt',
      out: '/cfg/o',
    });
    const nested = parseConfigText(
      [
        'inputs: s3://b/m.txt',
        'model: m.onnx',
        'staging: st',
        'preprocess: {file: p.yaml}',
        'dispatcher: {tlsCert: tls/c.pem, tlsKey: /etc/k.pem}',
      ].join('\n'),
      'x.yaml',
      '/cfg',
    );
    expect(nested.values).toEqual({
      inputs: 's3://b/m.txt',
      model: '/cfg/m.onnx',
      staging: '/cfg/st',
      preprocess: { file: '/cfg/p.yaml' },
      dispatcher: { tlsCert: '/cfg/tls/c.pem', tlsKey: '/etc/k.pem' },
    });
  });

  it('fails clearly for a missing file', async () => {
    await expect(
      gatherJobOptions({ configFile: path.join(temp.path, 'nope.yaml'), env: {} }),
    ).rejects.toThrow(/cannot read the config file \(no such file\)/);
  });
});
