/** `obifaas run`: one batch-inference job, from flags, a config file and environment variables. */
import type { Command } from 'commander';
import { addConfigFlags } from '../config-flags.js';
import type { CommandDefinition } from './index.js';

export interface RunFlags extends Record<string, unknown> {
  config?: string;
  workerConfig?: string;
  json?: boolean;
  /** Finish the job in this folder (`--resume DIR`). */
  resume?: string;
  /** Print the plan instead of running it (`--dry-run`). */
  dryRun?: boolean;
  /** A time estimate for the plan's predicted cost: a simulator profile, or a CPR model file. */
  profile?: string;
  cprModel?: string;
  /** False with `--no-report`: no `report.html` in the job's folder. */
  report?: boolean;
  /** With `--resume`: take the folder's lock even when its holder seems alive. */
  force?: boolean;
  /** With `--resume`: run again a complete job's inputs whose line is a passing error. */
  retryErrors?: boolean;
}

export const runJobCommand: CommandDefinition = (program: Command) => {
  const run = program
    .command('run')
    .description(
      'Run a batch-inference job: classify every input image with an ONNX model, or embed it (--task embed), on many functions.',
    )
    .addHelpText(
      'after',
      [
        '',
        'Settings come from flags, then the config file (--config, YAML or JSON, keys as in the',
        "README's config reference), then OBIFAAS_* environment variables, then defaults.",
        '',
        'Preprocessing (how image bytes become the model input): --preprocess PRESET (imagenet, inception,',
        "clip, caffe, uint8-nhwc) or --preprocess-file F, then the config file's preprocess: section, then",
        "the model's own metadata (obifaas model annotate), then preset imagenet; field by field. A model",
        'whose input does not fit it (layout, channels, dtype, size) is refused before anything starts',
        '(exit 2). obifaas model inspect FILE shows what a job would use; docs/models.md says more.',
        '',
        'Outputs (in --out, a new or empty folder, default ./obifaas-out/<name>-<time>):',
        '  results.jsonl  one line per input, {"key", "top": [{"class", "label"?, "score"}], "error"},',
        '                 written as results arrive; an embed job\'s line has "embedding": {"dims", "row"}',
        '  embeddings.parquet  embed jobs: one row per input with a vector, columns key and vector',
        '                 (list of float32), written when the job ends (docs/tasks.md)',
        '  splits.jsonl   one line per finished split',
        '  job.json       the resolved spec, every invocation and split, and the summary',
        '  job.spec.json  the resolved spec, saved at the start (what --resume reads)',
        '  invocations.jsonl  one line per function invocation started, and one when it ends',
        '  job.lock       held while a job manager writes into the folder (a new job, each --resume)',
        '  workers.log    output of the function processes',
        '  report.html    the job as a page: timeline, progress, time, cost, errors (--no-report: none)',
        '',
        'With --out s3://BUCKET/PREFIX the job works in a local staging folder (--staging, default',
        '$OBIFAAS_HOME/staging/<prefix end>-<digest of the URL>, mode 0700): job.spec.json is uploaded when the',
        'job starts, and every file of the folder (job.json last) when it ends. If the upload fails, the',
        "exit code is 1 and 'obifaas run --resume s3://BUCKET/PREFIX' finishes it without running the job",
        'again; --resume also restores a lost staging folder from the uploaded objects.',
        '',
        'results.jsonl is in input order once the job completes (line i: input i); while it runs, and',
        'after a cancel or a failure that --resume can finish, its lines are in completion order.',
        '`obifaas results DIR --format csv|parquet|jsonl` exports them in input order either way.',
        '',
        '--dry-run prints the plan and runs nothing: the splits, the invocations, the vCPUs and',
        'ONNX Runtime threads of each function, the memory, the predicted cost, the output folder',
        '(not created). The cost needs a time estimate: --profile (a simulator profile, or a shipped',
        "one's name) or --cpr-model (from `obifaas cpr fit`), measured at the functions' memory.",
        'Without --dry-run, the job runs and job.json keeps the prediction (plan.predicted): report.html',
        'sets it against what the job measured.',
        '',
        'Progress goes to stderr: a live line on a terminal; on a pipe or a log (CI), a plain line every',
        '30 s, also with --json (OBIFAAS_PROGRESS_INTERVAL=10s sets the interval, =off turns it off).',
        '',
        'Exit codes: 0 when the job ran (even if some inputs have errors: a line on stderr after the',
        'summary says how many and quotes the most frequent message); 1 when a failure no retry',
        'can fix stopped it (every input still gets a line); 2 for a mistake in the settings or inputs',
        '(nothing ran); 130 when cancelled by Ctrl-C, SIGTERM or SIGHUP (every input still gets a line;',
        'a second one quits at once).',
        '',
        'Examples:',
        '  obifaas run --input ./photos --model resnet50',
        '  obifaas run --input data/manifest.txt --model model.onnx --labels labels.txt --workers 8 --json',
        '  obifaas run --input ./photos --model resnet50 --mode dynamic --workers 50 --speculation',
        '  obifaas run --input ./photos --model resnet50 --read-error-percent 5 --fault-seed 2',
        '  obifaas run --input ./photos --model clip-vit-b32.onnx --preprocess clip --task embed --normalize',
        '  obifaas run --resume ./obifaas-out/photos-20240501-120000',
        '  obifaas run --resume ./obifaas-out/photos-20240501-120000 --retry-errors',
        '  obifaas run --input s3://my-data/photos/ --model resnet50 --out s3://my-results/photos/run-1',
        '  obifaas run --resume s3://my-results/photos/run-1',
        '  obifaas run --input ./photos --model resnet50 --backend lambda --dry-run --profile lambda-resnet50-3008',
      ].join('\n'),
    );
  addConfigFlags(run);
  run
    .option(
      '--worker-config <file>',
      'worker settings from `obifaas optimize` (best-worker.json): memory, batchSize, interOpThreads, intraOpThreads, replicas; flags win over it, it wins over --config',
    )
    .option(
      '--resume <dir|s3-url>',
      'finish the job in DIR (or of --out s3://...) whose job manager stopped (crash, kill): runs only the splits without results, with the settings saved in job.spec.json; for s3://, finishes an upload cut short',
    )
    .option(
      '--force',
      "with --resume: take the job folder's lock (job.lock) even when the process holding it seems alive; only when you know it is gone (a lock taken on another machine, or on a system without process start times); a process this machine sees running is never overridden",
    )
    .option(
      '--retry-errors',
      'with --resume: run again the inputs of a complete job whose line is a passing error (errorKind "passing": storage throttled, a server fault); results.jsonl (and an embed job\'s embeddings.parquet) is rewritten safely, one line per input; a run stopped after its records were swapped is finished by --resume alone',
    )
    .option('--dry-run', 'print the plan (splits, invocations, threads, predicted cost) and run nothing')
    .option(
      '--profile <file|name>',
      "a simulator profile (or a shipped one's name): the plan predicts the cost and latency",
    )
    .option(
      '--cpr-model <file>',
      'a CPR model JSON (obifaas cpr fit): the plan predicts the cost and latency',
    )
    .option('--json', 'print the summary (with --dry-run: the plan) as one JSON object on stdout')
    .option('--no-report', 'do not write report.html into the job folder')
    .action(async (flags: RunFlags) => {
      const { runFromFlags } = await import('./run-action.js');
      await runFromFlags(flags);
    });
};
