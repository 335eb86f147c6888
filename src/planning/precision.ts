/**
 * The numeric precision a model runs in (pure): `fp32`, the model as given, or `int8`, its
 * statically quantized version (`obifaas model quantize`, or the cached int8 build of a builtin
 * model). Sampling, optimization and planning treat it as one more choice: a CPR model is
 * fitted per precision, and an optimizer space may choose it (`"precision": {"type":
 * "categorical", "values": ["fp32", "int8"]}`).
 */
import { UserError } from '../errors.js';
import { closestName } from '../util/suggest.js';

/** The precisions a model can be sampled and run in. */
export const PRECISIONS = ['fp32', 'int8'] as const;

/** A model precision. */
export type Precision = (typeof PRECISIONS)[number];

/** The name of the space parameter that chooses the precision. */
export const PRECISION_PARAMETER = 'precision';

/** Other names users write for a precision. */
const ALIASES: Readonly<Record<string, Precision>> = Object.freeze({ float32: 'fp32', f32: 'fp32' });

export function isPrecision(value: unknown): value is Precision {
  return (PRECISIONS as readonly unknown[]).includes(value);
}

/**
 * A comma-separated list of precisions (`fp32,int8`), each once, in the order given. Throws
 * {@link UserError} naming the flag and the bad entry.
 */
export function parsePrecisionList(value: string, flag = '--precision'): Precision[] {
  const names = value.split(',').map((s) => ALIASES[s.trim()] ?? s.trim());
  const out: Precision[] = [];
  for (const name of names) {
    if (!isPrecision(name)) {
      const hint = closestName(name, PRECISIONS);
      throw new UserError(
        `${flag}: unknown precision '${name}'; expected ${PRECISIONS.join(' or ')}, comma-separated${hint ? `; did you mean '${hint}'?` : ''}`,
      );
    }
    if (out.includes(name)) throw new UserError(`${flag}: '${name}' is listed twice`);
    out.push(name);
  }
  return out;
}
