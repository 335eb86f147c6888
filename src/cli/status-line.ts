/**
 * The one live status line of the CLI: a progress line redrawn in place on a terminal (stderr).
 * On a pipe or a log, the same progress is printed as a plain line (no bar, no control
 * character) every {@link PLAIN_INTERVAL_MS} by default (`OBIFAAS_PROGRESS_INTERVAL`), measured
 * on the injected clock. Notices print on a line of their own above it, so the live line never
 * garbles them, and stopping erases it, so the output that follows starts on a clean line.
 */
import { UserError } from '../errors.js';
import { parseDurationMs } from '../util/duration.js';
import { steadyNow } from '../util/steady-clock.js';

/** What the status line writes to: stderr, or a test's stand-in. */
export interface StatusStream {
  write(chunk: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

/** A live line on a terminal; every method is safe to call when it is disabled. */
export interface StatusLine {
  /** Whether the line is drawn live (a terminal, and not turned off); plain lines may print without. */
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

/** How often progress prints as a plain line on a pipe or a log, by default, ms. */
export const PLAIN_INTERVAL_MS = 30_000;
/** How often the time since the last plain line is looked at, ms (at most). */
const PLAIN_CHECK_MS = 1_000;

const CLEAR_LINE = '\r\x1b[K';

export interface StatusLineOptions {
  /** Draw the line live; default: when the stream is a terminal. */
  enabled?: boolean;
  /**
   * Where the line is not drawn live: print the progress as a plain line every this many ms
   * (default {@link PLAIN_INTERVAL_MS}); null prints none.
   */
  plainIntervalMs?: number | null;
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
  const plainIntervalMs = options.plainIntervalMs === undefined ? PLAIN_INTERVAL_MS : options.plainIntervalMs;
  let plainView: (() => string) | undefined;
  let plainAt = now();
  let stopped = false;
  // A plain line once the interval has passed since the last (or since the start).
  const printPlain = (): void => {
    if (enabled || plainIntervalMs === null || !plainView || now() - plainAt < plainIntervalMs) return;
    plainAt = now();
    stream.write(`${plainStatusLine(plainView())}\n`);
  };

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
      if (stopped) return;
      if (!enabled) {
        if (plainIntervalMs === null) return;
        plainView = next;
        if (!timer) {
          timer = setInterval(printPlain, Math.min(PLAIN_CHECK_MS, plainIntervalMs));
          timer.unref();
        }
        printPlain();
        return;
      }
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
      plainView = undefined;
      stopped = true;
    },
  };
}

/**
 * `text` as a plain line for a pipe or a log: its bar left out (the counts beside it say as
 * much) and no control character.
 */
export function plainStatusLine(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(new RegExp(`${BAR.source} ?`, 'g'), '').replace(/[\x00-\x1f\x7f]/g, ' ');
}

/** The environment variable that sets how often plain progress lines print (`off`: never). */
export const PROGRESS_INTERVAL_ENV = 'OBIFAAS_PROGRESS_INTERVAL';

/**
 * The plain-line interval {@link PROGRESS_INTERVAL_ENV} gives, in ms: a duration (`30s`, `2m`,
 * `500ms`), or `off` or `0` for none; undefined where it is not set (the default).
 *
 * @throws {UserError} for any other value, naming the variable.
 */
export function progressIntervalMs(env: NodeJS.ProcessEnv): number | null | undefined {
  const value = env[PROGRESS_INTERVAL_ENV]?.trim();
  if (value === undefined || value === '') return undefined;
  if (/^(off|0+(\.0+)?(ms|s|m|h)?)$/i.test(value)) return null;
  const parsed = parseDurationMs(value);
  if ('error' in parsed) throw new UserError(`${PROGRESS_INTERVAL_ENV}: ${parsed.error}, or 'off'`);
  return parsed.ms;
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
