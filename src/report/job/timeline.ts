/**
 * The timeline of a job as SVG text (pure): one row per worker, a bar per invocation (waiting
 * for a function, cold start, then work), split boundaries within, attempts that lost or failed
 * shaded, and a mark for each retry, speculative copy (won or lost), failure and timeout (marks
 * that would overlap on a row are set side by side). Every bar carries `data-i`, its index in
 * `job.json`'s invocations, for the page's hover and click.
 */
import type { JobRecord } from '../../manager/types.js';
import { linearTicks } from '../svg/axes.js';
import { escapeXml, formatTick } from '../svg/format.js';
import { attemptMark, functionStart, invocationEnd, jobClock, type MarkKind } from './job-figures.js';

/** Colours of the timeline, shared with the page's legend. */
export const TIMELINE_COLORS = Object.freeze({
  wait: '#e8e8e8',
  init: '#9e9e9e',
  work: '#0072B2',
  stopped: '#7fb3d5',
  lost: '#E69F00',
  failedAttempt: '#D55E00',
  silent: '#CC79A7',
  failed: '#C00000',
  /** A timed-out invocation's bar: Okabe and Ito's black, apart from every other bar in hue and lightness. */
  timedOut: '#000000',
  /** The timeout mark (an invocation's, or a silent worker's). */
  timeout: '#CC79A7',
  retry: '#009E73',
  copyWon: '#009E73',
  copyLost: '#E69F00',
});

/**
 * A striped fill, so that an attempt that failed stays apart from a failed invocation (red) and a
 * lost attempt (orange) for readers who do not tell those colours apart. `id` must be unique in
 * the page; fill with `url(#id)`.
 */
export function failedAttemptPattern(id: string): string {
  return `<defs><pattern id="${id}" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="6" height="6" fill="${TIMELINE_COLORS.failedAttempt}"/><rect width="2.5" height="6" fill="white" fill-opacity="0.75"/></pattern></defs>`;
}

const FAILED_ATTEMPT_FILL = 'timeline-failed-attempt';

const WIDTH = 1100;
const LEFT = 84;
const RIGHT = 16;
const TOP = 10;
const AXIS = 44;
const f = (n: number): string => n.toFixed(1);

/** The SVG of a mark of `kind` centred at (x, y), `r` pixels across. */
export function markSvg(kind: MarkKind, x: number, y: number, r: number, extra = ''): string {
  const c = TIMELINE_COLORS;
  const cls = `class="mark mark-${kind}"${extra}`;
  switch (kind) {
    case 'failed':
      return `<path ${cls} d="M${f(x - r)} ${f(y - r)}L${f(x + r)} ${f(y + r)}M${f(x - r)} ${f(y + r)}L${f(x + r)} ${f(y - r)}" stroke="${c.failed}" stroke-width="2.4" fill="none"/>`;
    case 'timeout':
      return `<circle ${cls} cx="${f(x)}" cy="${f(y)}" r="${f(r)}" fill="white" stroke="${c.timeout}" stroke-width="2.2"/>`;
    case 'retry':
      return `<path ${cls} d="M${f(x)} ${f(y - r)}L${f(x + r)} ${f(y + r)}H${f(x - r)}Z" fill="${c.retry}" stroke="white" stroke-width="0.6"/>`;
    case 'copy-won':
      return `<path ${cls} d="M${f(x)} ${f(y - r)}L${f(x + r)} ${f(y)}L${f(x)} ${f(y + r)}L${f(x - r)} ${f(y)}Z" fill="${c.copyWon}" stroke="white" stroke-width="0.6"/>`;
    case 'copy-lost':
      return `<path ${cls} d="M${f(x)} ${f(y - r)}L${f(x + r)} ${f(y)}L${f(x)} ${f(y + r)}L${f(x - r)} ${f(y)}Z" fill="white" stroke="${c.copyLost}" stroke-width="2"/>`;
  }
}

/** A mark to draw on the timeline: its kind, its worker's row, where its event is, its size. */
interface TimelineMark {
  kind: MarkKind;
  row: string;
  x: number;
  y: number;
  r: number;
  /** Attributes that say what it is (its tooltip, its invocation). */
  extra: string;
}

