/**
 * Listeners that a program passes in (`onProgress`, `onFound`, ...) are called from inside a
 * running job. One that throws must not change the job: its error is caught, and the first one
 * of each listener is told once as a process warning (`OBIFAAS_LISTENER_THREW`), never again.
 */
import { messageOf } from '../errors.js';

/** The code of the warning a throwing listener raises. */
export const LISTENER_THREW_WARNING = 'OBIFAAS_LISTENER_THREW';

/** `listener` (named `name` in the warning), made unable to throw into its caller. */
export function safeListener<A extends unknown[]>(
  name: string,
  listener: (...args: A) => unknown,
): (...args: A) => void {
  let warned = false;
  return (...args: A): void => {
    try {
      const returned = listener(...args);
      // A listener that returns a promise is not awaited; its rejection is caught all the same.
      if (returned instanceof Promise) returned.catch((err: unknown) => warn(err));
    } catch (err) {
      warn(err);
    }
  };
  function warn(err: unknown): void {
    if (warned) return;
    warned = true;
    process.emitWarning(
      `the ${name} listener threw (the job goes on; later throws are not told): ${messageOf(err)}`,
      {
        code: LISTENER_THREW_WARNING,
      },
    );
  }
}
