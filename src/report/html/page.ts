/**
 * A report page as one self-contained HTML document (pure): inline CSS, inline SVG, one inline
 * script allowed by its hash, the data it reads embedded as JSON, and a content security policy
 * that allows no network at all. It opens from `file://` and prints.
 */
import { createHash } from 'node:crypto';
import { escapeXml, formatCount } from '../svg/format.js';
import { PAGE_SCRIPT } from './page-script.js';

/** Escapes text for HTML content and attribute values. */
export const escapeHtml = escapeXml;

/** One section of a page, with its own entry in the page's contents. */
export interface Section {
  id: string;
  title: string;
  /** Trusted HTML (built by our code, every value escaped). */
  html: string;
}

/** What a page holds. */
export interface PageOptions {
  title: string;
  /** A line under the title (trusted HTML). */
  subtitle?: string;
  sections: readonly Section[];
  /** Embedded as JSON for the page's script (hover and click). */
  data?: unknown;
}

/** JSON that can sit inside a `<script>` element whatever its strings hold. */
export function scriptSafeJson(value: unknown): string {
  return JSON.stringify(value ?? null)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/**
 * One light scheme on purpose: the plots are drawn for print, dark on white, and a page that
 * follows a dark system theme would set them in white boxes on black. Figures shrink to the page's
 * width and never grow past the width they were drawn at (their text stays at 9 px or more down to
 * a 400 px page: see DEFAULT_PLOT_WIDTH); wide tables and the timeline scroll inside their own box.
 */
const STYLE = `
:root { color-scheme: light; }
body { font: 14px/1.45 Helvetica, Arial, sans-serif; color: #1b1b1b; margin: 0; background: #fafafa; }
main { max-width: 1160px; margin: 0 auto; padding: 16px 20px 48px; background: white; }
h1 { font-size: 22px; margin: 8px 0 2px; } h2 { font-size: 18px; margin: 28px 0 8px; border-bottom: 1px solid #ddd; padding-bottom: 4px; }
h3 { font-size: 15px; margin: 16px 0 6px; }
nav { font-size: 13px; margin: 8px 0 12px; } nav a { margin-right: 12px; color: #0a58a8; }
.sub { color: #555; } .status { display: inline-block; padding: 1px 8px; border-radius: 10px; color: white; font-size: 12px; }
.status-completed, .status-succeeded { background: #2e7d32; } .status-failed { background: #c62828; } .status-cancelled { background: #8d6e00; }
.table-wrap { max-width: 100%; overflow-x: auto; }
table { border-collapse: collapse; margin: 6px 0 12px; font-size: 13px; } table.kv td { overflow-wrap: anywhere; } th, td { border-bottom: 1px solid #e5e5e5; padding: 3px 12px 3px 0; text-align: left; vertical-align: top; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.cards { display: flex; flex-wrap: wrap; gap: 10px; margin: 10px 0; }
.card { border: 1px solid #ddd; border-radius: 6px; padding: 6px 12px; min-width: 120px; }
.card .v { font-size: 20px; font-weight: bold; } .card .k { color: #555; font-size: 12px; }
.card.bad { border-color: #c62828; } .card.bad .v { color: #b71c1c; }
figure { display: inline-block; vertical-align: top; box-sizing: border-box; max-width: 100%; margin: 10px 0; padding-right: 24px; } figure svg, figure img { max-width: 100%; height: auto; } figcaption { color: #555; font-size: 12px; max-width: 540px; }
@media (max-width: 640px) { main { padding: 12px 12px 32px; } figure { padding-right: 0; } }
.scroll { max-height: 720px; overflow: auto; border: 1px solid #ddd; }
.legend { display: flex; flex-wrap: wrap; gap: 4px 16px; font-size: 13px; margin: 6px 0; } .legend svg { vertical-align: middle; }
.timeline-legend { display: grid; grid-template-columns: repeat(auto-fill, minmax(min(100%, 300px), 1fr)); }
.inv { cursor: pointer; } .inv:hover rect, .inv.selected rect { stroke: #000; stroke-width: 1; }
#tip { position: absolute; z-index: 10; max-width: 360px; background: #222; color: white; padding: 6px 8px; border-radius: 4px; font-size: 12px; white-space: pre-wrap; pointer-events: none; }
pre { background: #f5f5f5; padding: 8px; overflow: auto; max-height: 480px; font-size: 12px; }
code { font-size: 12px; } .muted { color: #777; }
@media print { body { background: white; } main { max-width: none; padding: 0; } .scroll, figure, .table-wrap { max-height: none; overflow: visible; } nav, #tip { display: none; }
  .scroll svg, figure > svg, figure > img { max-width: 100%; width: auto; height: auto; } pre { max-height: none; overflow: visible; white-space: pre-wrap; }
  figure, .cards, .card, tr { break-inside: avoid; } h2, h3 { break-after: avoid; } a { color: inherit; text-decoration: none; } }
`;

/** The complete HTML document. */
export function renderPage(options: PageOptions): string {
  const hash = createHash('sha256').update(PAGE_SCRIPT, 'utf8').digest('base64');
  const csp = `default-src 'none'; style-src 'unsafe-inline'; img-src data:; script-src 'sha256-${hash}'`;
  const nav = options.sections
    .map((s) => `<a href="#${escapeHtml(s.id)}">${escapeHtml(s.title)}</a>`)
    .join('');
  const body = options.sections
    .map((s) => `<section id="${escapeHtml(s.id)}"><h2>${escapeHtml(s.title)}</h2>\n${s.html}\n</section>`)
    .join('\n');
  return [
    '<!DOCTYPE html>',
    '<html lang="en"><head><meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="${csp}">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(options.title)}</title>`,
    `<style>${STYLE}</style>`,
    '</head><body><main>',
    `<h1>${escapeHtml(options.title)}</h1>`,
    options.subtitle ? `<div class="sub">${options.subtitle}</div>` : '',
    `<nav>${nav}</nav>`,
    body,
    '</main>',
    '<div id="tip" hidden></div>',
    `<script type="application/json" id="report-data">${scriptSafeJson(options.data ?? {})}</script>`,
    `<script>${PAGE_SCRIPT}</script>`,
    '</body></html>',
    '',
  ].join('\n');
}

/** A two-column table of label and value; a value is trusted HTML. */
export function keyValueTable(rows: ReadonlyArray<readonly [string, string]>): string {
  return `<div class="table-wrap"><table class="kv">${rows.map(([k, v]) => `<tr><th>${escapeHtml(k)}</th><td>${v}</td></tr>`).join('')}</table></div>`;
}

/** A table with a header; cells are trusted HTML; `numeric` columns align right. */
export function dataTable(
  header: readonly string[],
  rows: ReadonlyArray<readonly string[]>,
  numeric: readonly number[] = [],
): string {
  const cls = (i: number): string => (numeric.includes(i) ? ' class="num"' : '');
  return `<div class="table-wrap"><table><tr>${header.map((h, i) => `<th${cls(i)}>${escapeHtml(h)}</th>`).join('')}</tr>${rows
    .map((r) => `<tr>${r.map((c, i) => `<td${cls(i)}>${c}</td>`).join('')}</tr>`)
    .join('')}</table></div>`;
}

/** A figure: an SVG we generated (trusted), with a caption. */
export function figure(svg: string, caption?: string): string {
  return `<figure>${svg}${caption ? `<figcaption>${escapeHtml(caption)}</figcaption>` : ''}</figure>`;
}

/** An SVG file from a folder (untrusted), shown as an image so that nothing in it runs. */
export function svgImage(name: string, svg: string): string {
  const src = `data:image/svg+xml;base64,${Buffer.from(svg, 'utf8').toString('base64')}`;
  return `<figure><img alt="${escapeHtml(name)}" src="${src}"><figcaption>${escapeHtml(name)}</figcaption></figure>`;
}

/** One big number at the top of a report. */
export interface Card {
  field: string;
  label: string;
  value: number | string | null;
  text: string;
  /** `bad`: a count that should be zero (errors, failures), drawn in red. */
  tone?: 'bad';
}

/** A card for a count; with `shouldBeZero`, drawn as bad when it is not. */
export function countCard(field: string, label: string, value: number, shouldBeZero = false): Card {
  return {
    field,
    label,
    value,
    text: formatCount(value),
    ...(shouldBeZero && value > 0 ? { tone: 'bad' } : {}),
  };
}

/**
 * Big numbers at the top of a report: `data-field` and `data-value` say what each one is. A null
 * value (a figure the job has no meaningful value for) gets an empty `data-value`.
 */
export function cards(items: readonly Card[]): string {
  return `<div class="cards">${items
    .map(
      (c) =>
        `<div class="card${c.tone === 'bad' ? ' bad' : ''}" data-field="${escapeHtml(c.field)}" data-value="${escapeHtml(c.value === null ? '' : String(c.value))}"><div class="v">${escapeHtml(c.text)}</div><div class="k">${escapeHtml(c.label)}</div></div>`,
    )
    .join('')}</div>`;
}
