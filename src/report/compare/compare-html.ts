/**
 * Two jobs compared, as one HTML page (pure): first what is cheaper per image, what is faster and
 * how often the predictions agree; then every figure side by side, how each job ran, and the
 * inputs whose predictions differ.
 */
import {
  cards,
  countCard,
  dataTable,
  escapeHtml,
  figure,
  keyValueTable,
  renderPage,
  type Card,
  type Section,
} from '../html/page.js';
import { renderBarChart } from '../svg/bars.js';
import { formatCount, formatSeconds, formatUsd } from '../svg/format.js';
import { PALETTE } from '../svg/plot-types.js';
import { predictionsSection } from './compare-predictions-html.js';
import type { ComparedFigureName, ComparedJob, JobComparison } from './job-comparison.js';
import {
  agreementText,
  cheaperVerdict,
  fasterVerdict,
  formatCosine,
  keysText,
  modelText,
  sideName,
  type Verdict,
} from './compare-verdicts.js';

/** How a figure's values read. */
type Unit = 'count' | 'seconds' | 'usd' | 'rate';

/** The rows of the side-by-side table, in order. */
const FIGURE_ROWS: ReadonlyArray<[ComparedFigureName, string, Unit]> = [
  ['images', 'images', 'count'],
  ['predictions', 'with a prediction', 'count'],
  ['errors', 'with an error', 'count'],
  ['wallSeconds', 'wall time (first submit to last result)', 'seconds'],
  ['imagesPerSecond', 'images per second', 'rate'],
  ['costUsd', 'cost', 'usd'],
  ['costPerImageUsd', 'cost per image', 'usd'],
  ['costPer1000ImagesUsd', 'cost per 1,000 images', 'usd'],
  ['invocations', 'invocations', 'count'],
  ['retries', 'retries', 'count'],
  ['speculativeCopies', 'speculative copies', 'count'],
  ['billedSeconds', 'billed', 'seconds'],
  ['coldStarts', 'cold starts', 'count'],
];

function formatValue(v: number | null, unit: Unit): string {
  if (v === null) return '—';
  if (unit === 'count') return formatCount(v);
  if (unit === 'seconds') return formatSeconds(v);
  if (unit === 'usd') return formatUsd(v);
  return v.toFixed(1);
}

function formatDifference(v: number | null, unit: Unit): string {
  if (v === null) return '—';
  const sign = v > 0 ? '+' : v < 0 ? '−' : '';
  return `${sign}${formatValue(Math.abs(v), unit)}`;
}

const formatRatio = (r: number | null): string => (r === null ? '—' : `${r.toFixed(2)}×`);

function figuresTable(c: JobComparison): string {
  const rows = FIGURE_ROWS.map(([name, label, unit]) => {
    const f = c.figures[name];
    return [
      escapeHtml(label),
      `<span data-field="${name}-a" data-value="${f.a ?? ''}">${escapeHtml(formatValue(f.a, unit))}</span>`,
      `<span data-field="${name}-b" data-value="${f.b ?? ''}">${escapeHtml(formatValue(f.b, unit))}</span>`,
      escapeHtml(formatRatio(f.ratio)),
      escapeHtml(formatDifference(f.difference, unit)),
    ];
  });
  return dataTable(['', 'A', 'B', 'B / A', 'B − A'], rows, [1, 2, 3, 4]);
}

function precisionText(job: ComparedJob): string {
  if (job.model.quantized === null) return 'not recorded';
  return job.model.quantized ? 'int8 (quantized)' : 'not quantized';
}

/** A job's model digest; one read from the file now (a record that keeps none) says so. */
function digestHtml(j: ComparedJob): string {
  if (j.model.sha256 === null) return 'not recorded, and the file is not readable here';
  const note =
    j.model.sha256From === 'file'
      ? ' <span class="muted">(of the file now: not recorded by the job)</span>'
      : '';
  return `<code>${escapeHtml(j.model.sha256)}</code>${note}`;
}

function setupTable(c: JobComparison): string {
  const both = (f: (j: ComparedJob) => string): [string, string] => [f(c.a), f(c.b)];
  const code = (text: string): string => `<code>${escapeHtml(text)}</code>`;
  const jobRows: Array<[string, [string, string]]> = [
    ['folder', both((j) => code(j.dir))],
    ['job', both((j) => escapeHtml(`${j.name} (${j.jobId}), ${j.status}`))],
  ];
  // Settings that may or may not differ, each said to.
  const settingRows: Array<[string, [string, string]]> = [
    ['model', both((j) => code(j.model.uri))],
    ['model file', both((j) => code(j.model.path))],
    ['precision', both((j) => `<span data-field="precision">${escapeHtml(precisionText(j))}</span>`)],
    ['model SHA-256', both(digestHtml)],
    ['backend', both((j) => escapeHtml(`${j.backend} (${j.priceModel} prices)`))],
    ['workers', both((j) => escapeHtml(String(j.workers)))],
    ['memory', both((j) => escapeHtml(`${j.memoryMb} MB`))],
    ['batch size', both((j) => escapeHtml(j.batchSize === null ? '—' : String(j.batchSize)))],
  ];
  const row = ([label, [a, b]]: [string, [string, string]], marked: boolean): string => {
    const differs = marked && a !== b;
    const note = differs ? ' <span class="muted">(differs)</span>' : '';
    return `<tr${differs ? ' data-differs="true"' : ''}><th>${escapeHtml(label)}${note}</th><td>${a}</td><td>${b}</td></tr>`;
  };
  return `<div class="table-wrap"><table class="kv">${[
    '<tr><th></th><th>A</th><th>B</th></tr>',
    ...jobRows.map((r) => row(r, false)),
    ...settingRows.map((r) => row(r, true)),
  ].join('')}</table></div>`;
}

