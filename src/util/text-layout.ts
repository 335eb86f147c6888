/**
 * Text for a terminal of a given width (pure): words wrapped at spaces, `label  value` lines
 * whose values go on under themselves, and tables that break their headers, then fold their
 * columns onto more lines, rather than run past the edge. Without a width (not a terminal, or
 * its size unknown) nothing is wrapped or folded. A line is kept one column short of the width,
 * as a line exactly as wide wraps on some terminals; a word longer than a line (a path) is
 * never broken.
 */

/** The widest a line may be on a terminal `width` columns wide (Infinity: no terminal). */
const lineWidthFor = (width: number | undefined): number => (width === undefined ? Infinity : width - 1);

/** `text` in lines of at most `width` characters, broken at spaces only. */
function wrapWords(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line !== '' && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line === '' ? word : `${line} ${word}`;
  }
  return [...lines, line];
}

/** `text` wrapped for a terminal `width` columns wide, its later lines after `indent`. */
export function wrapParagraph(text: string, width: number | undefined, indent = ''): string {
  const lines = wrapWords(text, Math.max(MIN_VALUE_WIDTH, lineWidthFor(width) - indent.length));
  return lines.join(`\n${indent}`);
}

/** The narrowest a wrapped value is made, in characters: narrower still, it would read worse than a wrap. */
const MIN_VALUE_WIDTH = 24;

/**
 * `label  value` lines, the labels padded to one column (at least `labelWidth` wide). On a
 * terminal `width` columns wide, a value too long for it goes on at word breaks under itself,
 * so that the labels stay alone in their column.
 */
export function labelledLines(
  rows: ReadonlyArray<readonly [string, string]>,
  options: { width?: number | undefined; labelWidth?: number } = {},
): string[] {
  const labelWidth = Math.max(options.labelWidth ?? 0, ...rows.map(([label]) => label.length));
  const indent = ' '.repeat(labelWidth + 2);
  return rows.map(
    ([label, value]) => `${label.padEnd(labelWidth)}  ${wrapParagraph(value, options.width, indent)}`,
  );
}

/** A column of a {@link textTable}: its header (broken at spaces when narrow) and how it aligns. */
export interface TextColumn {
  header: string;
  align: 'left' | 'right';
}

/** Spaces between two columns. */
const COLUMN_GAP = 2;
/** How much further in the second and later lines of a folded row start. */
const FOLD_INDENT = 4;

/** One line of a table's columns: the headers on lines (bottom-aligned) and the cells. */
interface Band {
  columns: number[];
  widths: number[];
  headers: string[][];
  indent: string;
}

/**
 * Rows as an aligned table, every line after `indent`. On a terminal `width` columns wide, a
 * table too wide for it first breaks its headers at spaces (each over as many lines as it
 * needs); still too wide, it puts its first column on a line of its own, the others on the
 * next, further in; still too wide, it folds its columns onto as many lines as they need, in
 * order, each as full as it can be. A cell is never broken.
 */
export function textTable(
  columns: readonly TextColumn[],
  rows: ReadonlyArray<readonly string[]>,
  options: { width?: number | undefined; indent?: string } = {},
): string[] {
  const indent = options.indent ?? '';
  const limit = lineWidthFor(options.width);
  const cellWidth = (i: number): number => Math.max(0, ...rows.map((r) => (r[i] ?? '').length));
  const all = columns.map((_, i) => i);
  const oneLine = (i: number): string[] => [columns[i]!.header];
  // A header broken at spaces, as narrow as its longest word or its widest cell.
  const broken = (i: number): string[] => {
    const { header } = columns[i]!;
    return wrapWords(header, Math.max(cellWidth(i), ...header.split(' ').map((w) => w.length)));
  };
  /** The columns `group` on the `line`-th line of each row, with their headers as `headers` gives them. */
  const band = (headers: (i: number) => string[], group: number[], line: number): Band => {
    const words = group.map(headers);
    return {
      columns: group,
      headers: words,
      widths: group.map((i, k) => Math.max(cellWidth(i), ...words[k]!.map((h) => h.length))),
      indent: indent + ' '.repeat(line === 0 ? 0 : FOLD_INDENT),
    };
  };
  const fits = (b: Band): boolean => bandWidth(b) <= limit;
  // Each line's headers on one line where they fit, else broken.
  const bands = (groups: number[][]): Band[] =>
    groups.map(
      (group, line) =>
        [band(oneLine, group, line), band(broken, group, line)].find(fits) ?? band(broken, group, line),
    );
  const layouts = [[all], ...(columns.length > 2 ? [[[0], all.slice(1)]] : [])].map(bands);
  const narrowest = (i: number): number => band(broken, [i], 0).widths[0]!;
  const chosen =
    layouts.find((l) => l.every(fits)) ?? bands(foldColumns(all, narrowest, limit, indent.length));
  return render(columns, rows, chosen);
}

/**
 * Columns in order, in as few groups as fit within `limit` (the first after `indent`, the
 * others {@link FOLD_INDENT} further in); a column too wide alone gets a group of its own.
 */
function foldColumns(
  all: number[],
  widthOf: (i: number) => number,
  limit: number,
  indent: number,
): number[][] {
  const groups: number[][] = [];
  let used = 0;
  for (const i of all) {
    const w = widthOf(i);
    if (groups.length > 0 && used + COLUMN_GAP + w <= limit) {
      groups[groups.length - 1]!.push(i);
      used += COLUMN_GAP + w;
    } else {
      used = indent + (groups.length === 0 ? 0 : FOLD_INDENT) + w;
      groups.push([i]);
    }
  }
  return groups;
}

function bandWidth(band: Band): number {
  return band.indent.length + band.widths.reduce((s, w) => s + w, 0) + COLUMN_GAP * (band.widths.length - 1);
}

function render(
  columns: readonly TextColumn[],
  rows: ReadonlyArray<readonly string[]>,
  bands: Band[],
): string[] {
  const line = (band: Band, cell: (i: number) => string): string =>
    band.indent +
    band.columns
      .map((i, k) => {
        const w = band.widths[k]!;
        return columns[i]!.align === 'left' ? cell(i).padEnd(w) : cell(i).padStart(w);
      })
      .join(' '.repeat(COLUMN_GAP))
      .trimEnd();
  const lines: string[] = [];
  for (const band of bands) {
    const height = Math.max(...band.headers.map((h) => h.length));
    for (let l = 0; l < height; l++)
      lines.push(
        line(band, (i) => {
          const words = band.headers[band.columns.indexOf(i)]!;
          return words[l - (height - words.length)] ?? '';
        }),
      );
  }
  for (const row of rows) for (const band of bands) lines.push(line(band, (i) => row[i] ?? ''));
  return lines;
}
