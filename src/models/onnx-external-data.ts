/**
 * The tensors of an ONNX model that keep their bytes in external files (`data_location =
 * EXTERNAL`, `external_data` entries `location`, `offset`, `length`), read at the wire level
 * without reading the weights: every place a tensor can sit is followed (initializers and sparse
 * initializers of the main graph and of every subgraph, tensor attributes of nodes, the model's
 * local functions and its training info), and every other field is skipped by its length. ONNX
 * Runtime opens these files itself when it loads the model, so a caller checks them first
 * (`worker/external-data.ts`). The bytes are untrusted: anything this reader cannot follow
 * throws {@link GraphFormatError}.
 */
import fs from 'node:fs';
import { readVarint, WIRE_BYTES, WIRE_VARINT } from './onnx-fields.js';
import {
  bytesSource,
  eachField,
  fileSource,
  GraphFormatError,
  MAX_GRAPH_DEPTH,
  type ByteSource,
  type FieldHead,
} from './onnx-operators.js';

/** One tensor whose data lies outside the model file, as the model states it. */
export interface ExternalTensor {
  /** The tensor's name ('' when it has none). */
  tensor: string;
  /** Where in the model it sits: `initializer`, `node 'Conv_3' attribute 'value'`, ... */
  where: string;
  /** Every `location` entry (a model may repeat one; ONNX Runtime reads one of them). */
  locations: string[];
  /** `offset` and `length` as written (null when absent), not yet parsed. */
  offset: string | null;
  length: string | null;
}

/**
 * Bytes read of a name, key or location: a longer one is cut (no path is longer, and a cut name
 * still says which tensor an error is about).
 */
const MAX_STRING_BYTES = 4096;

/** The ONNX field numbers this reader follows (onnx/onnx.proto). */
const FIELD = {
  model: { graph: 7, trainingInfo: 20, functions: 25 },
  trainingInfo: { initialization: 1, algorithm: 2 },
  graph: { node: 1, initializer: 5, sparseInitializer: 15 },
  function: { node: 7, attributeProto: 11 },
  node: { name: 3, attribute: 5 },
  attribute: { name: 1, t: 5, g: 6, tensors: 10, graphs: 11, sparseTensor: 22, sparseTensors: 23 },
  sparseTensor: { values: 1, indices: 2 },
  tensor: { name: 8, externalData: 13, dataLocation: 14 },
  entry: { key: 1, value: 2 },
} as const;

/** `TensorProto.DataLocation.EXTERNAL`. */
const EXTERNAL = 1;

const utf8 = new TextDecoder();

function text(source: ByteSource, field: FieldHead): string {
  const length = field.end - field.valueStart;
  const read = utf8.decode(source.read(field.valueStart, Math.min(length, MAX_STRING_BYTES)));
  return length > MAX_STRING_BYTES ? `${read}... (${length} bytes)` : read;
}

class ExternalDataReader {
  readonly found: ExternalTensor[] = [];

  constructor(private readonly source: ByteSource) {}

  model(): void {
    eachField(this.source, 0, this.source.size, (f) => {
      if (f.wire !== WIRE_BYTES) return;
      if (f.no === FIELD.model.graph) this.graph(f, 0, 'the graph');
      else if (f.no === FIELD.model.functions) this.function(f);
      else if (f.no === FIELD.model.trainingInfo)
        this.each(f, [FIELD.trainingInfo.initialization, FIELD.trainingInfo.algorithm], (g) =>
          this.graph(g, 0, 'training info'),
        );
    });
  }

  /** Calls `visit` on the message fields of `message` numbered one of `numbers`. */
  private each(message: FieldHead, numbers: readonly number[], visit: (f: FieldHead) => void): void {
    eachField(this.source, message.valueStart, message.end, (f) => {
      if (f.wire === WIRE_BYTES && numbers.includes(f.no)) visit(f);
    });
  }

  private graph(graph: FieldHead, depth: number, where: string): void {
    if (depth > MAX_GRAPH_DEPTH)
      throw new GraphFormatError(`not a readable ONNX model (subgraphs nested over ${MAX_GRAPH_DEPTH} deep)`);
    eachField(this.source, graph.valueStart, graph.end, (f) => {
      if (f.wire !== WIRE_BYTES) return;
      if (f.no === FIELD.graph.node) this.node(f, depth);
      else if (f.no === FIELD.graph.initializer) this.tensor(f, `initializer in ${where}`);
      else if (f.no === FIELD.graph.sparseInitializer) this.sparse(f, `sparse initializer in ${where}`);
    });
  }

