/**
 * The one table of job settings a user can give: each has a key in the config file (a dotted
 * path in the job options), and most a command-line flag and an environment variable.
 * Precedence: flags > config file (`--config`) > environment > defaults. The README's config
 * reference is this table (`renderConfigTable()`).
 */

/** How a flag or environment string becomes a value. */
export type ValueKind = 'string' | 'path' | 'int' | 'number' | 'duration' | 'boolean';

export interface ConfigKey {
  /** Dotted path in the job options / config file, e.g. `backend.maxConcurrency`. */
  path: string;
  /** Command-line flag of `obifaas run`, e.g. `--max-concurrency`. */
  flag?: string;
  /** Placeholder of the flag's value in `--help`. */
  valueName: string;
  /** Environment variable, e.g. `OBIFAAS_MAX_CONCURRENCY`. */
  env?: string;
  kind: ValueKind;
  /** The default, in words. */
  defaultText: string;
  description: string;
}

/** Settings of dynamic dispatch, speculation and fault injection. */
const DYNAMIC_KEYS: readonly ConfigKey[] = [
  {
    path: 'maxSplitRetries',
    flag: '--max-split-retries',
    valueName: 'N',
    env: 'OBIFAAS_MAX_SPLIT_RETRIES',
    kind: 'int',
    defaultText: 'maxRetries',
    description: 'dynamic: extra attempts per split (retries after failures, speculative copies)',
  },
  {
    path: 'dispatcher.keepAlive',
    flag: '--keep-alive',
    valueName: 'DURATION',
    env: 'OBIFAAS_KEEP_ALIVE',
    kind: 'duration',
    defaultText: '2s',
    description: 'dynamic: heartbeat interval of the workers',
  },
  {
    path: 'dispatcher.workerTimeout',
    flag: '--worker-timeout',
    valueName: 'DURATION',
    env: 'OBIFAAS_WORKER_TIMEOUT',
    kind: 'duration',
    defaultText: '5 x keepAlive (10s)',
    description: 'dynamic: a worker silent this long is given up and its split retried',
  },
  {
    path: 'dispatcher.host',
    flag: '--dispatcher-host',
    valueName: 'HOST',
    env: 'OBIFAAS_DISPATCHER_HOST',
    kind: 'string',
    defaultText: '127.0.0.1',
    description: 'dynamic: interface the split dispatcher binds (cloud workers need one they can reach)',
  },
  {
    path: 'dispatcher.advertiseHost',
    flag: '--advertise-host',
    valueName: 'HOST',
    env: 'OBIFAAS_ADVERTISE_HOST',
    kind: 'string',
    defaultText: 'dispatcher.host',
    description: 'dynamic: host name or address workers are told to connect to',
  },
  {
    path: 'dispatcher.port',
    flag: '--dispatcher-port',
    valueName: 'PORT',
    env: 'OBIFAAS_DISPATCHER_PORT',
    kind: 'int',
    defaultText: 'any free port',
    description: 'dynamic: port the split dispatcher binds',
  },
  {
    path: 'speculation.enabled',
    flag: '--speculation',
    valueName: 'BOOL',
    env: 'OBIFAAS_SPECULATION',
    kind: 'boolean',
    defaultText: 'false',
    description: 'dynamic: copy splits of straggling workers; the first result wins',
  },
  {
    path: 'speculation.quantile',
    flag: '--speculation-quantile',
    valueName: 'Q',
    env: 'OBIFAAS_SPECULATION_QUANTILE',
    kind: 'number',
    defaultText: '0.75',
    description: 'speculation starts once this share of the splits is done',
  },
  {
    path: 'speculation.multiplier',
    flag: '--speculation-multiplier',
    valueName: 'X',
    env: 'OBIFAAS_SPECULATION_MULTIPLIER',
    kind: 'number',
    defaultText: '2',
    description: 'copy a split running longer than X times the median split',
  },
  {
    path: 'speculation.interval',
    flag: '--speculation-interval',
    valueName: 'DURATION',
    env: 'OBIFAAS_SPECULATION_INTERVAL',
    kind: 'duration',
    defaultText: '500ms',
    description: 'how often stragglers are looked for',
  },
  {
    path: 'speculation.extraWorker',
    valueName: 'BOOL',
    kind: 'boolean',
    defaultText: 'true',
    description: 'invoke one extra worker to run the first copies',
  },
  {
    path: 'faults.failPercent',
    flag: '--fail-percent',
    valueName: 'P',
    env: 'OBIFAAS_FAIL_PERCENT',
    kind: 'number',
    defaultText: '0',
    description: 'experiments: % of workers that raise an error after their first split',
  },
  {
    path: 'faults.delayPercent',
    flag: '--delay-percent',
    valueName: 'P',
    env: 'OBIFAAS_DELAY_PERCENT',
    kind: 'number',
    defaultText: '0',
    description: 'experiments: % of workers that sleep before each split',
  },
  {
    path: 'faults.delayMax',
    flag: '--delay-max',
    valueName: 'DURATION',
    env: 'OBIFAAS_DELAY_MAX',
    kind: 'duration',
    defaultText: '5s',
    description: 'experiments: longest sleep per split (each slow worker draws one up to this)',
  },
  {
    path: 'faults.seed',
    flag: '--fault-seed',
    valueName: 'N',
    env: 'OBIFAAS_FAULT_SEED',
    kind: 'int',
    defaultText: '1',
    description: 'experiments: seed of the choice of faulty workers and delays',
  },
];

