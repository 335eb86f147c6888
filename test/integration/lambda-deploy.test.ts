/**
 * `obifaas deploy`, `ping` and `undeploy` (the real CLI, as installed) against the local Lambda
 * REST server: create, update, the checks made before any upload (role, VPC flags, size limits),
 * the S3 path for a package over the direct-upload limit (through s3rver), and clear one-line
 * errors for rejected credentials. Functions created through the API run our real handler.
 */
import { createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import yazl from 'yazl';
import { UpdateFunctionConfigurationCommand } from '@aws-sdk/client-lambda';
import { createLambdaClient } from '../../src/backends/lambda/lambda-client.js';
import { deployFunctions } from '../../src/deploy/deploy.js';
import { DEFAULT_BUCKET_PREFIX, type DeploySettings } from '../../src/deploy/settings.js';
import { DEFAULT_STUCK_AFTER_MS } from '../../src/protocol/stuck-wait.js';
import { runCli, type CliRun } from '../support/run-cli.js';
import {
  startLambdaServer,
  useLambdaTestCredentials,
  type LambdaServerHandle,
} from '../support/lambda-server.js';
import { S3RVER_ACCESS_KEY_ID, startS3rver, type S3rverHandle } from '../support/s3rver.js';

const ROLE = 'arn:aws:iam::123456789012:role/obifaas-worker';
let dir: string;
let zip: string;
let server: LambdaServerHandle;
let s3: S3rverHandle;
let restoreEnv: () => void;

const cli = (args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliRun> => runCli(args, env);

const at = (): string[] => ['--endpoint', server.endpoint, '--region', 'us-east-1'];
const operations = (since: number): string[] => server.requests.slice(since).map((r) => r.operation);

beforeAll(async () => {
  // One access key for both servers: s3rver only knows its own.
  restoreEnv = useLambdaTestCredentials(S3RVER_ACCESS_KEY_ID);
  process.env.AWS_SECRET_ACCESS_KEY = 'S3RVER';
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'obifaas-deploy-'));
  zip = path.join(dir, 'small.zip');
  const z = new yazl.ZipFile();
  z.addBuffer(Buffer.from('export const handler = async () => ({});\n'), 'index.mjs');
  z.addBuffer(Buffer.alloc(4096, 1), 'filler.bin');
  z.end();
  await pipeline(z.outputStream, createWriteStream(zip));
  server = await startLambdaServer({ accessKeyId: S3RVER_ACCESS_KEY_ID, pendingPolls: 1 });
  s3 = await startS3rver({ buckets: ['deploy-bucket'] });
});
afterAll(async () => {
  await server?.stop();
  await s3?.stop();
  restoreEnv?.();
  if (dir) await fs.rm(dir, { recursive: true, force: true });
});