  private function(fn: FieldHead): void {
    eachField(this.source, fn.valueStart, fn.end, (f) => {
      if (f.wire !== WIRE_BYTES) return;
      if (f.no === FIELD.function.node) this.node(f, 0);
      else if (f.no === FIELD.function.attributeProto) this.attribute(f, 0, 'a local function');
    });
  }

  private node(node: FieldHead, depth: number): void {
    let name = '';
    const attributes: FieldHead[] = [];
    eachField(this.source, node.valueStart, node.end, (f) => {
      if (f.wire !== WIRE_BYTES) return;
      if (f.no === FIELD.node.name) name = text(this.source, f);
      else if (f.no === FIELD.node.attribute) attributes.push(f);
    });
    for (const a of attributes) this.attribute(a, depth, `node '${name}'`);
  }

  private attribute(attribute: FieldHead, depth: number, owner: string): void {
    let name = '';
    const parts: FieldHead[] = [];
    eachField(this.source, attribute.valueStart, attribute.end, (f) => {
      if (f.wire !== WIRE_BYTES) return;
      if (f.no === FIELD.attribute.name) name = text(this.source, f);
      else parts.push(f);
    });
    const where = `${owner} attribute '${name}'`;
    for (const f of parts) {
      if (f.no === FIELD.attribute.t || f.no === FIELD.attribute.tensors) this.tensor(f, where);
      else if (f.no === FIELD.attribute.sparseTensor || f.no === FIELD.attribute.sparseTensors)
        this.sparse(f, where);
      else if (f.no === FIELD.attribute.g || f.no === FIELD.attribute.graphs)
        this.graph(f, depth + 1, `the subgraph of ${where}`);
    }
  }

  private sparse(sparse: FieldHead, where: string): void {
    this.each(sparse, [FIELD.sparseTensor.values, FIELD.sparseTensor.indices], (t) => this.tensor(t, where));
  }

  private tensor(tensor: FieldHead, where: string): void {
    let name = '';
    let external = false;
    const entries: Array<{ key: string; value: string }> = [];
    eachField(this.source, tensor.valueStart, tensor.end, (f) => {
      if (f.no === FIELD.tensor.dataLocation && f.wire === WIRE_VARINT) {
        const v = readVarint(this.source.read(f.valueStart, f.end - f.valueStart), 0);
        external = v?.value === EXTERNAL;
      } else if (f.wire !== WIRE_BYTES) return;
      else if (f.no === FIELD.tensor.name) name = text(this.source, f);
      else if (f.no === FIELD.tensor.externalData) entries.push(this.entry(f));
    });
    if (!external && entries.length === 0) return;
    const last = (key: string): string | null => entries.findLast((e) => e.key === key)?.value ?? null;
    this.found.push({
      tensor: name,
      where,
      locations: entries.filter((e) => e.key === 'location').map((e) => e.value),
      offset: last('offset'),
      length: last('length'),
    });
  }

  private entry(entry: FieldHead): { key: string; value: string } {
    let key = '';
    let value = '';
    eachField(this.source, entry.valueStart, entry.end, (f) => {
      if (f.wire !== WIRE_BYTES) return;
      if (f.no === FIELD.entry.key) key = text(this.source, f);
      else if (f.no === FIELD.entry.value) value = text(this.source, f);
    });
    return { key, value };
  }
}

/** The external tensors of the model read from `source`. Throws {@link GraphFormatError}. */
function externalTensorsOf(source: ByteSource): ExternalTensor[] {
  const reader = new ExternalDataReader(source);
  reader.model();
  return reader.found;
}

/** The external tensors of a model held in memory. Throws {@link GraphFormatError}. */
export function externalTensorsOfBytes(bytes: Uint8Array): ExternalTensor[] {
  return externalTensorsOf(bytesSource(bytes));
}

/**
 * The external tensors of a model file, read with synchronous reads that skip the weights.
 * Throws {@link GraphFormatError}, or the file system's error.
 */
export function readExternalTensors(file: string): ExternalTensor[] {
  const fd = fs.openSync(file, fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0));
  try {
    return externalTensorsOf(fileSource(fd, fs.fstatSync(fd).size));
  } finally {
    fs.closeSync(fd);
  }
}
