import { describe, expect, it } from 'vitest';
import reference from '../../test/data/reference-summary.json' with { type: 'json' };
import { SpecError } from '../errors.js';
import { fitCprModel } from './cpr-fit.js';
import { describeText, parseSampleFile } from './cpr-sample-file.js';

/** The fixture as the reference prints it (Python's json.dump with indent=4). */
const referenceText = `${JSON.stringify(reference, null, 4)}\n`;
const options = { source: 'summary.json', memoryMb: 3008 };

function refusal(text: string): string {
  try {
    parseSampleFile(text, options);
  } catch (err) {
    expect(err).toBeInstanceOf(SpecError);
    return (err as Error).message;
  }
  throw new Error('expected a refusal');
}

describe("the reference's sampling output", () => {
  it('reads the JSON array of 59 jobs, says which layout it read and what it assumed', () => {
    expect(referenceText.split('\n')).toHaveLength(947);
    const file = parseSampleFile(referenceText, options);
    expect(file.layout).toBe('reference-array');
    expect(file.samples).toHaveLength(59);
    expect(file.samples[0]).toEqual({
      images: 32,
      workers: 1,
      computeSeconds: reference[0]!.duration_function,
      initSeconds: reference[0]!.duration_init,
      latencySeconds: reference[0]!.latency,
      costUsd: reference[0]!.cost,
      memoryMb: 3008,
    });
    expect(file.notes).toEqual([
      "the reference's jobs carry no memory size: taken as 3008 MB (give --memory to change it)",
    ]);
    expect(parseSampleFile(referenceText, { ...options, memoryGiven: true }).notes).toEqual([]);
  });

  it("fits our model to it, close to the reference's own coefficients", () => {
    const model = fitCprModel(parseSampleFile(referenceText, options).samples);
    expect(model.init.a1).toBeCloseTo(0.99926, 0);
    expect(model.compute.b2).toBeCloseTo(0.79864, 1);
    expect(model.fit!.mapeCpr!).toBeLessThan(0.2);
  });

  it('names the first bad jobs in one message, and counts the rest', () => {
    const broken = reference.map((job, i) =>
      i % 10 === 3 ? { ...job, duration_init: 0, num_images: i === 13 ? 'many' : job.num_images } : job,
    );
    const message = refusal(JSON.stringify(broken, null, 4));
    expect(message).toBe(
      "summary.json: read as the reference's JSON array of jobs (summary.json): 6 of 59 jobs are bad: " +
        '[3].duration_init: expected a number > 0, got 0; [13].num_images: expected an integer >= 1, got ' +
        "'many'; [13].duration_init: expected a number > 0, got 0; [23].duration_init: expected a number > 0, got 0; and 3 more",
    );
  });

  it('a cut-off array gets one message that says what the file looks like', () => {
    const message = refusal(referenceText.slice(0, 5000));
    expect(message).toMatch(
      /^summary\.json: starts like a JSON array but is not valid JSON \(\d+ lines of text, starting `\[`\): JSON: /,
    );
    expect(message.split('\n')).toHaveLength(1);
  });
});

describe('a file in neither layout', () => {
  it('a pretty-printed object of 900 lines gets one message, not one per line', () => {
    const big = JSON.stringify({ jobs: reference.slice(0, 55) }, null, 4);
    const message = refusal(big);
    expect(message.split('\n')).toHaveLength(1);
    expect(message.length).toBeLessThan(600);
    expect(message).toMatch(
      /^summary\.json: read as JSON lines, \d{3} lines are bad; the file is \d{3} lines of a JSON object spread over several lines, starting `\{`; expected .*: summary\.json:1: not valid JSON; summary\.json:2: not valid JSON; summary\.json:3: not valid JSON; and \d{3} more$/,
    );
  });

  it('CSV is described as such', () => {
    expect(refusal('num_images,workers\n10,2\n20,3\n')).toMatch(
      /read as JSON lines, 3 lines are bad; the file is 3 lines of comma- or tab-separated values, starting `num_images,workers`/,
    );
    expect(describeText(' \n')).toBe('empty');
  });

  it('our JSON lines still read, with a cut-off last line left out and noted', () => {
    const good =
      '{"images":64,"workers":2,"computeSeconds":10,"initSeconds":3,"latencySeconds":7,"costUsd":0.001,"memoryMb":3008}';
    const file = parseSampleFile(`${good}\n${good}\n{"images": 6`, options);
    expect(file.layout).toBe('jsonl');
    expect(file.samples).toHaveLength(2);
    expect(file.notes).toEqual(['the last line of summary.json is cut off: it was left out']);
  });
});
