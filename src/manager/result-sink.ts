/**
 * Where finished splits go: an embed job's vectors to its staging file (see
 * `embeddings-file.ts`), their result lines to `results.jsonl`, then one line to `splits.jsonl`,
 * each fsync'd. Counts what was written, so that every input gets exactly one line and the
 * unfinished ones can be closed with an error at the end. A key may occur more than once in a
 * job's inputs (a replay cycles a small dataset): it then gets one line per occurrence.
 */
import type { CompletedSplit, SplitAttempt } from '../core/split-types.js';
import type { InputResult } from '../core/prediction.js';
import type { Split } from '../core/splitting.js';
import { checkVector, type StagedVector, type VectorLog } from './embeddings-file.js';
import type { JsonlLog } from './output.js';
import type { JobEventBody, JobEvent, JobProgress } from './job-events.js';

/** A line of `splits.jsonl`. */
export interface SplitLogLine {
  splitId: string;
  inputs: number;
  ok: number;
  errors: number;
  workerId: string | null;
  attempt: number | null;
  endedAt: number;
  error: string | null;
  /** The split's attempts (dynamic and static alike), so that a resumed job's record keeps them. */
  attempts?: SplitAttempt[];
  /** The run of the job that wrote it, when not the first (n for the n-th resume). */
  run?: number;
}

export class ResultSink {
  private readonly writtenSplits = new Set<string>();
  /** Lines still owed per key: its occurrences in the job's inputs less the lines written. */
  private readonly owed = new Map<string, number>();
  private readonly total: number;
  private ok = 0;
  private errors = 0;
  /** Epoch ms of the last line written. */
  lastResultAt: number | null = null;
  /** Epoch ms of the last line written with a prediction. */
  lastPredictionAt: number | null = null;
  /** The run of the job writing (0, or n for the n-th resume); recorded in `splits.jsonl`. */
  run = 0;
  /** Function invocations running now (the job manager counts them). */
  running = 0;
  private retries = 0;
  private copies = 0;

  constructor(
    private readonly results: JsonlLog,
    private readonly splitLog: JsonlLog,
    /** The job's inputs, in order (repeats allowed). */
    keys: readonly string[],
    private readonly startedAt: number,
    private readonly now: () => number,
    private readonly onEvent?: (event: JobEvent) => void,
    /** An embed job's vectors (absent: a classify job, whose results carry no vectors). */
    private readonly vectors?: VectorLog,
  ) {
    this.total = keys.length;
    for (const key of keys) this.owed.set(key, (this.owed.get(key) ?? 0) + 1);
  }

  progress(): JobProgress {
    return {
      total: this.total,
      done: this.ok + this.errors,
      ok: this.ok,
      errors: this.errors,
      elapsedMs: this.now() - this.startedAt,
      running: this.running,
      retries: this.retries,
      copies: this.copies,
    };
  }

  /** Sends `body` to the job's listener, with the progress so far. */
  emit(body: JobEventBody): void {
    if (this.onEvent) this.onEvent({ ...body, progress: this.progress() } as JobEvent);
  }

  has(splitId: string): boolean {
    return this.writtenSplits.has(splitId);
  }

  /**
   * Counts the lines an earlier run of the same job wrote (a resumed job): its finished splits
   * are not written again and its lines count towards progress.
   */
  restore(splitIds: Iterable<string>, lines: readonly InputResult[]): void {
    for (const splitId of splitIds) this.writtenSplits.add(splitId);
    this.vectors?.restore(lines);
    for (const line of lines) {
      if (!this.take(line.key)) continue;
      if (line.error === null) this.ok++;
      else this.errors++;
    }
  }

  /** Writes a finished split (once; later calls for the same split are ignored). */
  async splitDone(
    split: CompletedSplit,
    workerId: string | null,
    attempts?: readonly SplitAttempt[],
  ): Promise<void> {
    if (this.writtenSplits.has(split.splitId)) return;
    this.writtenSplits.add(split.splitId);
    for (const a of attempts ?? []) {
      if (a.kind === 'retry') this.retries++;
      else if (a.kind === 'copy') this.copies++;
    }
    const staged: StagedVector[] = [];
    const lines = split.results.filter((r) => this.take(r.key)).map((r) => this.toLine(r, staged));
    if (staged.length > 0) await this.vectors?.append(staged);
    await this.write(lines);
    const errors = lines.filter((l) => l.error !== null).length;
    await this.splitLog.append([
      {
        splitId: split.splitId,
        inputs: split.results.length,
        ok: lines.length - errors,
        errors,
        workerId,
        attempt: split.winner,
        endedAt: split.endedAt,
        error: split.error,
        ...(attempts ? { attempts: [...attempts] } : {}),
        ...(this.run > 0 ? { run: this.run } : {}),
      } satisfies SplitLogLine,
    ]);
    this.emit({
      type: 'split-done',
      splitId: split.splitId,
      inputs: split.results.length,
      ok: lines.length - errors,
      errors,
      error: split.error,
      workerId,
    });
  }

  /**
   * Gives every input of the splits not written yet an error line saying `reason`; an input
   * whose key already has all the lines it is owed (written by another split) gets none.
   */
  async finishUnwritten(splits: readonly Split[], reason: string): Promise<number> {
    const lines: InputResult[] = [];
    for (const split of splits) {
      if (this.writtenSplits.has(split.splitId)) continue;
      this.writtenSplits.add(split.splitId);
      for (const key of split.keys) if (this.take(key)) lines.push({ key, top: null, error: reason });
    }
    await this.write(lines);
    return lines.length;
  }

  counts(): { ok: number; errors: number; written: number } {
    return { ok: this.ok, errors: this.errors, written: this.ok + this.errors };
  }

  /** Claims one of the lines `key` is owed; false when it has them all (or is not an input). */
  private take(key: string): boolean {
    const owed = this.owed.get(key) ?? 0;
    if (owed <= 0) return false;
    this.owed.set(key, owed - 1);
    return true;
  }

  private async write(lines: InputResult[]): Promise<void> {
    let predictions = 0;
    for (const line of lines) {
      if (line.error === null) predictions++;
      else this.errors++;
    }
    this.ok += predictions;
    if (lines.length > 0) {
      await this.results.append(lines);
      this.lastResultAt = this.now();
      if (predictions > 0) this.lastPredictionAt = this.lastResultAt;
    }
  }

  /**
   * The line of one result: exactly `{key, top, error}` (classify) or `{key, top, error,
   * embedding}` (embed), and an error's `errorKind` when it has one, whatever else a worker
   * sent. An embed result's vector, checked, is pushed to `staged` and the line points at its row.
   */
  private toLine(r: InputResult, staged: StagedVector[]): InputResult {
    const fail = (error: string): InputResult => ({ key: r.key, top: null, error });
    if (r.error !== null)
      return r.errorKind === undefined ? fail(r.error) : { ...fail(r.error), errorKind: r.errorKind };
    const vectors = this.vectors;
    if (!vectors)
      return r.top === null ? fail('no prediction returned') : { key: r.key, top: r.top, error: null };
    if (r.vector === undefined) return fail('no vector returned');
    const checked = checkVector(r.vector, vectors.dims);
    if ('error' in checked) return fail(checked.error);
    vectors.dims = checked.dims;
    staged.push({ key: r.key, vector: r.vector });
    return { key: r.key, top: null, error: null, embedding: { dims: checked.dims, row: vectors.rows++ } };
  }
}
