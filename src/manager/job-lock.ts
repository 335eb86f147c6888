/**
 * The lock of a job folder, `job.lock`: held by the job manager that writes into the folder,
 * for the whole run (a new job, and each `--resume`), so that two job managers never append to
 * the same records. It names its holder by pid, host, and on Linux boot and start time
 * (`util/process-identity.ts`), so a lock left by a killed job manager is known to be stale even
 * when its pid has been reused, and is taken over without being asked.
 *
 * Taking the lock is atomic: the lock file is hard-linked into place whole, and `link` fails
 * when one exists. Taking over a stale lock goes through a second file, `job.lock.takeover`,
 * taken the same way, so of several processes that find the same stale lock exactly one
 * replaces it (by `rename`, whole); the others then find a live lock and are refused. A lock
 * that seems alive (its process runs, or it was taken on another machine) is refused, unless
 * `force` says its holder is gone; one whose process this machine sees running, with the start
 * time the lock names, is refused even then (two job managers would write every line twice).
 */
import { randomBytes } from 'node:crypto';
import { link, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import * as z from 'zod';
import { UserError } from '../errors.js';
import { intRange, nonEmptyString, checkSchema } from '../util/schema.js';
import {
  ownProcessIdentity,
  processLiveness,
  type ProcessIdentity,
  type ProcessLiveness,
} from '../util/process-identity.js';
import { steadyNow } from '../util/steady-clock.js';

export const JOB_LOCK_FILE = 'job.lock';

/** Whether `name` is a folder's lock, or one being taken or taken over: never a job's output. */
export function isJobLockFile(name: string): boolean {
  return (
    name === JOB_LOCK_FILE || name.startsWith(`${JOB_LOCK_FILE}.`) || name.startsWith(`.${JOB_LOCK_FILE}.`)
  );
}
const TAKEOVER_SUFFIX = '.takeover';
/** How long to wait for another process that is taking over a stale lock, polling. */
const TAKEOVER_WAIT_MS = 10_000;
const TAKEOVER_POLL_MS = 20;

/** `job.lock`: the job manager holding the folder. */
const lockFileSchema = z.strictObject({
  version: z.literal(1),
  pid: intRange(1),
  host: z.string(),
  bootId: z.string().optional(),
  startTicks: intRange(0).optional(),
  /** When it was taken (ISO). */
  since: z.string(),
  /** Tells this lock from any other, so a holder releases only its own. */
  token: nonEmptyString,
});

/** Who holds a job folder's lock. */
export type LockHolder = z.output<typeof lockFileSchema>;

/** A held lock: release it when the run ends (a lock that another process forced is left alone). */
export interface JobLock {
  readonly file: string;
  readonly holder: LockHolder;
  release(): Promise<void>;
}

export interface LockOptions {
  /** Take the lock even when its holder seems alive (the user says it is gone). */
  force?: boolean;
  /** What starts a refusal's message (`--resume`, `out`). */
  what?: string;
}

/** A lock file as found: its text, and its holder when it is one we wrote. */
interface FoundLock {
  text: string;
  holder: LockHolder | null;
}

async function readLock(file: string): Promise<FoundLock | null> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new UserError(`cannot read the lock ${file}: ${(err as Error).message}`, { cause: err });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { text, holder: null };
  }
  const checked = checkSchema(lockFileSchema, value);
  return { text, holder: checked.ok ? checked.data : null };
}

async function liveness(found: FoundLock): Promise<ProcessLiveness> {
  if (!found.holder) return { state: 'unknown', why: 'it is not a lock this version writes' };
  const who: ProcessIdentity = { pid: found.holder.pid, host: found.holder.host };
  if (found.holder.bootId !== undefined) who.bootId = found.holder.bootId;
  if (found.holder.startTicks !== undefined) who.startTicks = found.holder.startTicks;
  return processLiveness(who);
}

/** Links `from` at `to`; false when `to` exists. */
async function linkIfAbsent(from: string, to: string): Promise<boolean> {
  try {
    await link(from, to);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw new UserError(`cannot take the lock ${to}: ${(err as Error).message}`, { cause: err });
  }
}

async function removeIfPresent(file: string): Promise<void> {
  await unlink(file).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'ENOENT') throw err;
  });
}