function barChart(
  c: JobComparison,
  name: ComparedFigureName,
  title: string,
  axis: string,
  unit: Unit,
): string {
  const f = c.figures[name];
  if (f.a === null || f.b === null) return '';
  return figure(
    renderBarChart({
      title,
      axisLabel: axis,
      bars: [
        { label: sideName('a', c.a), value: f.a, text: formatValue(f.a, unit), color: PALETTE[0] },
        { label: sideName('b', c.b), value: f.b, text: formatValue(f.b, unit), color: PALETTE[1] },
      ],
    }),
  );
}

/** The card of how far the predictions agree: top-1 classes, or the vectors' median cosine. */
function agreementCard(c: JobComparison): Card {
  const p = c.predictions;
  if (p.kind === 'embed')
    return {
      field: 'medianCosine',
      label: `median cosine similarity (min ${p.cosine ? formatCosine(p.cosine.min) : '—'})`,
      value: p.cosine?.median ?? null,
      text: p.cosine ? formatCosine(p.cosine.median) : '—',
    };
  return {
    field: 'top1AgreePercent',
    label: `top-1 agreement (${formatCount(p.top1Agree)} of ${formatCount(p.compared)})`,
    value: p.top1AgreePercent,
    text: p.top1AgreePercent === null ? '—' : `${p.top1AgreePercent.toFixed(1)} %`,
  };
}

function summarySection(c: JobComparison): string {
  const cheaper = cheaperVerdict(c);
  const faster = fasterVerdict(c);
  // The ratio is always shown; the tile says when the invocations do not bear it out.
  const winnerText = (v: Verdict): string => {
    if (v.winner === 'same') return 'same';
    if (v.winner === 'unknown') return '—';
    const ahead = `${v.winner.toUpperCase()}, ${v.amount}`;
    if (v.judged === 'within-noise') return `no clear winner (${ahead})`;
    return v.judged === 'not-judged' ? `${ahead} (spread not judged)` : ahead;
  };
  const tileValue = (v: Verdict): string => (v.judged === 'within-noise' ? 'unclear' : v.winner);
  return [
    cards([
      {
        field: 'cheaper',
        label: 'cheaper per image',
        value: tileValue(cheaper),
        text: winnerText(cheaper),
      },
      {
        field: 'faster',
        label: 'faster (images per second)',
        value: tileValue(faster),
        text: winnerText(faster),
      },
      agreementCard(c),
      countCard(
        'compared',
        c.task === 'embed' ? 'inputs embedded in both' : 'inputs predicted in both',
        c.predictions.compared,
      ),
    ]),
    `<ul class="verdicts">${[cheaper.text, faster.text, agreementText(c), modelText(c), keysText(c)].map((t) => `<li>${escapeHtml(t)}</li>`).join('')}</ul>`,
    barChart(c, 'costPer1000ImagesUsd', 'Cost per 1,000 images', 'US dollars per 1,000 images', 'usd'),
    barChart(
      c,
      'imagesPerSecond',
      'Images per second',
      'predictions per second, first submit to last prediction',
      'rate',
    ),
  ].join('\n');
}

function inputsSection(c: JobComparison): string {
  const k = c.keys;
  return keyValueTable([
    ['In both', `<span data-field="commonKeys" data-value="${k.common}">${formatCount(k.common)}</span>`],
    ['Only in A', `<span data-field="onlyA" data-value="${k.onlyA}">${formatCount(k.onlyA)}</span>`],
    ['Only in B', `<span data-field="onlyB" data-value="${k.onlyB}">${formatCount(k.onlyB)}</span>`],
  ]);
}

/** The whole page. */
export function jobComparisonHtml(c: JobComparison, options: { generatedAt: string }): string {
  const sections: Section[] = [
    { id: 'summary', title: 'Summary', html: summarySection(c) },
    { id: 'figures', title: 'Side by side', html: figuresTable(c) },
    { id: 'setup', title: 'How each ran', html: setupTable(c) },
    { id: 'predictions', title: 'Predictions', html: predictionsSection(c) },
    { id: 'inputs', title: 'Inputs', html: inputsSection(c) },
  ];
  // The title names each side by its folder's name; the subtitle says where the folders are.
  const subtitle = `A: <code>${escapeHtml(c.a.dir)}</code>, B: <code>${escapeHtml(c.b.dir)}</code>; ${escapeHtml(c.task)} jobs; report made ${escapeHtml(options.generatedAt)}`;
  return renderPage({
    title: `${sideName('b', c.b)} against ${sideName('a', c.a)}`,
    subtitle,
    sections,
  });
}
