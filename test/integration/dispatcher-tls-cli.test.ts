/**
 * A dynamic job run by the CLI over TLS with the user's certificate and key files: the dispatcher
 * serves them, the functions pin the certificate and job.json names both files, and one that
 * expires within a day gets a warning line before the job runs on; a key of another
 * certificate, an expired certificate and a missing file stop the run and a dry run before the
 * job starts (exit 2, naming the setting and the file, no stack); files named in a config file
 * are read relative to its folder, kept absolute, and a resume from another folder finds them.
 */
import { X509Certificate } from 'node:crypto';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selfSignedCertificate } from '../../src/rpc/self-signed-certificate.js';
import { expectEveryInputOnce, readRecord, readResults } from '../support/job-output.js';
import { jobFixture, type JobFixture } from '../support/killed-job.js';
import { obifaas } from '../support/obifaas-cli.js';

let fixture: JobFixture;

beforeAll(async () => {
  fixture = await jobFixture('obifaas-dispatcher-tls-cli-', 12, 5);
});

afterAll(async () => {
  await rm(fixture.dir, { recursive: true, force: true });
});

/** A path in the fixture's folder. */
const at = (name: string): string => path.join(fixture.dir, name);

describe("the CLI with the user's certificate files", () => {
  /** The run's flags; the certificate files as flags, unless a config file names them. */
  const args = (out: string, cert?: string, key?: string): string[] => [
    'run',
    '--input',
    fixture.dataset.manifestPath,
    '--model',
    'tiny',
    '--mode',
    'dynamic',
    '--split-size',
    '4',
    '--workers',
    '2',
    '--max-concurrency',
    '2',
    ...(cert !== undefined && key !== undefined
      ? ['--dispatcher-tls-cert', cert, '--dispatcher-tls-key', key]
      : []),
    '--out',
    out,
    '--json',
  ];
  const cli = (out: string, cert: string, key: string, ...more: string[]) =>
    obifaas([...args(out, cert, key), ...more], { cwd: fixture.dir, env: fixture.env });

  it('serves them and pins the certificate, warning of its expiry within a day; refuses a key of another, an expired certificate, a missing file (exit 2)', async () => {
    // Valid for three more hours: the run warns, once, naming the file and the date.
    const mine = selfSignedCertificate({ hosts: ['127.0.0.1'], validityMs: 3 * 3600_000 });
    const expiry = new Date(new X509Certificate(mine.certPem).validTo).toISOString();
    const theirs = selfSignedCertificate({ hosts: ['127.0.0.1'] });
    const old = selfSignedCertificate({
      hosts: ['127.0.0.1'],
      nowMs: Date.now() - 9 * 86_400_000,
      validityMs: 86_400_000,
    });
    const files: Record<string, string> = {
      'mine.pem': mine.certPem,
      'mine.key': mine.keyPem,
      'theirs.key': theirs.keyPem,
      'old.pem': old.certPem,
      'old.key': old.keyPem,
    };
    for (const [name, text] of Object.entries(files)) await writeFile(at(name), text);

    const out = at('cli-files');
    const run = await cli(out, 'mine.pem', 'mine.key');
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).not.toMatch(/clear text/);
    const warnings = run.stderr.split('\n').filter((line) => line.includes('expires on'));
    expect(warnings).toEqual([
      expect.stringMatching(
        new RegExp(
          `^obifaas: warning: the certificate file ${at('mine.pem')} \\(dispatcher.tlsCert\\) expires on ${expiry}, in [23] h: `,
        ),
      ),
    ]);
    expectEveryInputOnce(await readResults(out), fixture.dataset.keys);
    const record = await readRecord(out);
    expect(record.dispatcher?.tls).toEqual({ enabled: true, source: 'files', sha256: mine.sha256 });
    expect(record.spec.dispatch).toMatchObject({
      tls: { mode: 'files', certFile: at('mine.pem'), keyFile: at('mine.key') },
    });

    for (const [cert, key, message] of [
      [
        'mine.pem',
        'theirs.key',
        `dispatcher.tlsKey: the key file ${at('theirs.key')} is not the key of the certificate in ${at('mine.pem')}`,
      ],
      ['old.pem', 'old.key', `dispatcher.tlsCert: the certificate file ${at('old.pem')} expired on `],
      ['none.pem', 'mine.key', `dispatcher.tlsCert: the certificate file ${at('none.pem')} does not exist`],
    ] as const) {
      const refused = await cli(at(`cli-${cert}-${key}`), cert, key);
      expect(refused.code, refused.stderr).toBe(2);
      expect(refused.stderr).toContain(message);
      expect(refused.stderr).not.toMatch(/\n\s+at /);
    }
    // A dry run reads and checks them as a run does.
    const dry = await cli(at('cli-dry'), 'mine.pem', 'theirs.key', '--dry-run');
    expect(dry.code, dry.stderr).toBe(2);
    expect(dry.stderr).toContain(`is not the key of the certificate in ${at('mine.pem')}`);
    expect((await cli(at('cli-dry'), 'mine.pem', 'mine.key', '--dry-run')).code).toBe(0);
  });
  it("reads a config file's certificate paths from its folder, keeps them absolute, and resumes from another folder", async () => {
    const conf = at('conf');
    const elsewhere = at('elsewhere');
    await mkdir(path.join(conf, 'tls'), { recursive: true });
    await mkdir(elsewhere);
    const mine = selfSignedCertificate({ hosts: ['127.0.0.1'] });
    await writeFile(path.join(conf, 'tls', 'c.pem'), mine.certPem);
    await writeFile(path.join(conf, 'tls', 'c.key'), mine.keyPem);
    await writeFile(path.join(conf, 'job.yaml'), 'dispatcher:\n  tlsCert: tls/c.pem\n  tlsKey: tls/c.key\n');
    const out = at('cli-config');
    const started = await obifaas([...args(out), '--config', 'conf/job.yaml'], {
      cwd: fixture.dir,
      env: fixture.env,
    });
    expect(started.code, started.stderr).toBe(0);
    expect(started.stderr).not.toMatch(/expires on/);
    const files = { certFile: path.join(conf, 'tls', 'c.pem'), keyFile: path.join(conf, 'tls', 'c.key') };
    expect((await readRecord(out)).spec.dispatch).toMatchObject({ tls: { mode: 'files', ...files } });
    // The last split as if the job manager stopped before it: --resume from another folder runs it.
    // A completed job's results are in input order, its split log in the order splits ended: the
    // log is put in input order too (split ids count up through the inputs) before its last line goes.
    const splits = path.join(out, 'splits.jsonl');
    const lines = (await readFile(splits, 'utf8')).trimEnd().split('\n');
    const splitNumber = (line: string): number => Number((JSON.parse(line) as { splitId: string }).splitId);
    lines.sort((a, b) => splitNumber(a) - splitNumber(b));
    await writeFile(splits, `${lines.slice(0, -1).join('\n')}\n`);
    const resumed = await obifaas(['run', '--resume', out, '--json'], { cwd: elsewhere, env: fixture.env });
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(JSON.parse(resumed.stdout)).toMatchObject({ status: 'completed', resumed: true });
    expectEveryInputOnce(await readResults(out), fixture.dataset.keys);
    const record = await readRecord(out);
    expect(record.runs).toHaveLength(2);
    expect(record.dispatcher?.tls).toEqual({ enabled: true, source: 'files', sha256: mine.sha256 });
  });
});
