/**
 * What one function has to compute with (pure): its vCPUs, as its backend reports them, and the
 * ONNX Runtime threads that follow from them. A backend describes its functions' CPUs as data
 * ({@link FunctionCpus}); the job plan turns that into vCPUs per function once it knows how many
 * functions run at once.
 */

/**
 * How a backend's functions get their CPUs (a tagged union):
 * - `memory`: in proportion to their memory, `memoryMb / mbPerVcpu` vCPUs (fractional below
 *   one), at most `maxVcpus` (AWS Lambda);
 * - `shared`: the `cores` of one machine, shared by the functions running on it at once (the
 *   local backend's child processes);
 * - `fixed`: a known number, from a setting or a default (`from` says which).
 */
export type FunctionCpus =
  | { kind: 'memory'; memoryMb: number; mbPerVcpu: number; maxVcpus: number }
  | { kind: 'shared'; cores: number }
  | { kind: 'fixed'; vcpus: number; from: string };

/** What a job plan needs to know of the backend its functions run on. */
export interface BackendCapacity {
  readonly name: string;
  /** Memory configured for each function, in MB (for billing). */
  readonly memoryMb: number;
  /** How many invocations may run at once. */
  readonly maxConcurrency: number;
  /** How each function gets its CPUs. */
  readonly functionCpus: FunctionCpus;
}

/**
 * vCPUs one function has while `functionsAtOnce` functions run at the same time: for a shared
 * machine, its cores divided among them (at least 1); otherwise what each function gets.
 */
export function vcpusPerFunction(cpus: FunctionCpus, functionsAtOnce: number): number {
  switch (cpus.kind) {
    case 'memory':
      return Math.min(cpus.maxVcpus, cpus.memoryMb / cpus.mbPerVcpu);
    case 'shared':
      return Math.max(1, Math.floor(cpus.cores / Math.max(1, functionsAtOnce)));
    case 'fixed':
      return cpus.vcpus;
  }
}

/**
 * ONNX Runtime intra-op threads for a function with `vcpus`: the nearest whole number, at least 1
 * and at most `maxThreads` (1.7 vCPUs, Lambda at 3008 MB, gives 2; 0.58 gives 1).
 */
export function threadsForVcpus(vcpus: number, maxThreads: number): number {
  return Math.min(maxThreads, Math.max(1, Math.round(vcpus)));
}
