/**
 * Starts an s3rver (S3-protocol server) in a child process on 127.0.0.1, on an ephemeral port
 * and a temporary data directory, for integration tests. s3rver accepts the access key id
 * `S3RVER` (its secret is `S3RVER`); `useS3rverCredentials()` puts them in the environment so
 * that the SDK's default credential chain finds them.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { moduleEntry } from '../../src/util/module-entry.js';
import { useAwsTestCredentials } from './aws-env.js';

/** A running s3rver. */
export interface S3rverHandle {
  /** `http://127.0.0.1:PORT` */
  endpoint: string;
  port: number;
  /** Where s3rver keeps its buckets. */
  directory: string;
  /** Stops the process and removes its data directory. */
  stop(): Promise<void>;
}

export const S3RVER_ACCESS_KEY_ID = 'S3RVER';
export const S3RVER_SECRET_ACCESS_KEY = 'S3RVER';

const START_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 5_000;

/** Sets the AWS credential environment variables to s3rver's; returns a function that restores them. */
export function useS3rverCredentials(): () => void {
  return useAwsTestCredentials(S3RVER_ACCESS_KEY_ID, S3RVER_SECRET_ACCESS_KEY);
}

/** Starts s3rver with the given buckets already created; resolves once it accepts requests. */
export async function startS3rver(options: { buckets?: string[] } = {}): Promise<S3rverHandle> {
  const directory = await mkdtemp(path.join(os.tmpdir(), 'obifaas-s3rver-'));
  const entry = moduleEntry(import.meta.url, './s3rver-process');
  const child = spawn(
    process.execPath,
    [...entry.execArgv, '--openssl-legacy-provider', entry.file, directory, ...(options.buckets ?? [])],
    {
      stdio: ['pipe', 'pipe', 'pipe'],
    },
  );
  try {
    const port = await waitForPort(child);
    return {
      endpoint: `http://127.0.0.1:${port}`,
      port,
      directory,
      stop: () => stopChild(child).finally(() => rm(directory, { recursive: true, force: true })),
    };
  } catch (err) {
    await stopChild(child);
    await rm(directory, { recursive: true, force: true });
    throw err;
  }
}

function waitForPort(child: ChildProcess): Promise<number> {
  return new Promise((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(
      () => fail(new Error(`s3rver did not start within ${START_TIMEOUT_MS} ms: ${stderr}`)),
      START_TIMEOUT_MS,
    );
    const fail = (err: Error): void => {
      clearTimeout(timer);
      reject(err);
    };
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const newline = stdout.indexOf('\n');
      if (newline < 0) return;
      clearTimeout(timer);
      try {
        const { port } = JSON.parse(stdout.slice(0, newline)) as { port: number };
        resolve(port);
      } catch {
        reject(new Error(`s3rver printed an unexpected line: ${stdout.slice(0, newline)}`));
      }
    });
    child.once('error', fail);
    child.once('exit', (code, signal) =>
      fail(new Error(`s3rver exited (${code ?? signal}) before it was ready: ${stderr}`)),
    );
  });
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
  await exited;
  clearTimeout(timer);
}
