/**
 * `obifaas deploy`: one Lambda function per memory size, `<prefix>-<memory>`, created or updated
 * from the function package. Every check happens before any upload: settings, the package's
 * unzipped size (refused over Lambda's limit), the zipped size (over the direct-upload limit it
 * goes through S3, which needs a bucket), and a role for functions that do not exist yet. Then
 * the code and configuration are applied and each function is awaited until it is active.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  CreateFunctionCommand,
  GetFunctionCommand,
  UpdateFunctionCodeCommand,
  UpdateFunctionConfigurationCommand,
  waitUntilFunctionActiveV2,
  waitUntilFunctionUpdatedV2,
  type FunctionCode,
  type LambdaClient,
  type Runtime,
} from '@aws-sdk/client-lambda';
import { createLambdaClient, functionNameFor } from '../backends/lambda/lambda-client.js';
import { UserError } from '../errors.js';
import { buildFunctionPackage, PACKAGE_HANDLER } from '../package/build-package.js';
import { checkUnzippedSize, formatMb, LAMBDA_LIMITS } from '../package/limits.js';
import { readZipInfo } from '../package/zip-info.js';
import { lambdaUserError } from './functions.js';
import { checkDeploySettings, type DeploySettings } from './settings.js';
import { stuckAfterToEnv } from '../protocol/stuck-wait.js';

/** What deploy did to one function. */
export interface DeployedFunction {
  function: string;
  memoryMb: number;
  action: 'created' | 'updated';
  state: string;
  codeSha256?: string;
}

export interface DeployReport {
  package: { file: string; zipBytes: number; unzippedBytes: number; upload: 'direct' | 's3'; s3Uri?: string };
  functions: DeployedFunction[];
}

export interface DeployDeps {
  client?: LambdaClient;
  /** Progress lines (default: none). */
  log?: (line: string) => void;
}

/** The package to deploy: the given zip, or one built now into a temporary folder. */
async function preparePackage(
  s: DeploySettings,
  log: (line: string) => void,
): Promise<{ file: string; temp?: string }> {
  if (s.zipFile) return { file: path.resolve(s.zipFile) };
  const temp = await fs.mkdtemp(path.join(os.tmpdir(), 'obifaas-deploy-'));
  log(`building the ${s.arch} package`);
  const report = await buildFunctionPackage({
    arch: s.arch,
    out: path.join(temp, `obifaas-${s.arch}.zip`),
    ...(s.limits ? { limits: s.limits } : {}),
    ...(s.platformPackages ? { platformPackages: s.platformPackages } : {}),
  });
  return { file: report.file, temp };
}

async function exists(client: LambdaClient, name: string, s: DeploySettings): Promise<boolean> {
  try {
    await client.send(new GetFunctionCommand({ FunctionName: name }));
    return true;
  } catch (err) {
    if ((err as { name?: string }).name === 'ResourceNotFoundException') return false;
    throw lambdaUserError(err, 'GetFunction', s, name);
  }
}

async function uploadToS3(s: DeploySettings, bytes: Buffer): Promise<{ bucket: string; key: string }> {
  const bucket = s.bucket!;
  const sha = createHash('sha256').update(bytes).digest('hex').slice(0, 16);
  const key = `${s.bucketPrefix}${s.prefix}-${s.arch}-${sha}.zip`;
  const { openS3Store } = await import('../storage/s3/s3-store.js');
  const store = await openS3Store({
    type: 's3',
    bucket,
    ...(s.region ? { region: s.region } : {}),
    ...(s.s3Endpoint ? { endpoint: s.s3Endpoint } : {}),
  });
  try {
    await store.put(key, bytes);
  } catch (err) {
    throw new UserError(`uploading the package to s3://${bucket}/${key} failed: ${(err as Error).message}`, {
      cause: err,
    });
  } finally {
    await store.close();
  }
  return { bucket, key };
}

function configuration(s: DeploySettings, memoryMb: number) {
  return {
    Runtime: s.runtime as Runtime,
    Handler: PACKAGE_HANDLER,
    MemorySize: memoryMb,
    Timeout: s.timeoutS,
    EphemeralStorage: { Size: s.ephemeralStorageMb },
    Environment: {
      Variables: {
        OBIFAAS_MODEL_CACHE: '/tmp/obifaas-models',
        ...s.environment,
        ...stuckAfterToEnv(s.stuckAfterMs),
      },
    },
    ...(s.role ? { Role: s.role } : {}),
    ...(s.subnets?.length
      ? { VpcConfig: { SubnetIds: s.subnets, SecurityGroupIds: s.securityGroups ?? [] } }
      : {}),
  };
}

