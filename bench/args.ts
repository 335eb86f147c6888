/** The benchmarks' command-line numbers. */

/** The whole number >= 1 after `name` on the command line (`--jobs 12`), else `fallback`. */
export function intArg(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  const v = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isInteger(v) || v < 1) throw new Error(`${name}: expected an integer >= 1`);
  return v;
}
