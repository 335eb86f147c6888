import { describe, expect, it } from 'vitest';
import { sampleJobRecord } from '../../../test/support/job-record.js';
import { countMarks } from './job-figures.js';
import { formatSeconds } from '../svg/format.js';
import { jobReportHtml } from './job-html.js';
import { timelineSvg } from './timeline.js';

const count = (text: string, what: string): number => text.split(what).length - 1;

describe('the timeline and the page', () => {
  it('draws one bar per invocation and the marks counted', () => {
    const r = sampleJobRecord();
    const svg = timelineSvg(r);
    expect(count(svg, '<g class="inv ')).toBe(4);
    for (const [kind, n] of Object.entries(countMarks(r)))
      expect(count(svg, `class="mark mark-${kind}"`)).toBe(n);
    // Shaded: the failed, the silent and the lost attempt.
    expect(count(svg, 'class="attempt attempt-')).toBe(3);
  });

  it('is one page that reaches no network, with every value escaped', () => {
    const html = jobReportHtml(sampleJobRecord(), {
      inputErrors: [],
      files: [{ name: 'job.json', bytes: 10 }],
      plots: [],
      generatedAt: 'now',
    });
    expect(html).toContain('Content-Security-Policy');
    // Each figure says what it shows: three of progress, two of where the time went.
    expect(count(html, '<figcaption>')).toBe(5);
    expect(html).toMatch(/script-src 'sha256-[A-Za-z0-9+/=]+'/);
    expect(html.match(/(?:src|href)="(?!#|data:|job\.json)[^"]*"/g)).toBeNull();
    expect(html).not.toMatch(/https?:\/\/(?!www\.w3\.org\/2000\/svg)/);
    expect(html).not.toContain('<b>');
    expect(html).not.toContain('<after>');
    expect(html).toContain('job &quot;&lt;b&gt;&quot;');
    // The embedded data cannot close its script element.
    const data = html.split('<script type="application/json" id="report-data">')[1]!.split('</script>')[0]!;
    expect(data).not.toContain('<');
    expect(JSON.parse(data).invocations).toHaveLength(4);
  });

  it('lists the files of the folder as they were when it was made, and says so', () => {
    const html = jobReportHtml(sampleJobRecord(), {
      inputErrors: [],
      files: [
        { name: 'job.json', bytes: 10 },
        { name: 'results.jsonl', bytes: 2048 },
      ],
      plots: [],
      generatedAt: '2026-05-01T12:00:00.000Z',
    });
    const files = html.split('id="files"')[1]!;
    expect(files).toContain(
      "The folder's files when this report was made (2026-05-01T12:00:00.000Z); <code>obifaas report</code> on the folder lists those written since.",
    );
    expect(files).toMatch(/<a href="job\.json">job\.json<\/a> <span class="muted">10 B<\/span>/);
    expect(files).toMatch(/<a href="results\.jsonl">results\.jsonl<\/a> <span class="muted">2\.0 KB<\/span>/);
  });

  it('reads the record of a cancelled job, whose latency is null', () => {
    const cancelled = sampleJobRecord();
    cancelled.status = 'cancelled';
    cancelled.summary = { ...cancelled.summary, status: 'cancelled', latencySeconds: null };
    const html = jobReportHtml(cancelled, { inputErrors: [], files: [], plots: [], generatedAt: 'now' });
    expect(html).toContain('cancelled');
    // No latency, but how long it ran, said as such.
    const card = /<div class="card" data-field="latencySeconds" data-value="">(.*?)<\/div><\/div>/.exec(
      html,
    )?.[1];
    expect(card).toContain(formatSeconds(cancelled.summary.elapsedSeconds));
    expect(card).toContain('ran (no latency: the job was cancelled)');
  });

  it("says a resumed job's planned workers are its last run's", () => {
    const resumed = sampleJobRecord();
    resumed.summary = { ...resumed.summary, workers: 3, runs: 2, invocationsInEarlierRuns: 1 };
    const html = jobReportHtml(resumed, { inputErrors: [], files: [], plots: [], generatedAt: 'now' });
    expect(html).toContain('3 workers planned by the last of 2 runs');
    expect(html).toContain('planned workers (last run)');
    const once = jobReportHtml(sampleJobRecord(), {
      inputErrors: [],
      files: [],
      plots: [],
      generatedAt: 'now',
    });
    expect(once).toMatch(/\d+ workers planned,/);
    expect(once).not.toContain('(last run)');
  });
});