describe('deploy, ping, undeploy', () => {
  it('creates one function per memory size with the requested configuration, and waits until active', async () => {
    const run = await cli([
      'deploy',
      '--memory',
      '1769,3008',
      '--zip',
      zip,
      '--role',
      ROLE,
      '--timeout',
      '600',
      '--vpc-subnets',
      'subnet-a,subnet-b',
      '--vpc-security-groups',
      'sg-1',
      '--env',
      'LOG_LEVEL=debug',
      ...at(),
      '--json',
    ]);
    expect(run.code, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout) as {
      functions: Array<{ function: string; action: string; state: string }>;
      package: { upload: string };
    };
    expect(report.package.upload).toBe('direct');
    expect(report.functions).toEqual([
      expect.objectContaining({ function: 'obifaas-worker-1769', action: 'created', state: 'Active' }),
      expect.objectContaining({ function: 'obifaas-worker-3008', action: 'created', state: 'Active' }),
    ]);
    const config = server.functions.get('obifaas-worker-3008')!.config;
    expect(config).toMatchObject({
      Runtime: 'nodejs22.x',
      Handler: 'index.handler',
      Role: ROLE,
      MemorySize: 3008,
      Timeout: 600,
      EphemeralStorage: { Size: 2048 },
      Architectures: ['x86_64'],
      VpcConfig: { SubnetIds: ['subnet-a', 'subnet-b'], SecurityGroupIds: ['sg-1'] },
      Environment: {
        Variables: {
          OBIFAAS_MODEL_CACHE: '/tmp/obifaas-models',
          LOG_LEVEL: 'debug',
          OBIFAAS_FUNCTION_STUCK_AFTER: '10000ms',
        },
      },
      State: 'Active',
    });
    // Looked up (absent), then polled while Pending and again once Active.
    const gets = server.requests.filter(
      (r) => r.operation === 'GetFunction' && r.functionName === 'obifaas-worker-3008',
    );
    expect(gets.map((r) => r.status)).toEqual([404, 200, 200]);
  });

  it('updates existing functions: code, then configuration, each awaited', async () => {
    const since = server.requests.length;
    const run = await cli(['deploy', '--memory', '3008', '--zip', zip, '--timeout', '120', ...at()]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/obifaas-worker-3008\s+3008 MB\s+updated\s+Active/);
    const ops = operations(since).filter((o) => o !== 'GetFunction');
    expect(ops).toEqual(['UpdateFunctionCode', 'UpdateFunctionConfiguration']);
    expect(server.functions.get('obifaas-worker-3008')!.config).toMatchObject({
      Timeout: 120,
      LastUpdateStatus: 'Successful',
    });
  });

  it('pings every deployed function: cold then warm, with init time', async () => {
    const first = await cli(['ping', ...at(), '--json']);
    expect(first.code, first.stderr).toBe(0);
    const rows = (JSON.parse(first.stdout) as { functions: Array<Record<string, unknown>> }).functions;
    expect(rows.map((r) => r.function)).toEqual(['obifaas-worker-1769', 'obifaas-worker-3008']);
    for (const r of rows) {
      expect(r).toMatchObject({ ok: true, cold: true, node: process.version });
      expect(r.initMs).toBeGreaterThan(0);
    }
    const second = await cli(['ping', '--memory', '3008', ...at()]);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout).toMatch(/^function\s+memory\s+start\s+init\s+duration/);
    expect(second.stdout).toMatch(/obifaas-worker-3008\s+3008 MB\s+warm\s+-\s+[\d.]+ ms/);
  });

  it("fixes the functions' stuck wait (--stuck-after), checked against its bounds and the timeout", async () => {
    const run = await cli(['deploy', '--memory', '3008', '--zip', zip, '--stuck-after', '2.5s', ...at()]);
    expect(run.code, run.stderr).toBe(0);
    const variables = () => server.functions.get('obifaas-worker-3008')!.config.Environment?.Variables;
    expect(variables()).toMatchObject({ OBIFAAS_FUNCTION_STUCK_AFTER: '2500ms' });
    // The config file's backend.deploy.stuckAfter, unless the flag says otherwise.
    const config = path.join(dir, 'stuck.yaml');
    await fs.writeFile(config, 'backend:\n  type: lambda\n  deploy:\n    stuckAfter: 3s\n');
    const fromConfig = await cli(['deploy', '--memory', '3008', '--zip', zip, '--config', config, ...at()]);
    expect(fromConfig.code, fromConfig.stderr).toBe(0);
    expect(variables()).toMatchObject({ OBIFAAS_FUNCTION_STUCK_AFTER: '3000ms' });
    const overConfig = await cli([
      'deploy',
      '--memory',
      '3008',
      '--zip',
      zip,
      '--config',
      config,
      '--stuck-after',
      '4s',
      ...at(),
    ]);
    expect(overConfig.code, overConfig.stderr).toBe(0);
    expect(variables()).toMatchObject({ OBIFAAS_FUNCTION_STUCK_AFTER: '4000ms' });
    await fs.writeFile(config, 'backend:\n  type: lambda\n  deploy:\n    stuckAfter: 100ms\n');
    const badConfig = await cli(['deploy', '--memory', '3008', '--zip', zip, '--config', config, ...at()]);
    expect(badConfig.code).toBe(2);
    expect(badConfig.stderr).toContain(
      'backend.deploy.stuckAfter: expected a wait from 1s to 15m, got 100ms',
    );
    const since = server.requests.length;
    const refused = await cli([
      'deploy',
      '--memory',
      '3008',
      '--zip',
      zip,
      '--stuck-after',
      '2m',
      '--timeout',
      '60',
      '--env',
      'OBIFAAS_FUNCTION_STUCK_AFTER=1s',
      ...at(),
    ]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('--stuck-after: 120s is not shorter than the function timeout (60s)');
    expect(refused.stderr).toContain('--env: OBIFAAS_FUNCTION_STUCK_AFTER is set by --stuck-after');
    for (const [value, shown] of [
      ['500ms', '500ms'],
      ['16m', '960000ms'],
    ]) {
      const out = await cli(['deploy', '--memory', '3008', '--zip', zip, '--stuck-after', value!, ...at()]);
      expect(out.code).toBe(2);
      expect(out.stderr.trim()).toBe(`obifaas: --stuck-after: expected a wait from 1s to 15m, got ${shown}`);
    }
    expect(operations(since)).toEqual([]);
  });

  it("fails the function's init with a bad stuck wait in its configuration, naming the variable", async () => {
    const client = createLambdaClient({ endpoint: server.endpoint, region: 'us-east-1', maxAttempts: 1 });
    try {
      await client.send(
        new UpdateFunctionConfigurationCommand({
          FunctionName: 'obifaas-worker-1769',
          Environment: { Variables: { OBIFAAS_FUNCTION_STUCK_AFTER: 'soon' } },
        }),
      );
    } finally {
      client.destroy();
    }
    const run = await cli(['ping', '--memory', '1769', ...at(), '--json']);
    const rows = (JSON.parse(run.stdout) as { functions: Array<{ ok: boolean; error?: string }> }).functions;
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ ok: false });
    expect(rows[0]!.error).toMatch(
      /the function's deployment settings: OBIFAAS_FUNCTION_STUCK_AFTER: expected a duration such as .*, got 'soon'/,
    );
  });

  it('refuses to create a function without --role, before uploading anything', async () => {
    const since = server.requests.length;
    const run = await cli(['deploy', '--memory', '7076', '--zip', zip, ...at()]);
    expect(run.code).toBe(2);
    expect(run.stderr.trim()).toMatch(
      /^obifaas: --role is required to create obifaas-worker-7076: give the ARN of an IAM role/,
    );
    expect(operations(since)).not.toContain('CreateFunction');
  });

  it('checks the VPC flags, memory sizes and package flags before anything else', async () => {
    const run = await cli([
      'deploy',
      '--memory',
      '3008,99999',
      '--zip',
      zip,
      '--platform-packages',
      '/nowhere',
      '--vpc-subnets',
      'subnet-a',
      ...at(),
    ]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--memory: 99999 is not an integer from 128 to 10240 MB');
    expect(run.stderr).toContain('--vpc-subnets and --vpc-security-groups go together');
    expect(run.stderr).toContain(
      '--platform-packages: applies to the package built now, not to a --zip package',
    );
  });

  it('says the credentials were rejected in one line, without a stack', async () => {
    const run = await cli(['undeploy', ...at()], { AWS_ACCESS_KEY_ID: 'AKIAWRONG' });
    expect(run.code).toBe(2);
    expect(run.stderr.trim()).toMatch(
      /^obifaas: AWS rejected the credentials for ListFunctions on Lambda at http:\/\/127\.0\.0\.1:\d+ \(UnrecognizedClientException\)/,
    );
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).not.toContain('AKIAWRONG');
  });

  it('deletes the functions, listing and deleting through one client', async () => {
    const since = server.requests.length;
    const run = await cli(['undeploy', ...at(), '--json']);
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({
      functions: [
        { function: 'obifaas-worker-1769', memoryMb: 1769, result: 'deleted' },
        { function: 'obifaas-worker-3008', memoryMb: 3008, result: 'deleted' },
      ],
    });
    expect(server.functions.size).toBe(0);
    expect(operations(since)).toEqual(['ListFunctions', 'DeleteFunction', 'DeleteFunction']);
    // One client keeps one connection alive from the listing to the last deletion.
    expect(new Set(server.requests.slice(since).map((r) => r.connection)).size).toBe(1);
    const ping = await cli(['ping', ...at()]);
    expect(ping.code).toBe(2);
    expect(ping.stderr).toMatch(
      /no functions named obifaas-worker-<memory> found: run 'obifaas deploy' first/,
    );
  });
});

