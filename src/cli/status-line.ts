/**
 * The one live status line of the CLI: a progress line redrawn in place on a terminal (stderr),
 * nothing on pipes and logs. Notices print on a line of their own above it, so the live line
 * never garbles them, and stopping erases it, so the output that follows starts on a clean line.
 */
import { steadyNow } from '../util/steady-clock.js';

/** What the status line writes to: stderr, or a test's stand-in. */
export interface StatusStream {
  write(chunk: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

/** A live line on a terminal; every method is safe to call when it is disabled. */
export interface StatusLine {
  /** Whether the line is drawn (a terminal, and not turned off). */
  readonly enabled: boolean;
  /**
   * Shows what `view` returns. The line is redrawn at most every {@link MIN_REDRAW_MS} and every
   * {@link REFRESH_MS} between calls, since a view may show elapsed time or an ETA.
   */
  show(view: () => string): void;
  /** Prints `line` on a line of its own (on a terminal above the live line, which is redrawn under it). */
  note(line: string): void;
  /** Erases the live line and stops redrawing it; later `show` calls do nothing. */
  stop(): void;
}

/** Shortest time between two redraws, ms. */
export const MIN_REDRAW_MS = 100;
/** Redraw period without news (elapsed time and ETA move on), ms. */
export const REFRESH_MS = 1_000;

const CLEAR_LINE = '\r\x1b[K';

export interface StatusLineOptions {
  /** Draw the line; default: when the stream is a terminal. */
  enabled?: boolean;
  /** Milliseconds clock, for tests. */
  now?: () => number;
}

/** A status line on `stream`; disabled (notes only) unless it is a terminal. */
export function createStatusLine(stream: StatusStream, options: StatusLineOptions = {}): StatusLine {
  const isTTY = stream.isTTY === true;
  const now = options.now ?? steadyNow;
  let enabled = options.enabled ?? isTTY;
  let view: (() => string) | undefined;
  let drawn = false;
  let lastDrawAt = -Infinity;
  let timer: ReturnType<typeof setInterval> | undefined;
  let pending: ReturnType<typeof setTimeout> | undefined;

  // One column short of the terminal: a line as wide as it wraps on some terminals.
  const fit = (text: string): string => fitStatusLine(text, (stream.columns || 80) - 1); // 0: unknown size
  const draw = (): void => {
    if (pending) clearTimeout(pending);
    pending = undefined;
    if (!enabled || !view) return;
    stream.write(`${CLEAR_LINE}${fit(view())}`);
    drawn = true;
    lastDrawAt = now();
  };
  const erase = (): void => {
    if (drawn) stream.write(CLEAR_LINE);
    drawn = false;
  };

  return {
    get enabled() {
      return enabled;
    },
    show(next) {
      if (!enabled) return;
      view = next;
      if (!timer) {
        timer = setInterval(draw, REFRESH_MS);
        timer.unref();
      }
      const wait = lastDrawAt + MIN_REDRAW_MS - now();
      if (wait <= 0) draw();
      else if (!pending) {
        pending = setTimeout(draw, wait);
        pending.unref();
      }
    },
    note(line) {
      // On a terminal, start from column 0 on a clear line: the live line, or the ^C the
      // terminal echoed, would otherwise run into the notice.
      if (drawn || isTTY) stream.write(CLEAR_LINE);
      drawn = false;
      stream.write(`${line}\n`);
      draw();
    },
    stop() {
      if (timer) clearInterval(timer);
      if (pending) clearTimeout(pending);
      timer = undefined;
      pending = undefined;
      erase();
      enabled = false;
      view = undefined;
    },
  };
}

/** The narrowest a bar is made to fit a narrow terminal, in cells. */
export const MIN_BAR_WIDTH = 8;

const FIELD_SEPARATOR = ' | ';
const BAR = /[\u2588\u2591]{2,}/;

/**
 * `text` within `width` characters, losing as little as it can: first its bar is made narrower
 * (down to {@link MIN_BAR_WIDTH}), then its last ` | ` fields are left out whole, and only a
 * first field still too wide is cut.
 */
export function fitStatusLine(text: string, width: number): string {
  if (text.length <= width) return text;
  const bar = BAR.exec(text);
  if (bar) {
    const cells = bar[0].length;
    const narrower = Math.max(MIN_BAR_WIDTH, cells - (text.length - width));
    if (narrower < cells) {
      const filled = [...bar[0]].filter((c) => c === '\u2588').length;
      text = text.replace(bar[0], progressBar(filled, cells, narrower));
    }
  }
  const fields = text.split(FIELD_SEPARATOR);
  while (fields.length > 1 && fields.join(FIELD_SEPARATOR).length > width) fields.pop();
  const kept = fields.join(FIELD_SEPARATOR);
  return kept.length > width ? kept.slice(0, Math.max(0, width)) : kept;
}

/** A bar of `width` cells, `done` of `total` filled. */
export function progressBar(done: number, total: number, width = 24): string {
  const share = total > 0 ? Math.min(1, Math.max(0, done / total)) : 0;
  const filled = Math.round(share * width);
  return `${'\u2588'.repeat(filled)}${'\u2591'.repeat(width - filled)}`;
}
