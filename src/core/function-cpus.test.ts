import { describe, expect, it } from 'vitest';
import { threadsForVcpus, vcpusPerFunction, type FunctionCpus } from './function-cpus.js';

const lambda = (memoryMb: number): FunctionCpus => ({
  kind: 'memory',
  memoryMb,
  mbPerVcpu: 1769,
  maxVcpus: 6,
});

describe('vcpusPerFunction', () => {
  it('follows memory, fractional below one vCPU and capped', () => {
    expect(vcpusPerFunction(lambda(1769), 100)).toBe(1);
    expect(vcpusPerFunction(lambda(3008), 1)).toBeCloseTo(1.7, 2);
    expect(vcpusPerFunction(lambda(885), 1)).toBeCloseTo(0.5, 2);
    expect(vcpusPerFunction(lambda(10_240), 1)).toBeCloseTo(5.79, 2);
    expect(vcpusPerFunction(lambda(20_000), 1)).toBe(6);
  });

  it("shares a machine's cores among the functions running at once, at least one each", () => {
    const machine: FunctionCpus = { kind: 'shared', cores: 16 };
    expect(vcpusPerFunction(machine, 1)).toBe(16);
    expect(vcpusPerFunction(machine, 4)).toBe(4);
    expect(vcpusPerFunction(machine, 3)).toBe(5);
    expect(vcpusPerFunction(machine, 64)).toBe(1);
    expect(vcpusPerFunction(machine, 0)).toBe(16);
  });

  it('keeps a fixed number whatever runs beside it', () => {
    expect(vcpusPerFunction({ kind: 'fixed', vcpus: 2, from: 'backend.vcpus' }, 50)).toBe(2);
  });
});

describe('threadsForVcpus', () => {
  it('rounds to whole threads, at least one, at most the limit', () => {
    expect(threadsForVcpus(1.7, 256)).toBe(2);
    expect(threadsForVcpus(1.16, 256)).toBe(1);
    expect(threadsForVcpus(0.3, 256)).toBe(1);
    expect(threadsForVcpus(6, 256)).toBe(6);
    expect(threadsForVcpus(512, 256)).toBe(256);
  });
});
