/**
 * The operators an ONNX model uses (the domain and type of every node: the main graph, the
 * subgraphs of control-flow nodes and the model's local functions), read at the wire level
 * without reading its weights: each field's tag and length are read and every field that cannot
 * hold a node (initializers, value infos, tensor attributes) is skipped by its length. A 100 MB
 * model is read in a few hundred small reads. The bytes are untrusted: anything this reader
 * cannot follow (a bad tag or length, a field past its message, nesting deeper than
 * {@link MAX_GRAPH_DEPTH}, an over-long name) throws {@link GraphFormatError}, and callers must
 * then assume the worst of the model. No imports beyond `node:fs`: a function uses it before it
 * loads protobufjs.
 */
import fs from 'node:fs';
import { readTag, readVarint, WIRE_BYTES, WIRE_FIXED32, WIRE_FIXED64, WIRE_VARINT } from './onnx-fields.js';

/** A graph this reader cannot follow. */
export class GraphFormatError extends Error {
  override name = 'GraphFormatError';
}

/** One operator a model uses. */
export interface ModelOperator {
  /** The operator set's domain (`''` for the default ONNX domain). */
  domain: string;
  opType: string;
}

/** Subgraphs nested deeper than this are not followed (the model counts as unreadable). */
export const MAX_GRAPH_DEPTH = 16;

/** Longest operator type or domain name read (bytes). */
const MAX_NAME_BYTES = 1024;

/** The ONNX field numbers this reader follows (onnx/onnx.proto). */
const FIELD = {
  model: { graph: 7, functions: 25 },
  graph: { node: 1 },
  function: { node: 7 },
  node: { opType: 4, attribute: 5, domain: 7 },
  attribute: { graph: 6, graphs: 11 },
} as const;

/** Reads `length` bytes at `position` (fewer at the end of the source). */
export interface ByteSource {
  size: number;
  read(position: number, length: number): Uint8Array;
}

/** A source over bytes in memory. */
export function bytesSource(bytes: Uint8Array): ByteSource {
  return { size: bytes.length, read: (position, length) => bytes.subarray(position, position + length) };
}

/** Bytes read from a file per read: the fields of nodes and small tensors share a window. */
const WINDOW_BYTES = 16 * 1024;

/** A source over an open file, read synchronously through one window (call it off the main thread). */
export function fileSource(fd: number, size: number): ByteSource {
  const window = Buffer.alloc(WINDOW_BYTES);
  let windowStart = 0;
  let windowLength = 0;
  return {
    size,
    read(position, length) {
      if (position >= windowStart && position + length <= windowStart + windowLength)
        return window.subarray(position - windowStart, position - windowStart + length);
      if (length > WINDOW_BYTES) {
        const out = Buffer.alloc(Math.min(length, size - position));
        fs.readSync(fd, out, 0, out.length, position);
        return out;
      }
      windowStart = position;
      windowLength = fs.readSync(fd, window, 0, WINDOW_BYTES, position);
      return window.subarray(0, Math.min(length, windowLength));
    },
  };
}

/** One field's header: its number, wire type, where its value starts and where the field ends. */
export interface FieldHead {
  no: number;
  wire: number;
  valueStart: number;
  end: number;
}

function fieldAt(source: ByteSource, at: number, limit: number): FieldHead {
  const head = source.read(at, Math.min(20, limit - at));
  const bad = (what: string): GraphFormatError =>
    new GraphFormatError(`not a readable ONNX model (${what} at byte ${at})`);
  const tag = readTag(head, 0);
  if (!tag) throw bad('a bad field tag');
  const { no, wire } = tag;
  let valueStart = at + tag.next;
  let end: number;
  if (wire === WIRE_BYTES) {
    const len = readVarint(head, tag.next);
    if (!len) throw bad('a bad length');
    valueStart = at + len.next;
    end = valueStart + len.value;
  } else if (wire === WIRE_VARINT) {
    const v = readVarint(head, tag.next);
    if (!v) throw bad('a bad varint');
    end = at + v.next;
  } else if (wire === WIRE_FIXED64 || wire === WIRE_FIXED32) {
    end = valueStart + (wire === WIRE_FIXED64 ? 8 : 4);
  } else {
    throw bad(`wire type ${wire}`);
  }
  if (end > limit) throw bad('a field running past its message');
  return { no, wire, valueStart, end };
}

