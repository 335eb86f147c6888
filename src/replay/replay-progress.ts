/**
 * A live progress line for a replay on a terminal (stderr): jobs ended/total, running, queued,
 * images with a result, failures. On a non-terminal it prints nothing.
 */
import cliProgress from 'cli-progress';
import type { ReplayProgress } from './run-replay.js';

export interface ReplayProgressReporter {
  update(progress: ReplayProgress): void;
  stop(): void;
}

export function createReplayProgress(
  options: { stream?: NodeJS.WriteStream; enabled?: boolean } = {},
): ReplayProgressReporter {
  const stream = options.stream ?? process.stderr;
  if (!(options.enabled ?? stream.isTTY === true)) return { update: () => undefined, stop: () => undefined };
  const bar = new cliProgress.SingleBar(
    {
      stream,
      format:
        'replay {bar} {value}/{total} jobs | {running} running, {queued} queued | ' +
        '{imagesDone}/{images} images | {failed} failed | {elapsed}s',
      barsize: 24,
      hideCursor: true,
      clearOnComplete: true,
      fps: 5,
    },
    cliProgress.Presets.shades_classic,
  );
  const t0 = Date.now();
  let started = false;
  let last: ReplayProgress | undefined;
  const payload = (p: ReplayProgress): Record<string, unknown> => ({
    running: p.running,
    queued: p.queued,
    imagesDone: p.imagesDone.toLocaleString('en-US'),
    images: p.images.toLocaleString('en-US'),
    failed: p.failed,
    elapsed: Math.round((Date.now() - t0) / 1000),
  });
  // The clock moves between job events too (a long gap in the trace).
  const timer = setInterval(() => {
    if (started && last) bar.update(last.ended, payload(last));
  }, 1000);
  timer.unref();
  return {
    update(p) {
      last = p;
      if (!started) {
        bar.start(p.jobs, p.ended, payload(p));
        started = true;
      } else bar.update(p.ended, payload(p));
    },
    stop() {
      clearInterval(timer);
      if (started) bar.stop();
    },
  };
}
