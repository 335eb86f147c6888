/**
 * The time of a job's runs (pure): each run from its first submit to its last result line, so
 * that a resumed job's latency and throughput leave out the time between a killed run and its
 * resume. Earlier runs are measured from their records, the current one from what it wrote.
 */
import type { SplitLogLine } from './result-sink.js';
import { runOfWorker } from './run-accounting.js';
import type { InvocationRecord, JobRunRecord } from './types.js';

/** One run's share of a job's time. */
export interface RunSpan {
  run: number;
  /** Epoch ms of its first submit (its start when it submitted nothing). */
  from: number;
  /** Epoch ms of its last result line (its end, or when it was last seen, when it wrote none). */
  to: number;
  /** Epoch ms of its last result line with a prediction; null when it wrote none. */
  lastPredictionAt: number | null;
}

/** What a run did, as its records tell. */
export interface RunActivity {
  run: number;
  startedAt: number;
  /** Its end, or when it was last seen alive. */
  endedAt: number;
  submits: readonly number[];
  /** Its result lines: when each split's lines were written and how many were predictions. */
  results: readonly { at: number; ok: number }[];
}

/** Each run's span: first submit to last result line. */
export function runSpan(activity: RunActivity): RunSpan {
  const from = activity.submits.length > 0 ? Math.min(...activity.submits) : activity.startedAt;
  const last =
    activity.results.length > 0 ? Math.max(...activity.results.map((r) => r.at)) : activity.endedAt;
  const predicted = activity.results.filter((r) => r.ok > 0).map((r) => r.at);
  return {
    run: activity.run,
    from,
    to: Math.max(from, last),
    lastPredictionAt: predicted.length > 0 ? Math.max(...predicted) : null,
  };
}

/** The seconds of a job's runs, gaps between them left out. */
export interface ActiveTime {
  /** First submit to last result line, summed over the runs. */
  seconds: number;
  /** First submit to last prediction, summed over the runs that predicted. */
  predictingSeconds: number;
  /** How many runs. */
  runs: number;
}

export function activeTime(spans: readonly RunSpan[]): ActiveTime {
  // Summed in whole milliseconds, then converted once: 8.617 s, not 8.616999999999999.
  let ms = 0;
  let predictingMs = 0;
  for (const s of spans) {
    ms += s.to - s.from;
    if (s.lastPredictionAt !== null) predictingMs += Math.max(0, s.lastPredictionAt - s.from);
  }
  return { seconds: ms / 1000, predictingSeconds: predictingMs / 1000, runs: spans.length };
}

/** The run a job manager is running now, as it ends. */
export interface CurrentRun {
  run: number;
  startedAt: number;
  endedAt: number;
  lastResultAt: number | null;
  lastPredictionAt: number | null;
}

/**
 * Every run's latency (its record with `latencySeconds`) and the job's active time: earlier runs
 * from their records (`lastSeenAt` standing for the end of one that did not end), this one from
 * what it wrote.
 */
export function jobRunAccounts(input: {
  runs: readonly JobRunRecord[];
  invocations: readonly InvocationRecord[];
  earlierSplits: readonly SplitLogLine[];
  current: CurrentRun;
}): { runs: JobRunRecord[]; active: ActiveTime } {
  const { runs, current } = input;
  const submits = new Map<number, number[]>();
  for (const i of input.invocations) {
    const run = runOfWorker(i.workerId, runs);
    submits.set(run, [...(submits.get(run) ?? []), i.submittedAt]);
  }
  const spans = runs.map((r) => {
    if (r.run === current.run) {
      const own = submits.get(r.run) ?? [];
      const from = own.length > 0 ? Math.min(...own) : current.startedAt;
      return {
        run: r.run,
        from,
        to: Math.max(from, current.lastResultAt ?? current.endedAt),
        lastPredictionAt: current.lastPredictionAt,
      };
    }
    const startedAt = Date.parse(r.startedAt);
    const end = Date.parse(r.endedAt ?? r.lastSeenAt ?? r.startedAt);
    return runSpan({
      run: r.run,
      startedAt,
      endedAt: Number.isFinite(end) ? end : startedAt,
      submits: submits.get(r.run) ?? [],
      results: input.earlierSplits
        .filter((line) => (line.run ?? 0) === r.run)
        .map((line) => ({ at: line.endedAt, ok: line.ok })),
    });
  });
  return {
    runs: runs.map((r, i) => {
      const span = spans[i] as RunSpan;
      return { ...r, latencySeconds: (span.to - span.from) / 1000 };
    }),
    active: activeTime(spans),
  };
}
