/**
 * What the status line shows for each kind of long-running work: a job's images, a replay's
 * jobs, the CPR sampling plan's jobs, and files written or uploaded. Each view takes the typed
 * progress its domain folder reports and returns one line; the status line draws it.
 */
import type { JobEvent, JobProgress } from '../manager/job-events.js';
import type { ReplayProgress } from '../replay/run-replay.js';
import type { SamplingEvent } from '../tuning/cpr-sampler.js';
import { plural } from '../util/plural.js';
import { progressBar, type StatusLine } from './status-line.js';
import { steadyNow } from '../util/steady-clock.js';

/** Images per second and seconds left, from a job's progress so far. */
export function jobRates(progress: JobProgress): { imagesPerSecond: number; etaSeconds: number | null } {
  const seconds = progress.elapsedMs / 1000;
  const imagesPerSecond = seconds > 0 ? progress.done / seconds : 0;
  const left = progress.total - progress.done;
  return { imagesPerSecond, etaSeconds: imagesPerSecond > 0 ? left / imagesPerSecond : null };
}

const eta = (seconds: number | null): string => (seconds === null ? '-' : `${Math.ceil(seconds)}s`);
const count = (n: number): string => n.toLocaleString('en-US');

/**
 * `label [bar] done/total | errors, retries, copies | rate images/s | ETA | running`: one job.
 * The errors come before the figures a narrow terminal can do without (the status line leaves
 * out last fields first); retries and copies show once there are some.
 */
export function jobLine(label: string, p: JobProgress): string {
  const { imagesPerSecond, etaSeconds } = jobRates(p);
  const troubles = [
    plural(p.errors, 'error'),
    ...(p.retries > 0 ? [plural(p.retries, 'retry', 'retries')] : []),
    ...(p.copies > 0 ? [plural(p.copies, 'copy', 'copies')] : []),
  ].join(', ');
  return (
    `${label} ${progressBar(p.done, p.total)} ${p.done}/${p.total} | ${troubles} | ` +
    `${imagesPerSecond.toFixed(1)} images/s | ETA ${eta(etaSeconds)} | ${p.running} running`
  );
}

/**
 * Draws a job's events on `status` (the same events `runJob` gives any listener), from the
 * progress each one carries; the elapsed time moves on between events. A `warning` event is
 * told to `notice` (as `warning: ...`) on its own line.
 */
export function jobProgress(
  status: StatusLine,
  label: string,
  { notice, now = steadyNow }: { notice?: (message: string) => void; now?: () => number } = {},
): (event: JobEvent) => void {
  return (event) => {
    if (event.type === 'warning') notice?.(`warning: ${event.message}`);
    const p = event.progress;
    const at = now();
    status.show(() => jobLine(label, { ...p, elapsedMs: p.elapsedMs + (now() - at) }));
  };
}

/** `replay [bar] ended/jobs | running, queued | images | failed | elapsed`. */
export function replayLine(p: ReplayProgress, elapsedSeconds: number): string {
  return (
    `replay ${progressBar(p.ended, p.jobs)} ${p.ended}/${p.jobs} jobs | ${p.running} running, ${p.queued} queued | ` +
    `${count(p.imagesDone)}/${count(p.images)} images | ${p.failed} failed | ${Math.round(elapsedSeconds)}s`
  );
}

/** Reports a replay's progress on `status`. */
export function replayProgress(
  status: StatusLine,
  now: () => number = steadyNow,
): (progress: ReplayProgress) => void {
  const startedAt = now();
  return (p) => status.show(() => replayLine(p, (now() - startedAt) / 1000));
}

/** Reports the CPR sampling plan on `status`: jobs done of those pending, the running one, an ETA. */
export function samplingProgress(
  status: StatusLine,
  now: () => number = steadyNow,
): (event: SamplingEvent) => void {
  let total = 0;
  let done = 0;
  let firstJobAt: number | undefined;
  let job = 'starting';
  let name = '';
  // Jobs run one after the other: the mean time of the finished ones times those left.
  const etaText = (): string =>
    firstJobAt === undefined || done === 0
      ? '-'
      : `${Math.ceil((((now() - firstJobAt) / done) * (total - done)) / 1000)}s`;
  const view = (): string =>
    `cpr sample ${progressBar(done, total)} ${done}/${total} jobs | ${job} | ETA ${etaText()}`;
  return (e) => {
    if (e.type === 'plan') {
      total = e.pending;
      if (e.recorded > 0) job = `${e.recorded} already recorded`;
      if (total === 0) return;
    } else if (total === 0) return;
    else if (e.type === 'quantize') job = 'quantizing the model to int8';
    else if (e.type === 'warmup') job = `warm-up job${e.precision ? ` (${e.precision})` : ''}`;
    else if (e.type === 'start') {
      if (e.position === 0) firstJobAt = now();
      name = `cpr-${e.point.index}${e.precision ? ` ${e.precision}` : ''}`;
      job = `${name}: ${e.point.images} images x ${plural(e.point.workers, 'worker')}`;
    } else if (e.type === 'progress') {
      job = `${name}: ${e.progress.done}/${e.progress.total} images x ${plural(e.point.workers, 'worker')}`;
    } else done++;
    status.show(view);
  };
}

/** Reports items written or sent (`label [bar] done/total unit | MB | ETA`) on `status`. */
export function transferProgress(
  status: StatusLine,
  label: string,
  unit: string,
  now: () => number = steadyNow,
): (progress: { done: number; total: number; bytes: number }) => void {
  const startedAt = now();
  return (p) =>
    status.show(() => {
      const seconds = (now() - startedAt) / 1000;
      const rate = seconds > 0 ? p.done / seconds : 0;
      const left = rate > 0 ? (p.total - p.done) / rate : null;
      return `${label} ${progressBar(p.done, p.total)} ${p.done}/${p.total} ${unit} | ${(p.bytes / 1e6).toFixed(1)} MB | ETA ${eta(left)}`;
    });
}
