/**
 * Whether this CPU's uint8 x int8 kernels saturate, found by experiment: a one-node int8
 * convolution whose exact result (190) the saturating kernels cannot give (they give 96). On
 * x86 CPUs without VNNI, ONNX Runtime sums pairs of uint8 x int8 products in 16 bits
 * (`vpmaddubsw`), and 2 x 255 x 127 does not fit. Measuring, rather than reading CPU flags,
 * also gives the right answer under emulators and on CPUs whose flags we do not know.
 */
import ort from 'onnxruntime-node';
import { DataType, encodeModel, float32RawData, type TensorProto } from '../models/onnx-proto.js';
import { cpuSaturatesU8S8 } from './int8-weights.js';
import { currentInt8ProbeSlot, sharedInt8Answer } from './int8-probe-slot.js';

const EXACT = 190;

/** The probe: `y = QLinearConv(x = 255 x 12, w = 127 x 12)` at output scale 2048. */
function probeModel(): Uint8Array {
  const scalar = (name: string, dataType: number, raw: Uint8Array, dims: number[] = []): TensorProto => ({
    name,
    dims,
    dataType,
    rawData: raw,
  });
  const one = float32RawData(Float32Array.of(1));
  const tensor = (name: string, elemType: number, dims: number[]) => ({
    name,
    type: { tensorType: { elemType, shape: { dim: dims.map((dimValue) => ({ dimValue })) } } },
  });
  return encodeModel({
    irVersion: 7,
    opsetImport: [{ domain: '', version: 13 }],
    producerName: 'obifaas',
    producerVersion: '0',
    graph: {
      name: 'u8s8-probe',
      node: [
        {
          name: 'conv',
          opType: 'QLinearConv',
          input: ['x', 'x_scale', 'x_zero', 'w', 'w_scale', 'w_zero', 'y_scale', 'y_zero'],
          output: ['y'],
          attribute: [],
        },
      ],
      initializer: [
        scalar('x_scale', DataType.FLOAT, one),
        scalar('x_zero', DataType.UINT8, Uint8Array.of(0)),
        scalar('w', DataType.INT8, new Uint8Array(12).fill(127), [1, 3, 2, 2]),
        scalar('w_scale', DataType.FLOAT, one),
        scalar('w_zero', DataType.INT8, Uint8Array.of(0)),
        scalar('y_scale', DataType.FLOAT, float32RawData(Float32Array.of(2048))),
        scalar('y_zero', DataType.UINT8, Uint8Array.of(0)),
      ],
      input: [tensor('x', DataType.UINT8, [1, 3, 2, 2])],
      output: [tensor('y', DataType.UINT8, [1, 1, 1, 1])],
    },
  });
}

async function probe(): Promise<boolean> {
  try {
    const session = await ort.InferenceSession.create(probeModel(), {
      executionProviders: ['cpu'],
      logSeverityLevel: 3,
      intraOpNumThreads: 1,
    });
    try {
      const out = await session.run({
        x: new ort.Tensor('uint8', new Uint8Array(12).fill(255), [1, 3, 2, 2]),
      });
      return (out.y?.data as Uint8Array | undefined)?.[0] !== EXACT;
    } finally {
      await session.release();
    }
  } catch {
    return cpuSaturatesU8S8();
  }
}

let measured: Promise<boolean> | undefined;

/**
 * Whether uint8 x int8 products saturate on this CPU: measured once per process, the answer
 * shared with the process's other inference threads through their slot (`int8-probe-slot.ts`).
 */
export function u8s8Saturates(): Promise<boolean> {
  const shared = currentInt8ProbeSlot();
  measured ??= shared ? sharedInt8Answer(shared.slot, shared.threadId, probe) : probe();
  return measured;
}