/** Calls `visit` on each field of the message at `[start, end)`. */
export function eachField(
  source: ByteSource,
  start: number,
  end: number,
  visit: (field: FieldHead) => void,
): void {
  for (let at = start; at < end;) {
    const field = fieldAt(source, at, end);
    visit(field);
    at = field.end;
  }
}

const utf8 = new TextDecoder();

function nameOf(source: ByteSource, field: FieldHead): string {
  const length = field.end - field.valueStart;
  if (length > MAX_NAME_BYTES)
    throw new GraphFormatError(
      `not a readable ONNX model (a ${length}-byte operator name at byte ${field.valueStart})`,
    );
  return utf8.decode(source.read(field.valueStart, length));
}

/**
 * Whether `head` (a model file's first bytes) starts ONNX Runtime's own model format: a
 * FlatBuffer whose file identifier (bytes 4 to 8) is `ORTM`.
 */
export function isOrtFormat(head: Uint8Array): boolean {
  return head.length >= 8 && utf8.decode(head.subarray(4, 8)) === 'ORTM';
}

class OperatorReader {
  readonly operators = new Map<string, ModelOperator>();

  constructor(private readonly source: ByteSource) {}

  model(): void {
    if (isOrtFormat(this.source.read(0, 8)))
      throw new GraphFormatError('an ONNX Runtime format model (not an ONNX protobuf)');
    let graphs = 0;
    eachField(this.source, 0, this.source.size, (f) => {
      if (f.wire !== WIRE_BYTES) return;
      if (f.no === FIELD.model.graph) {
        graphs++;
        this.nodesOf(f, FIELD.graph.node, 0);
      } else if (f.no === FIELD.model.functions) this.nodesOf(f, FIELD.function.node, 0);
    });
    if (graphs === 0) throw new GraphFormatError('not a readable ONNX model (no graph)');
  }

  /** The nodes (field `nodeField`) of the graph or function in `message`. */
  private nodesOf(message: FieldHead, nodeField: number, depth: number): void {
    if (depth > MAX_GRAPH_DEPTH)
      throw new GraphFormatError(`not a readable ONNX model (subgraphs nested over ${MAX_GRAPH_DEPTH} deep)`);
    eachField(this.source, message.valueStart, message.end, (f) => {
      if (f.no === nodeField && f.wire === WIRE_BYTES) this.node(f, depth);
    });
  }

  private node(node: FieldHead, depth: number): void {
    // The last value of a repeated scalar field is the one a protobuf parser keeps.
    let opType = '';
    let domain = '';
    eachField(this.source, node.valueStart, node.end, (f) => {
      if (f.wire !== WIRE_BYTES) return;
      if (f.no === FIELD.node.opType) opType = nameOf(this.source, f);
      else if (f.no === FIELD.node.domain) domain = nameOf(this.source, f);
      else if (f.no === FIELD.node.attribute) this.subgraphsOf(f, depth);
    });
    this.operators.set(`${domain}\u0000${opType}`, { domain, opType });
  }

  /** The nodes of the graphs an attribute holds (the bodies of `If`, `Loop`, `Scan`). */
  private subgraphsOf(attribute: FieldHead, depth: number): void {
    eachField(this.source, attribute.valueStart, attribute.end, (f) => {
      if (f.wire === WIRE_BYTES && (f.no === FIELD.attribute.graph || f.no === FIELD.attribute.graphs))
        this.nodesOf(f, FIELD.graph.node, depth + 1);
    });
  }
}

/** The operators of a model held in memory. Throws {@link GraphFormatError}. */
export function operatorsOfBytes(bytes: Uint8Array): ModelOperator[] {
  return operatorsOf(bytesSource(bytes));
}

/** The operators of the model read from `source`. Throws {@link GraphFormatError}. */
export function operatorsOf(source: ByteSource): ModelOperator[] {
  const reader = new OperatorReader(source);
  reader.model();
  return [...reader.operators.values()];
}

/**
 * The operators of a model file, read with synchronous reads of its node fields only (call it
 * from a worker thread). Throws {@link GraphFormatError}, or the file system's error.
 */
export function readModelOperators(file: string): ModelOperator[] {
  if (file.toLowerCase().endsWith('.ort'))
    throw new GraphFormatError('an ONNX Runtime format model (.ort), not an ONNX protobuf');
  const fd = fs.openSync(file, 'r');
  try {
    return operatorsOf(fileSource(fd, fs.fstatSync(fd).size));
  } finally {
    fs.closeSync(fd);
  }
}
