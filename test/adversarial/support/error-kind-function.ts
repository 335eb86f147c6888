/**
 * An HTTP function on loopback whose per-input results the test writes (`answer`), in the shape
 * of an honest worker result otherwise: for attacks on `errorKind`, the per-input mark of a read
 * error that may pass. It records the splits of every invocation it answers.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export type AnsweredResult = Record<string, unknown> & { key: string };
/** How the function answers `key`, the `index`-th of its split, on its `tries`-th time (1 first). */
export type Answer = (key: string, index: number, tries: number) => AnsweredResult;

export const predicted = (key: string): AnsweredResult => ({
  key,
  top: [{ class: 1, score: 0.5 }],
  error: null,
});
export const slowDown = (key: string): AnsweredResult => ({
  key,
  top: null,
  error: 'SlowDown',
  errorKind: 'passing',
});

export interface ErrorKindFunction {
  url: string;
  answer: Answer;
  /** A result added to each split's (one more than it was given), or null. */
  extraResult: AnsweredResult | null;
  /** The splits of each invocation answered, as [splitId, number of keys]. */
  calls: Array<Array<[string, number]>>;
  /** Forgets the calls and the tries (the answer and extra result are kept). */
  reset(): void;
  /** The `obifaas run` arguments of a job of the builtin tiny model on `manifest`, sent here. */
  runArgs(manifest: string): string[];
  close(): Promise<void>;
}

export async function startErrorKindFunction(): Promise<ErrorKindFunction> {
  const seen = new Map<string, number>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const payload = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
        splits?: { splitId: string; keys: string[] }[];
      };
      const splits = payload.splits ?? [];
      fn.calls.push(splits.map((s) => [s.splitId, s.keys.length]));
      const extra = fn.extraResult ? [fn.extraResult] : [];
      const body = {
        workerId: 'w',
        splits: splits.map((s) => ({
          splitId: s.splitId,
          results: [...s.keys.map((key, i) => fn.answer(key, i, (seen.get(key) ?? 0) + 1)), ...extra],
          startedAt: 0,
          endedAt: 0,
        })),
        timings: {
          cold: fn.calls.length === 1,
          modelLoadMs: 0,
          stageBusyMs: { load: 0, preprocess: 0, predict: 0 },
          wallMs: 0,
          images: 1,
        },
        runtime: { pid: 1, node: 'v22', platform: 'linux' },
      };
      for (const s of splits) for (const key of s.keys) seen.set(key, (seen.get(key) ?? 0) + 1);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const fn: ErrorKindFunction = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    answer: predicted,
    extraResult: null,
    calls: [],
    reset() {
      fn.calls = [];
      seen.clear();
    },
    runArgs: (manifest) => [
      'run',
      '--backend',
      'http',
      '--url',
      fn.url,
      '--input',
      manifest,
      '--model',
      'tiny',
    ],
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return fn;
}
