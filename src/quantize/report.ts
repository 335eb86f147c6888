/**
 * What `obifaas model quantize` reports: the settings, the images used, the operators that were
 * and were not quantized, the kernels ONNX Runtime runs, per-layer errors and the agreement
 * with the float32 model. One object, printed as a table or as JSON.
 */
import type { Agreement } from './evaluate.js';
import type { CalibrationMethod } from './ranges.js';
import { labelledLines, textTable, wrapParagraph, type TextColumn } from '../util/text-layout.js';

/** One quantized layer's errors (dB of signal over noise; null when not measured or exact). */
export interface LayerRow {
  node: string;
  op: string;
  /** The tensor measured after it (after a folded Relu/Clip). */
  tensor: string;
  weightSqnrDb: number | null;
  /** Float32 model against simulated int8, accumulated up to this layer. */
  sqnrDb: number | null;
  /** This tensor's own 8-bit rounding; null when its output stays float32. */
  roundingSqnrDb: number | null;
}

/** The whole report. */
export interface QuantizeReport {
  model: string;
  out: string;
  sizeBytes: { float32: number; int8: number };
  settings: {
    method: CalibrationMethod;
    percentile: number | null;
    perChannel: boolean;
    weights: string;
    activations: string;
    excluded: string[];
  };
  images: {
    source: string;
    available: number;
    requested: { calibration: number; heldOut: number };
    calibration: number;
    heldOut: number;
    /** Images measured for the per-layer errors (the first calibration images). */
    measured: number;
    skipped: number;
    skippedExamples: Array<{ key: string; reason: string }>;
  };
  operators: { quantized: Record<string, number>; float32: Record<string, number> };
  notQuantized: Array<{ node: string; op: string; reason: string }>;
  /** Operators of the graph ONNX Runtime runs, after fusing the Q/DQ pairs. */
  runtime: { operators: Record<string, number>; int8Kernels: number };
  layers: LayerRow[];
  agreement: Agreement;
  warnings: string[];
}

/** Operators of the optimized graph that compute in int8. */
export const INT8_KERNELS =
  /^(com\.microsoft:)?(QLinear\w+|QGemm|ConvInteger|MatMulInteger\w*|QAttention|DynamicQuantize\w+)$/;

const db = (x: number | null): string =>
  x === null ? '-' : Number.isFinite(x) ? x.toFixed(1) : x > 0 ? 'exact' : '-inf';

function counts(record: Record<string, number>): string {
  const entries = Object.entries(record).sort((a, b) => b[1] - a[1]);
  return entries.length === 0 ? 'none' : entries.map(([op, n]) => `${op} ${n}`).join(', ');
}

/**
 * The report as the table the command prints. On a terminal `width` columns wide, long values
 * and sentences wrap, and the per-layer table breaks its headers, then puts each node's name on
 * a line of its own above its numbers (`util/text-layout.ts`).
 */
export function formatReport(r: QuantizeReport, width?: number): string {
  const mb = (b: number): string => `${(b / 1e6).toFixed(1)} MB`;
  const lines = labelledLines(
    [
      ['model', `${r.model} (${mb(r.sizeBytes.float32)})`],
      ['wrote', `${r.out} (${mb(r.sizeBytes.int8)})`],
      [
        'settings',
        `${r.settings.method}${r.settings.percentile !== null ? ` ${r.settings.percentile}%` : ''}, weights ${r.settings.weights}, activations ${r.settings.activations}` +
          (r.settings.excluded.length > 0 ? `, excluded ${r.settings.excluded.join(', ')}` : ''),
      ],
      [
        'images',
        `${r.images.calibration} for calibration, ${r.images.heldOut} held out, of ${r.images.available} in ${r.images.source}` +
          (r.images.skipped > 0 ? ` (${r.images.skipped} unreadable, skipped)` : ''),
      ],
      ['quantized', counts(r.operators.quantized)],
      ['float32', counts(r.operators.float32)],
      ['runtime', `${counts(r.runtime.operators)} (${r.runtime.int8Kernels} int8 kernels)`],
    ],
    { width, labelWidth: 11 },
  );
  lines.push(
    '',
    wrapParagraph(
      `per layer, on ${r.images.measured} calibration images (SQNR in dB; higher is better):`,
      width,
    ),
  );
  const rows = r.layers.map((l) => [l.node, l.op, db(l.weightSqnrDb), db(l.roundingSqnrDb), db(l.sqnrDb)]);
  lines.push(...textTable(LAYER_COLUMNS, rows, { width, indent: '  ' }));
  if (r.notQuantized.length > 0) {
    lines.push('', 'left in float32:');
    for (const n of r.notQuantized)
      lines.push(`  ${wrapParagraph(`${n.node} (${n.op}): ${n.reason}`, width, '    ')}`);
  }
  const a = r.agreement;
  lines.push(
    '',
    wrapParagraph(
      `agreement on ${a.images} held-out images: top-1 ${a.top1Agreements}/${a.images} (${(a.top1Agreement * 100).toFixed(1)} %), ` +
        `max logit error ${a.maxLogitError.toFixed(3)}, mean ${a.meanAbsLogitError.toFixed(4)}`,
      width,
    ),
  );
  for (const w of r.warnings) lines.push(wrapParagraph(`warning: ${w}`, width, '  '));
  return `${lines.join('\n')}\n`;
}

/** The per-layer table's columns: the node and its operator, then its errors in dB. */
const LAYER_COLUMNS: TextColumn[] = [
  { header: 'node', align: 'left' },
  { header: 'op', align: 'left' },
  { header: 'weights', align: 'right' },
  { header: 'rounding', align: 'right' },
  { header: 'accumulated', align: 'right' },
];

/** The report as JSON text (infinite SQNR, meaning exact, becomes null). */
export function reportJson(r: QuantizeReport): string {
  return JSON.stringify(r, (_, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v));
}

/** The warning for an int8 model that drifts from the float32 one, naming layers to exclude. */
export function driftWarning(agreementShare: number, min: number, layers: LayerRow[]): string {
  const worst = [...layers]
    .map((l) => ({ node: l.node, score: Math.min(l.weightSqnrDb ?? Infinity, l.roundingSqnrDb ?? Infinity) }))
    .sort((a, b) => a.score - b.score)
    .slice(0, 3)
    .map((l) => l.node);
  return (
    `top-1 agreement ${(agreementShare * 100).toFixed(1)} % is below ${(min * 100).toFixed(0)} %: ` +
    `try --exclude ${worst.join(',')} (the layers with the most rounding error), --method percentile, ` +
    'or calibration images closer to the real inputs'
  );
}
