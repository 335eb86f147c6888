/** The job folder's lock, on real folders, with real processes as holders. */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { exitCodeFor } from '../cli/exit-codes.js';
import { ownProcessIdentity } from '../util/process-identity.js';
import { JOB_LOCK_FILE, lockJobFolder } from './job-lock.js';

let dir: string;
const children: ChildProcess[] = [];

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'obifaas-lock-'));
});
afterEach(async () => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
  await rm(dir, { recursive: true, force: true });
});

/** A lock file as another process would have written it. */
async function writeLock(fields: Record<string, unknown>): Promise<void> {
  const me = await ownProcessIdentity();
  const lock = { version: 1, ...me, since: '2024-05-01T12:00:00.000Z', token: 'other', ...fields };
  await writeFile(path.join(dir, JOB_LOCK_FILE), `${JSON.stringify(lock)}\n`);
}

/** A process that runs until killed, and its identity as its lock would name it. */
async function liveProcess(): Promise<{ child: ChildProcess; startTicks?: number }> {
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
  children.push(child);
  await new Promise((resolve) => child.once('spawn', resolve));
  const stat = await readFile(`/proc/${child.pid}/stat`, 'utf8').catch(() => null);
  if (!stat) return { child };
  return { child, startTicks: Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]) };
}

const holder = async (): Promise<string> => readFile(path.join(dir, JOB_LOCK_FILE), 'utf8');

describe('lockJobFolder', () => {
  it('takes a free lock, refuses a second taker of the same process, and releases only its own', async () => {
    const lock = await lockJobFolder(dir);
    const me = await ownProcessIdentity();
    expect(JSON.parse(await holder())).toMatchObject({ pid: process.pid, host: os.hostname() });
    if (me.startTicks !== undefined) expect(lock.holder.startTicks).toBe(me.startTicks);
    const refused = await lockJobFolder(dir, { what: '--resume' }).catch((e: unknown) => e);
    expect(exitCodeFor(refused)).toBe(2);
    expect((refused as Error).message).toMatch(
      /^--resume: the job in '.*' is running in this process \(.*job\.lock, taken .*\); wait for it to end$/,
    );
    await lock.release();
    expect(await readdir(dir)).toEqual([]);
    // A lock another process took after a --force is not removed by the one it replaced.
    const again = await lockJobFolder(dir);
    await writeLock({ token: 'forced' });
    await again.release();
    expect(JSON.parse(await holder())).toMatchObject({ token: 'forced' });
  });

  it('refuses a lock whose process runs, and takes it over once that process is killed', async () => {
    const { child, startTicks } = await liveProcess();
    await writeLock({
      pid: child.pid,
      ...(startTicks !== undefined ? { startTicks } : { startTicks: undefined }),
    });
    await expect(lockJobFolder(dir)).rejects.toThrow(
      new RegExp(`held by process ${child.pid} on .*process ${child.pid} runs`),
    );
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));
    const lock = await lockJobFolder(dir);
    expect(JSON.parse(await holder())).toMatchObject({ pid: process.pid, token: lock.holder.token });
    await lock.release();
  });

  it.runIf(process.platform === 'linux')(
    'takes over a lock whose pid now names another process, or that was taken before a restart',
    async () => {
      const me = await ownProcessIdentity();
      await writeLock({ startTicks: (me.startTicks ?? 0) + 1 });
      const lock = await lockJobFolder(dir);
      await lock.release();
      await writeLock({ bootId: 'another-boot' });
      await (await lockJobFolder(dir)).release();
      expect(await readdir(dir)).toEqual([]);
    },
  );

  it('refuses a lock from another machine or not written by us unless forced', async () => {
    await writeLock({ host: 'elsewhere.example' });
    await expect(lockJobFolder(dir)).rejects.toThrow(
      /held by process \d+ on elsewhere\.example since .*another machine.*give --force if that process is gone/,
    );
    const forced = await lockJobFolder(dir, { force: true });
    expect(JSON.parse(await holder())).toMatchObject({ host: os.hostname() });
    await forced.release();
    await writeFile(path.join(dir, JOB_LOCK_FILE), 'garbage');
    await expect(lockJobFolder(dir)).rejects.toThrow(
      /held by an unknown holder \(it is not a lock this version writes\)/,
    );
    await (await lockJobFolder(dir, { force: true })).release();
  });

  it('of many takers racing for one stale lock, exactly one gets it', async () => {
    for (let round = 0; round < 5; round++) {
      // No process has this pid (Linux pids stay below 2^22).
      await writeLock({ pid: 4_194_304, token: `dead-${round}` });
      const tries = await Promise.allSettled(Array.from({ length: 12 }, () => lockJobFolder(dir)));
      const taken = tries.filter((t) => t.status === 'fulfilled');
      expect(taken).toHaveLength(1);
      for (const t of tries)
        if (t.status === 'rejected')
          expect((t.reason as Error).message).toMatch(/is running in this process/);
      await (taken[0] as PromiseFulfilledResult<Awaited<ReturnType<typeof lockJobFolder>>>).value.release();
      expect(await readdir(dir)).toEqual([]);
    }
  });
});