export const CONFIG_KEYS: readonly ConfigKey[] = [
  {
    path: 'inputs',
    flag: '--input',
    valueName: 'MANIFEST_OR_DIR',
    env: 'OBIFAAS_INPUTS',
    kind: 'path',
    defaultText: 'required',
    description: 'a manifest file (one key per line) or a folder of images',
  },
  {
    path: 'model',
    flag: '--model',
    valueName: 'FILE_OR_BUILTIN',
    env: 'OBIFAAS_MODEL',
    kind: 'string',
    defaultText: 'required',
    description: "an ONNX model file, or a builtin model: 'resnet50', 'tiny'",
  },
  {
    path: 'labels',
    flag: '--labels',
    valueName: 'FILE',
    env: 'OBIFAAS_LABELS',
    kind: 'path',
    defaultText: 'none',
    description: 'class names, one per line (line i = class i)',
  },
  {
    path: 'name',
    flag: '--name',
    valueName: 'NAME',
    env: 'OBIFAAS_JOB_NAME',
    kind: 'string',
    defaultText: 'from the inputs',
    description: 'job name (names the output folder)',
  },
  {
    path: 'workers',
    flag: '--workers',
    valueName: 'N',
    env: 'OBIFAAS_WORKERS',
    kind: 'int',
    defaultText: 'ceil(inputs / splitSize)',
    description:
      'function invocations (static: one contiguous chunk each; dynamic: workers pulling splits, default min(50, splits, maxConcurrency))',
  },
  {
    path: 'splitSize',
    flag: '--split-size',
    valueName: 'N',
    env: 'OBIFAAS_SPLIT_SIZE',
    kind: 'int',
    defaultText: '32',
    description: 'inputs per split',
  },
  {
    path: 'mode',
    flag: '--mode',
    valueName: 'MODE',
    env: 'OBIFAAS_MODE',
    kind: 'string',
    defaultText: 'static',
    description: 'dispatch mode: static (fixed chunks) or dynamic (workers pull splits)',
  },
  {
    path: 'maxRetries',
    flag: '--max-retries',
    valueName: 'N',
    env: 'OBIFAAS_MAX_RETRIES',
    kind: 'int',
    defaultText: '1',
    description: 'times a failed invocation is tried again',
  },
  ...DYNAMIC_KEYS,
  {
    path: 'backend.type',
    flag: '--backend',
    valueName: 'TYPE',
    env: 'OBIFAAS_BACKEND',
    kind: 'string',
    defaultText: 'local',
    description: 'where functions run: local (child processes), lambda (AWS Lambda) or http (function URLs)',
  },
  {
    path: 'backend.url',
    flag: '--url',
    valueName: 'URLS',
    kind: 'string',
    defaultText: '(required for http)',
    description: 'http backend: function URLs, comma-separated (token: env OBIFAAS_FUNCTION_TOKEN)',
  },
  {
    path: 'backend.region',
    flag: '--region',
    valueName: 'REGION',
    kind: 'string',
    defaultText: 'AWS_REGION / the profile',
    description: 'lambda backend: AWS region of the functions',
  },
  {
    path: 'backend.functionPrefix',
    flag: '--function-prefix',
    valueName: 'PREFIX',
    kind: 'string',
    defaultText: 'obifaas-worker',
    description: 'lambda backend: functions are PREFIX-MEMORY (see obifaas deploy)',
  },
  {
    path: 'backend.endpoint',
    valueName: 'URL',
    kind: 'string',
    defaultText: "AWS's",
    description: 'lambda backend: another endpoint speaking the Lambda API (config file only)',
  },
  {
    path: 'backend.vcpus',
    valueName: 'N',
    kind: 'number',
    defaultText: '1',
    description:
      'http backend: vCPUs of each function; its ONNX Runtime threads follow them (config file only)',
  },
  {
    path: 'backend.maxConcurrency',
    flag: '--max-concurrency',
    valueName: 'N',
    env: 'OBIFAAS_MAX_CONCURRENCY',
    kind: 'int',
    defaultText: 'number of cores',
    description: 'functions running at once',
  },
  {
    path: 'backend.memoryMb',
    flag: '--memory',
    valueName: 'MB',
    env: 'OBIFAAS_MEMORY_MB',
    kind: 'int',
    defaultText: '3008',
    description: 'function memory in MB (lambda: the function PREFIX-MEMORY is invoked; local and http: the price)',
  },
  {
    path: 'backend.timeout',
    flag: '--timeout',
    valueName: 'DURATION',
    env: 'OBIFAAS_TIMEOUT',
    kind: 'duration',
    defaultText: '15m',
    description: "per-invocation timeout: '90s', '15m', or seconds",
  },
  {
    path: 'topK',
    flag: '--top-k',
    valueName: 'N',
    env: 'OBIFAAS_TOP_K',
    kind: 'int',
    defaultText: '5',
    description: 'classes reported per input',
  },
  {
    path: 'pipeline.predict.batchSize',
    flag: '--batch-size',
    valueName: 'N',
    env: 'OBIFAAS_BATCH_SIZE',
    kind: 'int',
    defaultText: '32',
    description: 'images per inference batch',
  },
  {
    path: 'pipeline.predict.intraOpThreads',
    flag: '--intra-op-threads',
    valueName: 'N',
    env: 'OBIFAAS_INTRA_OP_THREADS',
    kind: 'int',
    defaultText: "the function's vCPUs",
    description: 'ONNX Runtime threads per function (see the dry run: obifaas run --dry-run)',
  },
  {
    path: 'pipeline.predict.interOpThreads',
    valueName: 'N',
    kind: 'int',
    defaultText: '1',
    description: 'ONNX Runtime inter-op threads',
  },
  {
    path: 'pipeline.predict.replicas',
    valueName: 'N',
    kind: 'int',
    defaultText: '1',
    description: 'concurrent model sessions per function',
  },
  {
    path: 'pipeline.load.concurrency',
    valueName: 'N',
    kind: 'int',
    defaultText: '32',
    description: 'concurrent reads per function',
  },
  {
    path: 'pipeline.preprocess.concurrency',
    valueName: 'N',
    kind: 'int',
    defaultText: '4',
    description: 'concurrent decodes per function',
  },
  {
    path: 'out',
    flag: '--out',
    valueName: 'DIR',
    env: 'OBIFAAS_OUT',
    kind: 'path',
    defaultText: './obifaas-out/<name>-<time>',
    description: 'output folder (results.jsonl, job.json)',
  },
  {
    path: 'storage',
    valueName: 'OBJECT',
    kind: 'string',
    defaultText: 'from the inputs',
    description: 'where the inputs live: {type: fs, root} (config file only)',
  },
  {
    path: 'prices',
    valueName: 'OBJECT',
    kind: 'string',
    defaultText: 'AWS Lambda x86_64',
    description: 'price overrides: arch, usdPerGbSecond, usdPerRequest (config file only)',
  },
];

/** Environment variable naming the config file (the `--config` flag wins over it). */
export const CONFIG_FILE_ENV = 'OBIFAAS_CONFIG';

/** The commander attribute name of a flag: `--max-concurrency` -> `maxConcurrency`. */
export function flagAttribute(flag: string): string {
  return flag.replace(/^--/, '').replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

/** The config reference as a Markdown table (the README carries it). */
export function renderConfigTable(): string {
  const rows = CONFIG_KEYS.map(
    (k) =>
      `| \`${k.path}\` | ${k.flag ? `\`${k.flag} ${k.valueName}\`` : ''} | ${k.env ? `\`${k.env}\`` : ''} | ${/[<>/]/.test(k.defaultText) ? `\`${k.defaultText}\`` : k.defaultText} | ${k.description} |`,
  );
  return [
    '| Config key | Flag | Environment | Default | Meaning |',
    '| --- | --- | --- | --- | --- |',
    ...rows,
  ].join('\n');
}
