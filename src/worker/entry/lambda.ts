/**
 * The function on AWS Lambda: `index.handler` of the package re-exports {@link handler}. One
 * container runs one invocation at a time; the ONNX sessions and a model fetched from S3 (into
 * `/tmp`) stay warm for the container's later invocations. A thrown error becomes Lambda's
 * `FunctionError` with `errorType` = the error's name (`ModelError`, `UserError`, ...), which
 * the backend uses to decide whether to retry.
 *
 * A run stopped at the deadline goes on in its inference thread, and the container is frozen
 * with it until its next invocation. That invocation first waits for it, at most the stuck wait
 * its deployment sets (`obifaas deploy --stuck-after`: the function's
 * `OBIFAAS_FUNCTION_STUCK_AFTER`, read when the module loads, where a bad value fails the
 * function's init naming the variable; default 10 s). A run that outlasts the wait leaves its
 * thread stuck, holding its cores for the container's life, so the handler ends the process
 * (SIGKILL: Node cannot exit while a thread is inside a run). Lambda answers that invocation
 * `Runtime.ExitError`, which the backend retries, and starts a new environment for the next one.
 */
import { FunctionUnhealthyError } from '../../errors.js';
import { handle } from '../handler.js';
import { configureFunctionHealth, functionHealth, healthSettings } from '../function-health.js';
import { whenInferencePoolsSettled } from '../inference-pools.js';
import { killProcessWithStuckThreads } from './end-process.js';
import type { WorkerPayload, WorkerResult } from '../../protocol/invocation.js';
import { FUNCTION_REPLY_LIMITS } from '../../protocol/limits.js';
import { STUCK_AFTER_ENV, stuckAfterFromEnv } from '../../protocol/stuck-wait.js';

// The AWS SDK's Node version notice would land in every log tail.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

// The deployment's stuck wait, checked at init: a bad value is an init error, never a default.
configureFunctionHealth({ stuckAfterMs: stuckAfterFromEnv(process.env) });

/** Time kept back before the function timeout, to fail cleanly instead of being killed. */
export const LAMBDA_STOP_MARGIN_MS = 1_000;

/** The part of Lambda's context object the handler reads. */
export interface LambdaContextLike {
  getRemainingTimeInMillis?: () => number;
}

/** Stops the invocation just before Lambda would kill the container (so it stays warm). */
function deadlineSignal(context: LambdaContextLike | undefined): AbortSignal | undefined {
  const remaining = context?.getRemainingTimeInMillis?.();
  if (remaining === undefined || !Number.isFinite(remaining)) return undefined;
  return AbortSignal.timeout(Math.max(1, remaining - LAMBDA_STOP_MARGIN_MS));
}

/**
 * The Lambda handler: runs one worker payload (a static split list, or a dynamic worker that
 * pulls splits from the job manager's dispatcher) and returns its results. `obifaas/lambda`
 * exports it, for a function image built by hand: `export { handler } from 'obifaas/lambda'`.
 */
export const handler = async (event: unknown, context?: LambdaContextLike): Promise<WorkerResult> => {
  const signal = deadlineSignal(context);
  await whenInferencePoolsSettled();
  endIfStuck();
  try {
    // What the function may read and dial comes from its environment (set by `obifaas deploy`).
    return await handle(event as WorkerPayload, {
      replyLimit: FUNCTION_REPLY_LIMITS.lambda,
      ...(signal ? { signal } : {}),
    });
  } catch (err) {
    if (err instanceof FunctionUnhealthyError) endIfStuck();
    if (signal?.aborted) {
      throw new Error(
        `stopped ${LAMBDA_STOP_MARGIN_MS} ms before the function timeout: give it fewer inputs or a longer timeout`,
        {
          cause: err,
        },
      );
    }
    throw err;
  }
};

/** Ends the process (and so this environment) when a stuck thread holds its cores. */
function endIfStuck(): void {
  const health = functionHealth();
  if (health.stuckThreads === 0) return;
  const why = health.ok
    ? `${health.stuckThreads} inference thread(s) stuck in a stopped invocation's run`
    : health.reason;
  const wait = `${healthSettings().stuckAfterMs / 1000} s`;
  killProcessWithStuckThreads(
    `obifaas function: ending this environment: ${why} (stuck wait ${wait}, ${STUCK_AFTER_ENV})`,
  );
}
