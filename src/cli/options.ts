/** Parsers for CLI option values that fail with a message naming the flag. */
import { UserError } from '../errors.js';

export function parseIntOption(flag: string, min = 1): (value: string) => number {
  return (value: string) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min)
      throw new UserError(`${flag}: expected an integer >= ${min}, got '${value}'`);
    return n;
  };
}

export function parseNumberOption(flag: string, min = 0): (value: string) => number {
  return (value: string) => {
    const n = Number(value);
    if (!Number.isFinite(n) || n < min)
      throw new UserError(`${flag}: expected a number >= ${min}, got '${value}'`);
    return n;
  };
}