/** Whether `holder` is the process `me`. */
function isProcess(holder: LockHolder, me: ProcessIdentity): boolean {
  return holder.pid === me.pid && holder.host === me.host && holder.startTicks === me.startTicks;
}

function describeHolder(file: string, found: FoundLock, state: ProcessLiveness): string {
  const h = found.holder;
  const who = h ? `process ${h.pid} on ${h.host} since ${h.since}` : 'an unknown holder';
  return `${file} is held by ${who} (${state.why})`;
}

/**
 * Takes the lock of the job folder `dir`. Throws {@link UserError} (exit 2) naming the holder
 * when another live process holds it; takes over a lock whose holder has died.
 */
export async function lockJobFolder(dir: string, options: LockOptions = {}): Promise<JobLock> {
  const what = options.what ?? 'job folder';
  const file = path.join(dir, JOB_LOCK_FILE);
  const me = await ownProcessIdentity();
  const holder: LockHolder = {
    version: 1,
    ...me,
    since: new Date().toISOString(),
    token: randomBytes(12).toString('hex'),
  };
  const text = `${JSON.stringify(holder)}\n`;
  const staged = path.join(dir, `.${JOB_LOCK_FILE}.${holder.token}`);
  try {
    await writeFile(staged, text, { flag: 'wx', mode: 0o644 });
  } catch (err) {
    throw new UserError(`${what}: cannot write into '${dir}': ${(err as Error).message}`, { cause: err });
  }
  const held: JobLock = { file, holder, release: () => releaseLock(file, text) };
  const giveUpAt = steadyNow() + TAKEOVER_WAIT_MS;
  try {
    for (;;) {
      if (await linkIfAbsent(staged, file)) return held;
      const found = await readLock(file);
      if (!found) continue; // released meanwhile: try again
      const state = await liveness(found);
      if (state.state !== 'dead' && options.force !== true) {
        // Another job of this very process (two runs of one program): no process can be gone.
        if (found.holder && isProcess(found.holder, me))
          throw new UserError(
            `${what}: the job in '${dir}' is running in this process (${file}, taken ${found.holder.since}); wait for it to end`,
          );
        throw new UserError(
          `${what}: the job in '${dir}' is running: ${describeHolder(file, found, state)}; wait for it to end, or give --force if that process is gone`,
        );
      }
      // --force is for a holder this machine cannot see gone; one it sees running is never taken.
      if (state.state === 'alive' && state.certain)
        throw new UserError(
          `${what}: the job in '${dir}' is running: ${describeHolder(file, found, state)}, so --force does not take its lock; wait for it to end, or stop it first`,
        );
      const outcome = await takeOver(file, found, staged, options.force === true, what);
      if (outcome === 'taken') return held;
      if (outcome === 'wait') {
        if (steadyNow() > giveUpAt)
          throw new UserError(
            `${what}: another process has been taking over ${file} for too long; try again`,
          );
        await sleep(TAKEOVER_POLL_MS);
      }
    }
  } finally {
    await removeIfPresent(staged);
  }
}

/**
 * Replaces the stale lock `found` with `staged`, under the takeover file: 'taken', 'retry' when
 * the lock changed meanwhile, or 'wait' while another process takes it over.
 */
async function takeOver(
  file: string,
  found: FoundLock,
  staged: string,
  force: boolean,
  what: string,
): Promise<'taken' | 'retry' | 'wait'> {
  const mutex = `${file}${TAKEOVER_SUFFIX}`;
  if (!(await linkIfAbsent(staged, mutex))) {
    const other = await readLock(mutex);
    if (!other) return 'retry';
    const state = await liveness(other);
    if (state.state !== 'dead') return 'wait';
    if (!force)
      throw new UserError(
        `${what}: a takeover of ${file} was interrupted (${describeHolder(mutex, other, state)}); give --force to take the lock`,
      );
    await removeIfPresent(mutex);
    return 'retry';
  }
  try {
    const now = await readLock(file);
    if (!now || now.text !== found.text) return 'retry';
    await rename(staged, file);
    return 'taken';
  } finally {
    await removeIfPresent(mutex);
  }
}

/** Removes the lock at `file` if it is still the one written as `text`. */
async function releaseLock(file: string, text: string): Promise<void> {
  const found = await readLock(file).catch(() => null);
  if (found?.text === text) await removeIfPresent(file);
}
