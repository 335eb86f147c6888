/** A model file read for inspection or editing: its graph and size, or a clear refusal. */
import { ModelError } from '../errors.js';
import { FileRefusal, readRegularFile } from '../util/regular-file.js';
import { readGraph, type OnnxGraph } from './onnx-graph.js';

/** Reads `file` as an ONNX model; {@link ModelError} (exit 2) when it is missing or not ONNX. */
export async function readModelFile(file: string): Promise<{ graph: OnnxGraph; sizeBytes: number }> {
  let bytes: Buffer;
  try {
    // A regular file only: a FIFO would wait for a writer forever.
    bytes = await readRegularFile(file, { what: 'model' });
  } catch (err) {
    if (!(err instanceof FileRefusal)) throw err;
    throw new ModelError(
      err.reason === 'missing'
        ? `model file not found: ${file}`
        : err.detail === 'is a folder'
          ? `model path is a folder: ${file}`
          : err.reason === 'unreadable'
            ? `cannot read model ${file} (${err.detail.replace(/^cannot be read \((.*)\)$/, '$1')})`
            : `model ${file} ${err.detail}`,
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
