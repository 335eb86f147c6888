import { describe, expect, it } from 'vitest';
import { presetValues } from './preprocess-presets.js';
import { checkResolvedPreprocess, resolvePreprocess, type ModelInputInfo } from './preprocess-resolve.js';

const nchw = (h: number | string, w: number | string, dtype = 'float32'): ModelInputInfo => ({
  model: 'm.onnx',
  name: 'input',
  dtype,
  shape: ['batch', 3, h, w],
});
const nhwc = (h: number | string, w: number | string, dtype = 'float32'): ModelInputInfo => ({
  model: 'm.onnx',
  name: 'input',
  dtype,
  shape: ['batch', h, w, 3],
});

describe('resolvePreprocess', () => {
  it('takes preset imagenet by default, sized by the model, and says so', () => {
    const r = resolvePreprocess([], nchw(320, 320));
    expect(r.issues).toEqual([]);
    expect(r.preprocess).toEqual({ ...presetValues('imagenet'), size: { height: 320, width: 320 } });
    expect(r.sources.mean).toBe('default (preset imagenet)');
    expect(r.sources.size).toBe("model input 'input' [batch, 3, 320, 320]");
  });

  it('keeps the preset size for a model whose size is dynamic', () => {
    const r = resolvePreprocess([{ from: '--preprocess', spec: { preset: 'inception' } }], nhwc('h', 'w'));
    expect(r.issues).toEqual([]);
    expect(r.preprocess.size).toEqual({ height: 299, width: 299 });
    expect(r.sources.size).toBe('preset inception (--preprocess)');
  });

  it('takes each field from the first declaration that sets it: flags > job spec > metadata > defaults', () => {
    const r = resolvePreprocess(
      [
        { from: '--preprocess', spec: { preset: 'clip' } },
        { from: 'job.yaml', spec: { channels: 'BGR', interpolation: 'nearest' } },
        { from: 'model metadata (obifaas.preprocess)', spec: { preset: 'caffe', layout: 'NHWC' } },
      ],
      nchw(224, 224),
    );
    // The flag's preset sets every field, so the lower declarations give nothing.
    expect(r.preprocess).toEqual(presetValues('clip'));
    expect(r.sources.channels).toBe('preset clip (--preprocess)');
    const below = resolvePreprocess(
      [
        { from: 'job.yaml', spec: { channels: 'BGR', scale: '1/127.5', mean: 1, std: [1, 1, 1] } },
        { from: 'model metadata (obifaas.preprocess)', spec: { preset: 'caffe', layout: 'NHWC' } },
      ],
      nhwc(224, 224),
    );
    expect(below.issues).toEqual([]);
    expect(below.preprocess).toMatchObject({
      channels: 'BGR',
      scale: 1 / 127.5,
      mean: [1, 1, 1],
      layout: 'NHWC',
    });
    expect(below.sources).toMatchObject({
      channels: 'job.yaml',
      layout: 'model metadata (obifaas.preprocess)',
      interpolation: 'preset caffe (model metadata (obifaas.preprocess))',
    });
  });

  it('fills a resize mode given alone with its defaults', () => {
    const spec = { resize: 'letterbox' as const };
    expect(resolvePreprocess([{ from: 'f', spec }], null).preprocess.resize).toEqual({
      mode: 'letterbox',
      padValue: [0, 0, 0],
    });
    const squash = resolvePreprocess([{ from: 'f', spec: { resize: { mode: 'squash' as const } } }], null);
    expect(squash.preprocess.resize).toEqual({ mode: 'squash', cropFraction: 1 });
    const both = resolvePreprocess(
      [{ from: 'f', spec: { resize: { mode: 'shorter-side' as const, cropFraction: 0.9, resizeTo: 256 } } }],
      null,
    );
    expect(both.issues[0]?.message).toMatch(/cropFraction or resizeTo, not both/);
  });

  it('feeds raw pixels to a uint8 model, and refuses normalisation declared with it', () => {
    const raw = resolvePreprocess(
      [{ from: 'job.yaml', spec: { dtype: 'uint8', layout: 'NHWC' } }],
      nhwc(224, 224, 'uint8'),
    );
    expect(raw.issues).toEqual([]);
    expect(raw.preprocess).toMatchObject({ dtype: 'uint8', scale: 1, mean: [0, 0, 0], std: [1, 1, 1] });
    expect(raw.sources.scale).toBe('dtype uint8 (job.yaml): raw pixels');
    const contradiction = resolvePreprocess(
      [{ from: 'job.yaml', spec: { dtype: 'uint8', layout: 'NHWC', std: 0.5 } }],
      nhwc(224, 224, 'uint8'),
    );
    expect(contradiction.issues.map((i) => i.path)).toEqual(['preprocess.std (job.yaml)']);
  });

  it('refuses an unknown preset with a suggestion', () => {
    const r = resolvePreprocess([{ from: '--preprocess', spec: { preset: 'incepton' } }], null);
    expect(r.issues).toEqual([
      {
        path: 'preprocess.preset (--preprocess)',
        message:
          "unknown preset 'incepton'; did you mean 'inception'? expected one of: imagenet, inception, clip, caffe, uint8-nhwc",
      },
    ]);
  });

  it('names the model, the tensor, the expected and the actual shape when the layout is wrong', () => {
    const r = resolvePreprocess([], nhwc(224, 224));
    expect(r.issues).toHaveLength(1);
    expect(r.issues[0]?.path).toBe("model m.onnx, input 'input'");
    expect(r.issues[0]?.message).toMatch(
      /^expected float32 \[N, 3, 224, 224\] \(layout NCHW \(default \(preset imagenet\)\), dtype float32 .*\), actual float32 \[batch, 224, 224, 3\]: the model takes NHWC input; declare layout NHWC/,
    );
  });

  it('says every declaration an input needs in one issue, its shapes said once', () => {
    const r = resolvePreprocess([{ from: '--preprocess', spec: { preset: 'uint8-nhwc' } }], nchw(224, 224));
    expect(r.issues).toHaveLength(1);
    const message = r.issues[0]?.message ?? '';
    expect(message).toMatch(
      /^expected uint8 \[N, 224, 224, 3\] .*, actual float32 \[batch, 3, 224, 224\]: the model takes NCHW input; declare layout NCHW .*; declare dtype float32$/,
    );
    expect(message.match(/expected /g)).toHaveLength(1);
  });

  it('refuses a wrong dtype, a wrong rank, and a declared size the model does not take', () => {
    const dtype = resolvePreprocess([], nchw(224, 224, 'uint8'));
    expect(dtype.issues[0]?.message).toMatch(
      /expected float32 .* actual uint8 \[batch, 3, 224, 224\]; declare dtype uint8/,
    );
    const rank = resolvePreprocess([], { model: 'm.onnx', name: 'x', dtype: 'float32', shape: ['N', 1000] });
    expect(rank.issues[0]?.message).toMatch(/actual float32 \[N, 1000\] \(rank 2\)/);
    const size = resolvePreprocess([{ from: 'job.yaml', spec: { size: 299 } }], nchw(224, 224));
    expect(size.issues[0]?.message).toMatch(
      /takes 224x224 images but the preprocessing declares size 299x299 \(job.yaml\)/,
    );
    const gray = resolvePreprocess([], { ...nchw(224, 224), shape: [1, 1, 224, 224] });
    expect(gray.issues[0]?.message).toMatch(/does not take 3-channel images/);
  });
});

describe('checkResolvedPreprocess', () => {
  it('accepts what fits and refuses a size the model does not take', () => {
    const p = presetValues('imagenet');
    expect(checkResolvedPreprocess(p, nchw(224, 224), 'the payload')).toEqual([]);
    expect(checkResolvedPreprocess(p, nchw('h', 'w'), 'the payload')).toEqual([]);
    expect(checkResolvedPreprocess(p, nchw(256, 256), 'the payload')[0]?.message).toMatch(/256x256/);
  });
});
