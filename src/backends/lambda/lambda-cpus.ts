/**
 * The CPUs of a Lambda function: AWS gives a function CPU in proportion to its memory, one
 * full vCPU at 1,769 MB and up to 6 vCPUs at the 10,240 MB maximum (fractional below one vCPU).
 * Kept apart from the Lambda client so that a plan never loads the AWS SDK.
 */
import type { FunctionCpus } from '../../core/function-cpus.js';

/** Memory that buys one vCPU on Lambda, in MB (as AWS documents). */
export const LAMBDA_MB_PER_VCPU = 1769;
/** Most vCPUs a Lambda function gets (at 10,240 MB). */
export const LAMBDA_MAX_VCPUS = 6;

/** The CPUs of a Lambda function with `memoryMb` of memory. */
export function lambdaFunctionCpus(memoryMb: number): FunctionCpus {
  return { kind: 'memory', memoryMb, mbPerVcpu: LAMBDA_MB_PER_VCPU, maxVcpus: LAMBDA_MAX_VCPUS };
}