describe('package size limits at deploy', () => {
  const settings = (extra: Partial<DeploySettings>): DeploySettings => ({
    prefix: 'sized',
    region: 'us-east-1',
    endpoint: server.endpoint,
    memorySizes: [1769],
    arch: 'x86_64',
    role: ROLE,
    bucketPrefix: DEFAULT_BUCKET_PREFIX,
    timeoutS: 900,
    ephemeralStorageMb: 2048,
    runtime: 'nodejs22.x',
    stuckAfterMs: DEFAULT_STUCK_AFTER_MS,
    environment: {},
    zipFile: zip,
    waitS: 30,
    ...extra,
  });

  it('refuses a package over the unzipped limit before any call', async () => {
    const since = server.requests.length;
    await expect(deployFunctions(settings({ limits: { unzippedBytes: 1_000 } }))).rejects.toThrow(
      /^the package unpacks to 0\.0 MB, over Lambda's 0\.0 MB limit for unzipped code: nothing was uploaded/,
    );
    expect(server.requests.length).toBe(since);
  });

  it('refuses a package over the direct-upload limit without a bucket', async () => {
    const since = server.requests.length;
    await expect(deployFunctions(settings({ limits: { directUploadZipBytes: 100 } }))).rejects.toThrow(
      /over Lambda's 0\.0 MB direct-upload limit: give --bucket BUCKET .* nothing was uploaded/,
    );
    expect(operations(since)).toEqual([]);
  });

  it('uploads a package over the direct-upload limit through S3 and deploys it from there', async () => {
    const report = await deployFunctions(
      settings({ limits: { directUploadZipBytes: 100 }, bucket: 'deploy-bucket', s3Endpoint: s3.endpoint }),
    );
    expect(report.package.upload).toBe('s3');
    expect(report.package.s3Uri).toMatch(
      /^s3:\/\/deploy-bucket\/obifaas\/packages\/sized-x86_64-[0-9a-f]{16}\.zip$/,
    );
    const key = report.package.s3Uri!.slice('s3://deploy-bucket/'.length);
    expect(server.functions.get('sized-1769')?.code).toEqual({ s3Bucket: 'deploy-bucket', s3Key: key });
    const stored = await fs.readdir(
      path.join(s3.directory, 'deploy-bucket', ...path.dirname(key).split('/')),
    );
    expect(stored.some((f) => f.startsWith(path.basename(key)))).toBe(true);
  });
});
