/**
 * A live progress bar on a terminal (stderr): images done/total, images/s, ETA, errors,
 * functions running, retries and speculative copies. On a non-terminal it prints nothing, so
 * logs and pipes get only the final output.
 */
import cliProgress from 'cli-progress';
import type { JobProgress } from '../manager/types.js';

export interface ProgressReporter {
  update(progress: JobProgress): void;
  stop(): void;
}

export interface ProgressOptions {
  stream?: NodeJS.WriteStream;
  /** Show the bar; default: when the stream is a terminal. */
  enabled?: boolean;
  label?: string;
}

/** Images per second and seconds left, from the progress so far. */
export function rates(progress: JobProgress): { imagesPerSecond: number; etaSeconds: number | null } {
  const seconds = progress.elapsedMs / 1000;
  const imagesPerSecond = seconds > 0 ? progress.done / seconds : 0;
  const left = progress.total - progress.done;
  return { imagesPerSecond, etaSeconds: imagesPerSecond > 0 ? left / imagesPerSecond : null };
}

export function createProgressReporter(options: ProgressOptions = {}): ProgressReporter {
  const stream = options.stream ?? process.stderr;
  if (!(options.enabled ?? stream.isTTY === true)) return { update: () => undefined, stop: () => undefined };
  const bar = new cliProgress.SingleBar(
    {
      stream,
      format: `${options.label ?? 'images'} {bar} {value}/{total} | {rate} images/s | ETA {etaText} | {running} running | {errors} errors, {retries} retries, {copies} copies`,
      barsize: 30,
      hideCursor: true,
      clearOnComplete: true,
      fps: 5,
    },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  let last: JobProgress | undefined;
  let lastAt = 0;
  const payload = (p: JobProgress): Record<string, unknown> => {
    const { imagesPerSecond, etaSeconds } = rates(p);
    return {
      rate: imagesPerSecond.toFixed(1),
      etaText: etaSeconds === null ? '-' : `${Math.ceil(etaSeconds)}s`,
      errors: p.errors,
      running: p.running,
      retries: p.retries,
      copies: p.copies,
    };
  };
  // Refresh rate and ETA between splits too.
  const timer = setInterval(() => {
    if (started && last)
      bar.update(last.done, payload({ ...last, elapsedMs: last.elapsedMs + (Date.now() - lastAt) }));
  }, 1000);
  timer.unref();
  return {
    update(p) {
      last = p;
      lastAt = Date.now();
      if (!started) {
        bar.start(p.total, p.done, payload(p));
        started = true;
      } else bar.update(p.done, payload(p));
    },
    stop() {
      clearInterval(timer);
      if (started) bar.stop();
    },
  };
}