/**
 * The marks, moved right where they would overlap one drawn before on the same row (a failed
 * invocation's end and the retry that starts there): each stays whole and tells its kind, a
 * mark's width apart, the first of a crowd at its event. A crowd that would reach past `maxX`
 * (the end of the time axis) is moved left instead.
 */
function spreadMarks(marks: readonly TimelineMark[], maxX: number): TimelineMark[] {
  const byRow = new Map<string, TimelineMark[]>();
  for (const m of marks) byRow.set(m.row, [...(byRow.get(m.row) ?? []), m]);
  const out: TimelineMark[] = [];
  for (const row of byRow.values()) {
    const placed = [...row].sort((a, b) => a.x - b.x).map((m) => ({ ...m }));
    for (let i = 1; i < placed.length; i++) {
      const [before, m] = [placed[i - 1]!, placed[i]!];
      m.x = Math.max(m.x, before.x + before.r + m.r + 1);
    }
    for (let i = placed.length - 1; i >= 0; i--) {
      const [m, after] = [placed[i]!, placed[i + 1]];
      m.x = Math.min(m.x, after ? after.x - after.r - m.r - 1 : maxX);
    }
    out.push(...placed);
  }
  return out;
}

/** The timeline SVG; rows are workers in the order they were first invoked. */
export function timelineSvg(record: JobRecord): string {
  const { t0, end } = jobClock(record);
  const invocations = record.invocations
    .map((inv, i) => ({ inv, i }))
    .sort((a, b) => a.inv.submittedAt - b.inv.submittedAt || a.i - b.i);
  const rows = new Map<string, number>();
  for (const { inv } of invocations) if (!rows.has(inv.workerId)) rows.set(inv.workerId, rows.size);
  for (const split of record.splits)
    for (const a of split.attempts) if (!rows.has(a.workerId)) rows.set(a.workerId, rows.size);
  const rowH = Math.max(4, Math.min(22, Math.floor(640 / Math.max(1, rows.size))));
  const barH = Math.max(3, Math.round(rowH * 0.72));
  const markR = Math.max(3.5, barH * 0.45);
  const height = TOP + rows.size * rowH + AXIS;
  const spanS = Math.max(1e-3, (end - t0) / 1000);
  const plotW = WIDTH - LEFT - RIGHT;
  const x = (ms: number): number => LEFT + (Math.max(0, (ms - t0) / 1000) / spanS) * plotW;
  const w = (a: number, b: number): string => f(Math.max(0.6, x(b) - x(a)));
  const rowY = (workerId: string): number => TOP + (rows.get(workerId) ?? 0) * rowH + (rowH - barH) / 2;
  const c = TIMELINE_COLORS;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" class="timeline" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="Helvetica, Arial, sans-serif" font-size="12">`,
    failedAttemptPattern(FAILED_ATTEMPT_FILL),
    `<rect x="0" y="0" width="${WIDTH}" height="${height}" fill="white"/>`,
    '<g class="grid" stroke="#e6e6e6">',
  ];
  const ticks = linearTicks(0, spanS, 10);
  for (const t of ticks)
    out.push(
      `<line x1="${f(LEFT + (t / spanS) * plotW)}" y1="${TOP}" x2="${f(LEFT + (t / spanS) * plotW)}" y2="${TOP + rows.size * rowH}"/>`,
    );
  out.push('</g>', '<g class="row-labels" fill="#333" text-anchor="end">');
  const labelEvery = Math.ceil(11 / rowH);
  for (const [workerId, row] of rows)
    if (row % labelEvery === 0)
      out.push(
        `<text x="${LEFT - 6}" y="${f(TOP + row * rowH + rowH / 2 + 4)}">${escapeXml(workerId.length > 12 ? `${workerId.slice(0, 11)}…` : workerId)}</text>`,
      );
  out.push('</g>', '<g class="bars">');
  for (const { inv, i } of invocations) {
    const y = f(rowY(inv.workerId));
    const begin = functionStart(inv);
    const ending = invocationEnd(inv);
    const parts: string[] = [];
    if (begin > inv.submittedAt)
      parts.push(
        `<rect class="wait" x="${f(x(inv.submittedAt))}" y="${y}" width="${w(inv.submittedAt, begin)}" height="${barH}" fill="${c.wait}"/>`,
      );
    if (inv.startedAt > begin)
      parts.push(
        `<rect class="init" x="${f(x(begin))}" y="${y}" width="${w(begin, inv.startedAt)}" height="${barH}" fill="${c.init}"/>`,
      );
    const workColor =
      ending === 'ok'
        ? c.work
        : ending === 'stopped'
          ? c.stopped
          : ending === 'timeout'
            ? c.timedOut
            : c.failed;
    parts.push(
      `<rect class="work" x="${f(x(inv.startedAt))}" y="${y}" width="${w(inv.startedAt, inv.endedAt)}" height="${barH}" fill="${workColor}"/>`,
    );
    out.push(`<g class="inv end-${ending}" data-i="${i}">${parts.join('')}</g>`);
  }
  out.push('</g>', '<g class="attempts">');
  const marks: TimelineMark[] = [];
  const ticksByRow = new Map<string, string[]>();
  for (const split of record.splits) {
    for (const a of split.attempts) {
      if (!Number.isFinite(a.startedAt)) continue;
      const y = rowY(a.workerId);
      const endAt = a.endedAt ?? end;
      const shade =
        a.outcome === 'lost' || a.outcome === 'superseded'
          ? c.lost
          : a.outcome === 'failed' || a.outcome === 'invalid'
            ? `url(#${FAILED_ATTEMPT_FILL})`
            : a.outcome === 'silent'
              ? c.silent
              : null;
      const tip = ` data-tip="${escapeXml(`split ${split.splitId}, attempt ${a.label} (${a.kind}) on ${a.workerId}: ${a.outcome}${a.reason ? ` (${a.reason})` : ''}`)}"`;
      if (shade)
        out.push(
          `<rect class="attempt attempt-${a.outcome}" x="${f(x(a.startedAt))}" y="${f(y)}" width="${w(a.startedAt, endAt)}" height="${barH}" fill="${shade}" fill-opacity="0.85"${tip}/>`,
        );
      const row = ticksByRow.get(a.workerId) ?? [];
      row.push(`M${f(x(a.startedAt))} ${f(y)}v${barH}`);
      ticksByRow.set(a.workerId, row);
      const mark = attemptMark(a);
      if (mark)
        marks.push({ kind: mark, row: a.workerId, x: x(a.startedAt), y: y - 1, r: markR, extra: tip });
    }
  }
  for (const path of ticksByRow.values())
    out.push(`<path class="split-starts" d="${path.join('')}" stroke="white" stroke-width="1"/>`);
  for (const { inv, i } of invocations) {
    const ending = invocationEnd(inv);
    if (ending === 'failed' || ending === 'timeout')
      marks.push({
        kind: ending,
        row: inv.workerId,
        x: x(inv.endedAt),
        y: rowY(inv.workerId) + barH / 2,
        r: markR,
        extra: ` data-i="${i}"`,
      });
  }
  out.push(
    '</g>',
    '<g class="marks">',
    ...spreadMarks(marks, WIDTH - RIGHT).map((m) => markSvg(m.kind, m.x, m.y, m.r, m.extra)),
    '</g>',
  );
  const axisY = TOP + rows.size * rowH;
  out.push(
    `<line x1="${LEFT}" y1="${axisY}" x2="${WIDTH - RIGHT}" y2="${axisY}" stroke="#222"/>`,
    '<g class="tick-labels" fill="#222" text-anchor="middle">',
  );
  for (const t of ticks)
    out.push(
      `<text x="${f(LEFT + (t / spanS) * plotW)}" y="${axisY + 16}">${escapeXml(formatTick(t))}</text>`,
    );
  out.push(
    '</g>',
    `<text x="${LEFT + plotW / 2}" y="${axisY + 36}" text-anchor="middle" font-size="13">time since the first invocation (s)</text>`,
    '</svg>',
  );
  return out.join('\n');
}
