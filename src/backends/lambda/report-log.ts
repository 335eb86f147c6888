/**
 * Reads the `REPORT` line that ends the log tail of a synchronous invoke with `LogType: Tail`
 * (pure). Lambda writes, tab-separated:
 * `REPORT RequestId: <id>  Duration: 12.34 ms  Billed Duration: 13 ms  Memory Size: 3008 MB
 *  Max Memory Used: 68 MB  Init Duration: 170.25 ms` (the last field only on a cold start).
 */

/** The figures of one `REPORT` line; fields Lambda did not write are absent. */
export interface LambdaReport {
  requestId?: string;
  durationMs?: number;
  billedDurationMs?: number;
  memorySizeMb?: number;
  maxMemoryUsedMb?: number;
  /** Present on a cold start only. */
  initDurationMs?: number;
}

const FIELDS: Record<string, keyof Omit<LambdaReport, 'requestId'>> = {
  duration: 'durationMs',
  'billed duration': 'billedDurationMs',
  'memory size': 'memorySizeMb',
  'max memory used': 'maxMemoryUsedMb',
  'init duration': 'initDurationMs',
};

const FIELD =
  /(Duration|Billed Duration|Memory Size|Max Memory Used|Init Duration):\s*([0-9]+(?:\.[0-9]+)?)\s*(ms|MB)\b/g;

/** The text of a base64 `LogResult` (empty for none). */
export function decodeLogTail(logResult: string | undefined): string {
  if (!logResult) return '';
  return Buffer.from(logResult, 'base64').toString('utf8');
}

/** The last `REPORT` line of a log tail, parsed; `undefined` when the tail has none. */
export function parseReport(log: string): LambdaReport | undefined {
  const lines = log.split(/\r?\n/);
  let line: string | undefined;
  for (let i = lines.length - 1; i >= 0; i--) {
    const candidate = lines[i]?.trim();
    if (candidate?.startsWith('REPORT ')) {
      line = candidate;
      break;
    }
  }
  if (line === undefined) return undefined;
  const report: LambdaReport = {};
  const requestId = /RequestId:\s*([^\s]+)/.exec(line)?.[1];
  if (requestId) report.requestId = requestId;
  for (const match of line.matchAll(FIELD)) {
    const field = FIELDS[(match[1] ?? '').toLowerCase()];
    const value = Number(match[2]);
    if (field && Number.isFinite(value) && report[field] === undefined) report[field] = value;
  }
  return report;
}

/**
 * The handler's billed milliseconds, init excluded. Lambda has billed the init phase of
 * on-demand functions inside `Billed Duration` since 2025 (before, a cold start's billed time
 * excluded it); when the billed figure covers duration plus init, the init part is taken out so
 * that a price model that bills init does not count it twice.
 */
export function handlerBilledMs(report: LambdaReport, measuredMs: number): number {
  const duration = report.durationMs ?? measuredMs;
  const billed = report.billedDurationMs;
  if (billed === undefined) return Math.ceil(duration);
  const init = report.initDurationMs ?? 0;
  if (init > 0 && billed >= Math.floor(duration + init))
    return Math.max(Math.ceil(duration), billed - Math.floor(init));
  return Math.max(billed, Math.ceil(duration - 1e-9));
}
