/** A model file read for inspection or editing: its graph and size, or a clear refusal. */
import fs from 'node:fs/promises';
import { ModelError } from '../errors.js';
import { readGraph, type OnnxGraph } from './onnx-graph.js';

/** Reads `file` as an ONNX model; {@link ModelError} (exit 2) when it is missing or not ONNX. */
export async function readModelFile(file: string): Promise<{ graph: OnnxGraph; sizeBytes: number }> {
  let bytes: Buffer;
  try {
    bytes = await fs.readFile(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ModelError(
      code === 'ENOENT'
        ? `model file not found: ${file}`
        : code === 'EISDIR'
          ? `model path is a folder: ${file}`
          : `cannot read model ${file} (${code ?? 'unreadable'})`,
      { cause: err },
    );
  }
  if (bytes.length === 0) throw new ModelError(`model file is empty (0 bytes): ${file}`);
  try {
    return { graph: readGraph(bytes), sizeBytes: bytes.length };
  } catch (err) {
    throw new ModelError(`model ${file}: ${(err as Error).message}`, { cause: err });
  }
}
