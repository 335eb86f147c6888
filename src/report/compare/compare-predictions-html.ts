/**
 * The predictions part of the comparison page (pure): for classify jobs the agreement figures
 * and the inputs whose top-1 class differs, for embed jobs the vectors' cosine similarity and
 * the least alike; for both, the inputs that are an error in one job only.
 */
import { dataTable, escapeHtml, keyValueTable } from '../html/page.js';
import { formatCount } from '../svg/format.js';
import { formatCosine } from './compare-verdicts.js';
import type { ClassifyAgreement, ComparedClass, EmbedAgreement, JobComparison } from './job-comparison.js';

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

/** The rows both kinds share: errors in one job or both. */
function errorRows(p: ClassifyAgreement | EmbedAgreement): Array<[string, string]> {
  const oneSided = p.oneSidedErrors.length + p.oneSidedErrorsNotShown;
  return [
    ['An error in one job only', field('oneSidedErrors', oneSided, formatCount(oneSided))],
    ['An error in both', field('errorsInBoth', p.errorsInBoth, formatCount(p.errorsInBoth))],
  ];
}

function classifyParts(p: ClassifyAgreement): string[] {
  const differingCount = p.differing.length + p.differingNotShown;
  const agree = `${formatCount(p.top1Agree)}${p.top1AgreePercent === null ? '' : ` (${p.top1AgreePercent.toFixed(1)} %)`}`;
  const overlap = p.top5Overlap === null ? '—' : `${(p.top5Overlap * 100).toFixed(1)} %`;
  const parts = [
    keyValueTable([
      ['Inputs with a prediction in both', field('predictedInBoth', p.compared, formatCount(p.compared))],
      ['Same top-1 class', field('top1Agree', p.top1Agree, agree)],
      ["Top-5 overlap (mean share of B's top 5 in A's)", field('top5Overlap', p.top5Overlap, overlap)],
      ['Top-1 differs', field('differing', differingCount, formatCount(differingCount))],
      ...errorRows(p),
    ]),
    '<h3>Inputs whose top-1 class differs</h3>',
  ];
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
  return parts;
}

function embedParts(p: EmbedAgreement): string[] {
  const cos = (name: 'min' | 'median' | 'mean'): string =>
    field(`cosine-${name}`, p.cosine?.[name] ?? null, p.cosine ? formatCosine(p.cosine[name]) : '—');
  const parts = [
    keyValueTable([
      ['Inputs with a vector in both', field('embeddedInBoth', p.compared, formatCount(p.compared))],
      ['Vector length', escapeHtml(String(p.dims))],
      ['Cosine similarity: median', cos('median')],
      ['Cosine similarity: mean', cos('mean')],
      ['Cosine similarity: min', cos('min')],
      ...errorRows(p),
    ]),
    '<h3>Inputs whose vectors are the least alike</h3>',
  ];
  if (p.lowest.length === 0) parts.push('<p class="muted">None: no input has a vector in both jobs.</p>');
  else
    parts.push(
      `<div class="lowest">${dataTable(
        ['input', 'cosine similarity'],
        p.lowest.map((l) => [`<code>${escapeHtml(l.key)}</code>`, formatCosine(l.cosine)]),
        [1],
      )}</div>`,
      more(p.compared - p.lowest.length, 'inputs (more alike)'),
    );
  return parts;
}

function oneSidedParts(p: ClassifyAgreement | EmbedAgreement): string[] {
  const parts = ['<h3>Inputs with an error in one job only</h3>'];
  if (p.oneSidedErrors.length === 0) return [...parts, '<p class="muted">None.</p>'];
  const header = ['input', 'error in', 'error'];
  if (p.kind === 'classify') header.push('the other: top-1', 'score');
  return [
    ...parts,
    `<div class="one-sided">${dataTable(
      header,
      p.oneSidedErrors.map((e) => [
        `<code>${escapeHtml(e.key)}</code>`,
        e.errorIn.toUpperCase(),
        escapeHtml(e.error),
        ...(p.kind === 'classify' ? [escapeHtml(classText(e.prediction)), score(e.prediction)] : []),
      ]),
      [4],
    )}</div>`,
    more(p.oneSidedErrorsNotShown, 'inputs'),
  ];
}

/** The section's HTML. */
export function predictionsSection(c: JobComparison): string {
  const p = c.predictions;
  return [...(p.kind === 'embed' ? embedParts(p) : classifyParts(p)), ...oneSidedParts(p)].join('\n');
}
