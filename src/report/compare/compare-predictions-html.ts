/**
 * The predictions part of the comparison page (pure): agreement figures, the inputs whose top-1
 * class differs, and those that are an error in one job only.
 */
import { dataTable, escapeHtml, keyValueTable } from '../html/page.js';
import { formatCount } from '../svg/format.js';
import type { ComparedClass, JobComparison } from './job-comparison.js';

function classText(c: ComparedClass | null): string {
  if (!c) return '—';
  return c.label !== null ? `${c.class} ${c.label}` : String(c.class);
}

const score = (c: ComparedClass | null): string => (c ? c.score.toFixed(3) : '—');

/** `and 12 more` under a cut table. */
function more(n: number, what: string): string {
  return n > 0 ? `<p class="muted">… and ${formatCount(n)} more ${escapeHtml(what)} not listed.</p>` : '';
}

/** A value with its data attributes, for tests and scripts. */
const field = (name: string, value: number | null, text: string): string =>
  `<span data-field="${name}" data-value="${value ?? ''}">${escapeHtml(text)}</span>`;

/** The section's HTML. */
export function predictionsSection(c: JobComparison): string {
  const p = c.predictions;
  const differingCount = p.differing.length + p.differingNotShown;
  const oneSidedCount = p.oneSidedErrors.length + p.oneSidedErrorsNotShown;
  const parts = [
    keyValueTable([
      ['Inputs with a prediction in both', field('predictedInBoth', p.compared, formatCount(p.compared))],
      [
        'Same top-1 class',
        field(
          'top1Agree',
          p.top1Agree,
          `${formatCount(p.top1Agree)}${p.top1AgreePercent === null ? '' : ` (${p.top1AgreePercent.toFixed(1)} %)`}`,
        ),
      ],
      [
        "Top-5 overlap (mean share of B's top 5 in A's)",
        field(
          'top5Overlap',
          p.top5Overlap,
          p.top5Overlap === null ? '—' : `${(p.top5Overlap * 100).toFixed(1)} %`,
        ),
      ],
      ['Top-1 differs', field('differing', differingCount, formatCount(differingCount))],
      ['An error in one job only', field('oneSidedErrors', oneSidedCount, formatCount(oneSidedCount))],
      ['An error in both', field('errorsInBoth', p.errorsInBoth, formatCount(p.errorsInBoth))],
    ]),
  ];
  parts.push('<h3>Inputs whose top-1 class differs</h3>');
  if (p.differing.length === 0)
    parts.push('<p class="muted">None: every input predicted in both has the same top-1 class.</p>');
  else
    parts.push(
      `<div class="differing">${dataTable(
        ['input', 'A: class', 'A: score', 'B: class', 'B: score'],
        p.differing.map((d) => [
          `<code>${escapeHtml(d.key)}</code>`,
          escapeHtml(classText(d.a)),
          score(d.a),
          escapeHtml(classText(d.b)),
          score(d.b),
        ]),
        [2, 4],
      )}</div>`,
      more(p.differingNotShown, 'inputs'),
    );
  parts.push('<h3>Inputs with an error in one job only</h3>');
  if (p.oneSidedErrors.length === 0) parts.push('<p class="muted">None.</p>');
  else
    parts.push(
      `<div class="one-sided">${dataTable(
        ['input', 'error in', 'error', 'the other: top-1', 'score'],
        p.oneSidedErrors.map((e) => [
          `<code>${escapeHtml(e.key)}</code>`,
          e.errorIn.toUpperCase(),
          escapeHtml(e.error),
          escapeHtml(classText(e.prediction)),
          score(e.prediction),
        ]),
        [4],
      )}</div>`,
      more(p.oneSidedErrorsNotShown, 'inputs'),
    );
  return parts.join('\n');
}
