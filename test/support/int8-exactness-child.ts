/**
 * Runs the saturating int8 models plainly and through the worker's session, and prints the
 * results as one JSON line; int8 tests run it under an emulated CPU without VNNI.
 */
import path from 'node:path';
import ort from 'onnxruntime-node';
import { u8s8Saturates } from '../../src/worker/int8-probe.js';
import { createModelSession, runBatch } from '../../src/worker/session.js';
import { saturatingInt8Model, saturatingQdqModel, writeModel } from './worker-models.js';

const dir = process.argv[2] as string;
const report: Record<string, number> = { saturates: (await u8s8Saturates()) ? 1 : 0 };
for (const [format, build] of [
  ['QLinear', saturatingInt8Model],
  ['QDQ', saturatingQdqModel],
] as const) {
  const file = await writeModel(dir, `emulated-${format}.onnx`, build());
  const input = new Float32Array(12).fill(255);
  const plain = await ort.InferenceSession.create(file, { logSeverityLevel: 3 });
  const out = await plain.run({ input: new ort.Tensor('float32', input, [1, 3, 2, 2]) });
  report[`${format}Plain`] = (out.logits?.data as Float32Array)[0] as number;
  await plain.release();
  const model = await createModelSession(path.resolve(file), { intraOpThreads: 1, interOpThreads: 1 });
  report[`${format}Worker`] = (await runBatch(model, input, 1, [3, 2, 2])).logits[0] as number;
  await model.session.release();
}
process.stdout.write(`${JSON.stringify(report)}\n`);
