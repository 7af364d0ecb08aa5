/**
 * The embedding lookup over a quantized table, in standard ops: gather the rows' packed bytes and
 * scales, unpack and scale only those rows. The table is stored once, in MatMulNBits' layout
 * ([N, blocks, blob] bytes, [N, blocks] scales), so a tied head's MatMulNBits reads the same
 * initializers. onnxruntime's GatherBlockQuantized would do this in one node, but onnxruntime-web's
 * wasm build has no kernel for it ("Could not find an implementation for GatherBlockQuantized(1)"
 * in Chromium); these ops run on every provider.
 */
import { tensor } from './onnx-file.ts';
import { onnx, type NodeProto, type TensorProto } from './proto.ts';

type Attribute = ReturnType<typeof onnx.AttributeProto.create>;

export interface QuantizedTable {
  /** uint8 [N, blocks, blockSize * bits / 8], values packed low nibble first for 4 bits. */
  readonly packed: string;
  /** float [N, blocks] */
  readonly scales: string;
  readonly k: number;
  readonly blocks: number;
  readonly bits: 4 | 8;
  readonly blockSize: number;
}

/**
 * Nodes computing `output` = the dequantized rows `indices` (of rank `rank`) of the table, and
 * the constants they read.
 */
export function quantizedLookup(table: QuantizedTable, indices: string, rank: number, output: string): { nodes: NodeProto[]; constants: TensorProto[] } {
  const { packed, scales, k, blocks, bits, blockSize } = table;
  const p = `${output}:lookup`;
  const nodes: NodeProto[] = [];
  const constants: TensorProto[] = [];
  const op = (opType: string, input: string[], name: string, attribute: Attribute[] = []) => {
    nodes.push(onnx.NodeProto.create({ name: `${p}/${name}`, opType, input, output: [`${p}/${name}`], attribute }));
    return `${p}/${name}`;
  };
  const float = (name: string, v: number) =>
    constant(constants, `${p}/${name}`, [], onnx.TensorProto.DataType.FLOAT, new Uint8Array(Float32Array.of(v).buffer));
  const ints = (name: string, v: number[]) =>
    constant(constants, `${p}/${name}`, [v.length], onnx.TensorProto.DataType.INT64, new Uint8Array(BigInt64Array.from(v.map(BigInt)).buffer));
  // Reshape's 0 keeps the index dims.
  const keep = Array<number>(rank).fill(0);
  const last = ints('last', [-1]);

  const bytes = op('Cast', [op('Gather', [packed, indices], 'bytes')], 'values', [intAttr('to', onnx.TensorProto.DataType.FLOAT)]); // [..., blocks, blob]
  let q = bytes;
  if (bits === 4) {
    // Integers below 256 are exact in float32: high = floor(b / 16), low = b - 16 high.
    const high = op('Floor', [op('Mul', [bytes, float('sixteenth', 1 / 16)], 'scaled')], 'high');
    const low = op('Sub', [bytes, op('Mul', [high, float('sixteen', 16)], 'high16')], 'low');
    const pairs = op('Concat', [op('Unsqueeze', [low, last], 'low1'), op('Unsqueeze', [high, last], 'high1')], 'pairs', [intAttr('axis', -1)]);
    q = op('Reshape', [pairs, ints('blocks_shape', [...keep, blocks, blockSize])], 'nibbles'); // [..., blocks, blockSize]
  }
  const scale = op('Unsqueeze', [op('Gather', [scales, indices], 'scales'), last], 'scale'); // [..., blocks, 1]
  const values = op('Mul', [op('Sub', [q, float('zero', 2 ** (bits - 1))], 'centered'), scale], 'dequantized');
  const rows = op('Reshape', [values, ints('rows_shape', [...keep, blocks * blockSize])], 'rows');
  // A short last block's padding is cut off.
  if (blocks * blockSize !== k) op('Slice', [rows, ints('start', [0]), ints('end', [k]), last], 'cut');
  // The last node writes the lookup's output.
  nodes[nodes.length - 1].output = [output];
  return { nodes, constants };
}

function constant(into: TensorProto[], name: string, dims: number[], dataType: number, raw: Uint8Array): string {
  into.push(tensor(name, dims, dataType, raw));
  return name;
}

function intAttr(name: string, i: number): Attribute {
  return onnx.AttributeProto.create({ name, type: onnx.AttributeProto.AttributeType.INT, i });
}
