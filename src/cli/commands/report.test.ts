/**
 * `obifaas report` on a folder that holds plots but no job or day (what `cpr fit` and
 * `optimize` write), and on folders it cannot report, through the CLI's `main()`.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureCli as run } from '../../../test/support/capture-cli.js';
import { expectRefusal } from '../../../test/support/cli-refusal.js';

const REFERENCE = new URL('../../../test/data/reference-summary.json', import.meta.url).pathname;

let dir: string;
beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'obifaas-report-'));
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

/** The SVG images embedded in a page, by their alt text, decoded. */
function embeddedSvgs(html: string): Map<string, string> {
  const found = new Map<string, string>();
  for (const m of html.matchAll(/<img alt="([^"]*)" src="data:image\/svg\+xml;base64,([A-Za-z0-9+/=]+)">/g))
    found.set(m[1]!, Buffer.from(m[2]!, 'base64').toString('utf8'));
  return found;
}

describe('obifaas report on a folder of plots', () => {
  it("puts a cpr fit folder's plot into one page, with links to the folder's files", async () => {
    const folder = path.join(dir, 'cpr');
    await fs.mkdir(folder);
    await fs.copyFile(REFERENCE, path.join(folder, 'summary.json'));
    const fit = await run('cpr', 'fit', folder, '--json');
    expect(fit.code, fit.stderr).toBe(0);

    const written = await run('report', folder, '--json');
    expect(written.code, written.stderr).toBe(0);
    const file = path.join(folder, 'report.html');
    expect(JSON.parse(written.stdout)).toMatchObject({ kind: 'plots', dir: folder, file });

    const html = await fs.readFile(file, 'utf8');
    const svgs = embeddedSvgs(html);
    expect([...svgs.keys()]).toEqual(['cpr-fit.svg']);
    expect(svgs.get('cpr-fit.svg')).toBe(await fs.readFile(path.join(folder, 'cpr-fit.svg'), 'utf8'));
    for (const name of ['cpr-fit.svg', 'cpr-model.json', 'summary.json'])
      expect(html).toContain(`<a href="${name}">${name}</a>`);
    // Self-contained: nothing is fetched, from the network or elsewhere.
    expect(
      html.match(/(?:src|href)="(?!#|data:|cpr-fit\.svg|cpr-model\.json|summary\.json)[^"]*"/g),
    ).toBeNull();
    expect(html).not.toMatch(/https?:\/\/(?!www\.w3\.org\/2000\/svg)/);

    // A second report replaces the first and does not list it among the files.
    const again = await run('report', folder, '--out', path.join(dir, 'cpr.html'));
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/^wrote .*cpr\.html \(\d+ KB, plots report\)$/m);
    expect(await fs.readFile(path.join(dir, 'cpr.html'), 'utf8')).not.toContain('report.html');
  });

  it('refuses a folder with nothing to report, a file, a missing folder, and --compare on plots', async () => {
    const empty = path.join(dir, 'empty');
    await fs.mkdir(empty);
    await fs.writeFile(path.join(empty, 'notes.txt'), 'no plots here');
    expectRefusal(
      await run('report', empty),
      /'.*empty' holds no job\.json \(a job\), day\.json \(a replay or simulation\) or SVG plots; nothing to report/,
    );
    expectRefusal(
      await run('report', path.join(empty, 'notes.txt')),
      /notes\.txt' is a file; give the folder/,
    );
    expectRefusal(await run('report', path.join(dir, 'nowhere')), /nowhere' does not exist/);
    expectRefusal(
      await run('report', path.join(dir, 'cpr'), '--compare', empty),
      /--compare compares two jobs \(job\.json\) or two days \(day\.json\); '.*cpr' is a folder of plots/,
    );
    await expect(fs.stat(path.join(empty, 'report.html'))).rejects.toThrow();
  });

  it('refuses an s3:// job or --compare location, saying how to copy it to this machine', async () => {
    expectRefusal(
      await run('report', 's3://results/nightly/2026-12-06'),
      /^obifaas: report: s3:\/\/results\/nightly\/2026-12-06 is in object storage, and this command reads a folder on this machine: copy it here first \(`aws s3 cp --recursive s3:\/\/results\/nightly\/2026-12-06 \.\/2026-12-06`\) and give that folder$/,
    );
    expectRefusal(
      await run('report', path.join(dir, 'cpr'), '--compare', 's3://results/nightly/2026-12-05'),
      /^obifaas: --compare: s3:\/\/results\/nightly\/2026-12-05 is in object storage/,
    );
  });
});
