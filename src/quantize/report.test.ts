import { describe, expect, it } from 'vitest';
import { driftWarning, formatReport, type QuantizeReport, reportJson } from './report.js';

const layers = [
  { node: 'conv1', op: 'Conv', tensor: 'r1', weightSqnrDb: 45, sqnrDb: 40, roundingSqnrDb: 38 },
  { node: 'conv2', op: 'Conv', tensor: 'r2', weightSqnrDb: 21, sqnrDb: 20, roundingSqnrDb: 35 },
  { node: 'add', op: 'Add', tensor: 'a', weightSqnrDb: null, sqnrDb: 15, roundingSqnrDb: 18 },
  { node: 'fc', op: 'Gemm', tensor: 'y', weightSqnrDb: Infinity, sqnrDb: 12, roundingSqnrDb: null },
];

const report: QuantizeReport = {
  model: 'in.onnx',
  out: 'out.onnx',
  sizeBytes: { float32: 4e6, int8: 1e6 },
  settings: {
    method: 'minmax',
    percentile: null,
    perChannel: true,
    weights: 'int8 symmetric per channel',
    activations: 'uint8 asymmetric',
    excluded: [],
  },
  images: {
    source: '/data',
    available: 100,
    requested: { calibration: 64, heldOut: 16 },
    calibration: 64,
    heldOut: 16,
    measured: 16,
    skipped: 0,
    skippedExamples: [],
  },
  operators: { quantized: { Conv: 2, Add: 1, Gemm: 1 }, float32: { Softmax: 1 } },
  notQuantized: [{ node: 'softmax', op: 'Softmax', reason: 'not a quantizable operator' }],
  runtime: { operators: { QLinearConv: 2, QLinearAdd: 1, QGemm: 1 }, int8Kernels: 4 },
  layers,
  agreement: {
    images: 16,
    top1Agreements: 15,
    top1Agreement: 15 / 16,
    maxLogitError: 0.5,
    meanAbsLogitError: 0.05,
  },
  warnings: ['something'],
};

describe('the quantization report', () => {
  it('names the layers with the most rounding error when the output drifts', () => {
    expect(driftWarning(0.75, 0.9, layers)).toBe(
      'top-1 agreement 75.0 % is below 90 %: try --exclude add,conv2,conv1 (the layers with the most ' +
        'rounding error), --method percentile, or calibration images closer to the real inputs',
    );
  });

  it('prints a table and JSON from the same object', () => {
    const text = formatReport(report);
    expect(text).toMatch(/quantized {4}Conv 2, Add 1, Gemm 1/);
    expect(text).toMatch(/ {2}fc +Gemm +exact +- +12\.0/);
    expect(text).toMatch(/left in float32:\n {2}softmax \(Softmax\): not a quantizable operator/);
    expect(text).toMatch(/agreement on 16 held-out images: top-1 15\/16 \(93\.8 %\), max logit error 0\.500/);
    expect(text).toMatch(/warning: something\n$/);
    const json = JSON.parse(reportJson(report)) as QuantizeReport;
    expect(json.layers[3]?.weightSqnrDb).toBeNull();
  });

  it('fits a 50-column terminal: sentences wrap, and each node name goes above its numbers', () => {
    const long = {
      ...report,
      model: 'models/resnet50.onnx',
      settings: {
        ...report.settings,
        method: 'percentile' as const,
        percentile: 99.99,
        excluded: ['@first', '@last'],
      },
      layers: layers.map((l, i) => ({ ...l, node: `/backbone/layer${i + 1}/block0/conv${i + 1}/Conv` })),
    };
    const wide = formatReport(long).trimEnd().split('\n');
    expect(wide.some((line) => line.length >= 50)).toBe(true);
    const lines = formatReport(long, 50).trimEnd().split('\n');
    for (const line of lines) expect(line.length, line).toBeLessThan(50);
    const first = lines.indexOf('  /backbone/layer1/block0/conv1/Conv');
    expect(first).toBeGreaterThan(0);
    expect(lines[first + 1]).toMatch(/^ {6}Conv +45\.0 +38\.0 +40\.0$/);
    expect(lines[first - 1]).toMatch(/^ {6}op +weights +rounding +accumulated$/);
    expect(lines[first - 2]).toBe('  node');
    // Every value is still there: the sentences are wrapped, not cut.
    expect(lines.join(' ').replace(/ +/g, ' ')).toContain(
      'agreement on 16 held-out images: top-1 15/16 (93.8 %), max logit error 0.500, mean 0.0500',
    );
    expect(lines.join(' ').replace(/ +/g, ' ')).toContain('excluded @first, @last');
  });
});