async function deployOne(
  client: LambdaClient,
  s: DeploySettings,
  memoryMb: number,
  existing: boolean,
  code: FunctionCode,
): Promise<DeployedFunction> {
  const name = functionNameFor(s.prefix, memoryMb);
  const waiter = { client, maxWaitTime: s.waitS, minDelay: 1, maxDelay: 5 };
  let step = existing ? 'UpdateFunctionCode' : 'CreateFunction';
  try {
    if (!existing) {
      await client.send(
        new CreateFunctionCommand({
          FunctionName: name,
          ...configuration(s, memoryMb),
          Role: s.role!,
          Code: code,
          Architectures: [s.arch],
          PackageType: 'Zip',
          Description: `Obi-FaaS worker, ${memoryMb} MB`,
        }),
      );
      step = 'waiting for the function to become active';
      const done = await waitUntilFunctionActiveV2(waiter, { FunctionName: name });
      const config = (done.reason as { Configuration?: { State?: string; CodeSha256?: string } } | undefined)
        ?.Configuration;
      return {
        function: name,
        memoryMb,
        action: 'created',
        state: config?.State ?? 'Active',
        ...(config?.CodeSha256 ? { codeSha256: config.CodeSha256 } : {}),
      };
    }
    step = 'waiting for an earlier update to finish';
    await waitUntilFunctionUpdatedV2(waiter, { FunctionName: name });
    step = 'UpdateFunctionCode';
    const updated = await client.send(
      new UpdateFunctionCodeCommand({ FunctionName: name, ...code, Architectures: [s.arch] }),
    );
    step = 'waiting for the code update';
    await waitUntilFunctionUpdatedV2(waiter, { FunctionName: name });
    step = 'UpdateFunctionConfiguration';
    await client.send(
      new UpdateFunctionConfigurationCommand({ FunctionName: name, ...configuration(s, memoryMb) }),
    );
    step = 'waiting for the configuration update';
    await waitUntilFunctionUpdatedV2(waiter, { FunctionName: name });
    return {
      function: name,
      memoryMb,
      action: 'updated',
      state: 'Active',
      ...(updated.CodeSha256 ? { codeSha256: updated.CodeSha256 } : {}),
    };
  } catch (err) {
    if (step.startsWith('waiting')) {
      const reason = (
        err as {
          result?: { reason?: { Configuration?: { StateReason?: string; LastUpdateStatusReason?: string } } };
        }
      ).result?.reason?.Configuration;
      const why =
        reason?.StateReason ?? reason?.LastUpdateStatusReason ?? (err as Error).message?.split('\n')[0];
      throw new UserError(`function ${name}: ${step} failed${why ? `: ${why}` : ''}`, { cause: err });
    }
    throw lambdaUserError(err, step, s, name);
  }
}

/** Deploys the functions; throws `UserError` (before any upload when a check fails). */
export async function deployFunctions(s: DeploySettings, deps: DeployDeps = {}): Promise<DeployReport> {
  checkDeploySettings(s);
  const log = deps.log ?? (() => undefined);
  const limits = { ...LAMBDA_LIMITS, ...s.limits };
  const pkg = await preparePackage(s, log);
  const client =
    deps.client ??
    createLambdaClient({
      ...(s.region ? { region: s.region } : {}),
      ...(s.endpoint ? { endpoint: s.endpoint } : {}),
      maxAttempts: 5,
    });
  try {
    const info = await readZipInfo(pkg.file);
    checkUnzippedSize(info.unzippedBytes, limits);
    const viaS3 = info.zipBytes > limits.directUploadZipBytes;
    if (viaS3 && !s.bucket) {
      throw new UserError(
        `the package is ${formatMb(info.zipBytes)} zipped, over Lambda's ${formatMb(limits.directUploadZipBytes)} direct-upload limit: ` +
          "give --bucket BUCKET (in the functions' region) to upload it through S3; nothing was uploaded",
      );
    }
    const names = s.memorySizes.map((m) => functionNameFor(s.prefix, m));
    const present = await Promise.all(names.map((n) => exists(client, n, s)));
    const toCreate = names.filter((_, i) => !present[i]);
    if (toCreate.length > 0 && !s.role) {
      throw new UserError(
        `--role is required to create ${toCreate.join(', ')}: give the ARN of an IAM role that Lambda can assume ` +
          '(arn:aws:iam::ACCOUNT:role/NAME, with AWSLambdaBasicExecutionRole and read access to your bucket)',
      );
    }
    const bytes = await fs.readFile(pkg.file);
    let code: FunctionCode;
    let s3Uri: string | undefined;
    if (viaS3) {
      log(`uploading ${formatMb(info.zipBytes)} to s3://${s.bucket}`);
      const { bucket, key } = await uploadToS3(s, bytes);
      code = { S3Bucket: bucket, S3Key: key };
      s3Uri = `s3://${bucket}/${key}`;
    } else {
      code = { ZipFile: bytes };
    }
    const settled = await Promise.allSettled(
      s.memorySizes.map((m, i) => {
        log(`${present[i] ? 'updating' : 'creating'} ${names[i]}`);
        return deployOne(client, s, m, present[i]!, code);
      }),
    );
    const failures = settled.flatMap((r) => (r.status === 'rejected' ? [(r.reason as Error).message] : []));
    if (failures.length > 0) throw new UserError(failures.join('; '));
    return {
      package: {
        file: pkg.file,
        zipBytes: info.zipBytes,
        unzippedBytes: info.unzippedBytes,
        upload: viaS3 ? 's3' : 'direct',
        ...(s3Uri ? { s3Uri } : {}),
      },
      functions: settled.map((r) => (r as PromiseFulfilledResult<DeployedFunction>).value),
    };
  } finally {
    if (!deps.client) client.destroy();
    if (pkg.temp) await fs.rm(pkg.temp, { recursive: true, force: true });
  }
}
