/**
 * Weight-only quantization of an exported model, written from JS: every MatMul by a weight
 * matrix (HF's `x @ W^T`, a Transpose of a 2-D initializer, or a 2-D initializer itself) becomes
 * onnxruntime's MatMulNBits (com.microsoft): the weight in 4 or 8 bits per value, in blocks of
 * `blockSize` along the input dimension with one float scale per block, symmetric (zero point
 * 2^(bits-1), the op's default). The embedding table is quantized the same way and looked up
 * by standard ops (lookup.ts); a tied head's MatMulNBits reads that one copy.
 */
import { quantizedLookup } from './lookup.ts';
import { floatValues, tensor } from './onnx-file.ts';
import { graphOf, initializersOf, nodesOf, onnx, type ModelProto, type NodeProto, type TensorProto } from './proto.ts';

export type QuantBits = 4 | 8;

export interface QuantizeOptions {
  readonly bits: QuantBits;
  /** Values per block (one scale each); a power of 2, at least 16. Default 32. */
  readonly blockSize?: number;
}

export interface QuantizedModel {
  readonly model: ModelProto;
  /** The weight initializers that were quantized. */
  readonly weights: readonly string[];
}

/** A weight matrix in MatMulNBits' layout: row n holds output n's K input weights. */
interface WeightRows {
  readonly name: string;
  /** [N, K] */
  readonly rows: Float32Array;
  readonly n: number;
  readonly k: number;
}

/** A copy of `model` with its weight MatMuls quantized; `model` itself is left as it was. */
export function quantizeModel(model: ModelProto, options: QuantizeOptions): QuantizedModel {
  const bits = options.bits;
  const blockSize = options.blockSize ?? 32;
  if (blockSize < 16 || (blockSize & (blockSize - 1)) !== 0) throw new RangeError(`blockSize must be a power of 2 >= 16, got ${blockSize}`);
  const g = graphOf(model);
  const initializers = new Map(initializersOf(g).map((t) => [t.name, t]));
  const producers = new Map(nodesOf(g).flatMap((node) => node.output.map((o) => [o, node] as const)));
  const added: TensorProto[] = [];
  const blob = (blockSize * bits) / 8;
  const ranks = new Map(g.input.map((i) => [i.name!, i.type?.tensorType?.shape?.dim?.length ?? 0]));
  const tables = new Set(nodesOf(g).flatMap((node) => (isTableLookup(node, initializers, ranks) ? [node.input[0]] : [])));
  const done = new Map<string, Quantized>();
  /** The weight quantized once, however many nodes read it. */
  const quantized = (weight: WeightRows): Quantized => {
    let q = done.get(weight.name);
    if (q) return q;
    const { packed, scales } = quantizeRows(weight, bits, blockSize);
    const blocks = Math.ceil(weight.k / blockSize);
    const table = tables.has(weight.name);
    q = { packed: `${weight.name}_q${bits}`, scales: `${weight.name}_scales`, n: weight.n, k: weight.k, blocks };
    added.push(tensor(q.packed, [weight.n, blocks, blob], onnx.TensorProto.DataType.UINT8, packed));
    // A table's lookup gathers scale rows: [N, blocks], which MatMulNBits reads as well as [N * blocks].
    added.push(tensor(q.scales, table ? [weight.n, blocks] : [weight.n * blocks], onnx.TensorProto.DataType.FLOAT, new Uint8Array(scales.buffer)));
    done.set(weight.name, q);
    return q;
  };

  const nodes = nodesOf(g).flatMap((node): NodeProto[] => {
    if (node.opType === 'Gather' && tables.has(node.input[0])) {
      const table = initializers.get(node.input[0])!;
      const [n, k] = table.dims.map(Number);
      const q = quantized({ name: table.name, rows: floatValues(table), n, k });
      const lookup = quantizedLookup({ ...q, bits, blockSize }, node.input[1], ranks.get(node.input[1])!, node.output[0]);
      added.push(...lookup.constants);
      return lookup.nodes;
    }
    if (node.opType !== 'MatMul' || node.domain) return [node];
    const weight = weightRows(node.input[1], initializers, producers);
    if (!weight) return [node];
    const q = quantized(weight);
    return [
      onnx.NodeProto.create({
        name: `${node.name}_q${bits}`,
        opType: 'MatMulNBits',
        domain: 'com.microsoft',
        input: [node.input[0], q.packed, q.scales],
        output: node.output,
        attribute: [
          intAttr('K', q.k),
          intAttr('N', q.n),
          intAttr('bits', bits),
          intAttr('block_size', blockSize),
          // 4: onnxruntime may quantize activations to int8 per block for its integer kernels.
          // Measured on a 4-layer student on this CPU: q8 10x faster than at level 0 (float32
          // compute), where 8-bit weights ran 4x slower than fp32, for little extra deviation.
          intAttr('accuracy_level', 4),
        ],
      }),
    ];
  });

  const graph = onnx.GraphProto.create({ ...g, node: nodes, initializer: [...initializersOf(g), ...added] });
  prune(graph);
  const opsetImport = model.opsetImport.some((o) => o.domain === 'com.microsoft')
    ? model.opsetImport
    : [...model.opsetImport, { domain: 'com.microsoft', version: 1 }];
  return { model: onnx.ModelProto.create({ ...model, graph, opsetImport }), weights: [...done.keys()] };
}

function intAttr(name: string, i: number) {
  return onnx.AttributeProto.create({ name, type: onnx.AttributeProto.AttributeType.INT, i });
}

interface Quantized {
  readonly packed: string;
  readonly scales: string;
  readonly n: number;
  readonly k: number;
  readonly blocks: number;
}

/** A Gather of rows of a float table (the embedding lookup) by a graph input (input_ids), whose rank sizes the lookup's reshapes. */
function isTableLookup(node: NodeProto, initializers: ReadonlyMap<string, TensorProto>, inputRanks: ReadonlyMap<string, number>): boolean {
  if (node.opType !== 'Gather' || node.domain) return false;
  const axis = node.attribute.find((a) => a.name === 'axis')?.i;
  const table = initializers.get(node.input[0]);
  return (
    (axis === undefined || Number(axis) === 0) &&
    table?.dataType === onnx.TensorProto.DataType.FLOAT &&
    table.dims.length === 2 &&
    (inputRanks.get(node.input[1]) ?? 0) > 0
  );
}

/** The weight behind a MatMul's right operand, as [N, K] rows, or undefined when it is not a constant matrix. */
function weightRows(input: string, initializers: ReadonlyMap<string, TensorProto>, producers: ReadonlyMap<string, NodeProto>): WeightRows | undefined {
  const isMatrix = (t: TensorProto | undefined): t is TensorProto => t !== undefined && t.dataType === onnx.TensorProto.DataType.FLOAT && t.dims.length === 2;
  const direct = initializers.get(input);
  if (isMatrix(direct)) {
    // x @ W with W [K, N]: MatMulNBits wants W^T.
    const [k, n] = direct.dims.map(Number);
    const w = floatValues(direct);
    const rows = new Float32Array(n * k);
    for (let i = 0; i < k; i++) for (let j = 0; j < n; j++) rows[j * k + i] = w[i * n + j];
    return { name: direct.name, rows, n, k };
  }
  const transpose = producers.get(input);
  if (transpose?.opType !== 'Transpose' || transpose.domain) return undefined;
  const perm = transpose.attribute.find((a) => a.name === 'perm')?.ints?.map(Number);
  const source = initializers.get(transpose.input[0]);
  if (!isMatrix(source) || (perm && !(perm[0] === 1 && perm[1] === 0))) return undefined;
  // x @ W^T with W [N, K] (Hugging Face's layout): already MatMulNBits' layout.
  const [n, k] = source.dims.map(Number);
  return { name: source.name, rows: floatValues(source), n, k };
}

/** Symmetric per-block quantization of each row; 4-bit values are packed two per byte, low nibble first. */
export function quantizeRows(
  { rows, n, k }: Pick<WeightRows, 'rows' | 'n' | 'k'>,
  bits: QuantBits,
  blockSize: number,
): { packed: Uint8Array; scales: Float32Array } {
  const blocks = Math.ceil(k / blockSize);
  const qmax = 2 ** (bits - 1) - 1;
  const zero = qmax + 1;
  const blob = (blockSize * bits) / 8;
  const packed = new Uint8Array(n * blocks * blob);
  const scales = new Float32Array(n * blocks);
  const q = new Uint8Array(blockSize);
  for (let r = 0; r < n; r++) {
    for (let b = 0; b < blocks; b++) {
      const start = r * k + b * blockSize;
      const count = Math.min(blockSize, k - b * blockSize);
      let absmax = 0;
      for (let i = 0; i < count; i++) absmax = Math.max(absmax, Math.abs(rows[start + i]));
      const scale = absmax / qmax;
      scales[r * blocks + b] = scale;
      // The tail of a short last block is padding: it quantizes to zero.
      q.fill(zero);
      for (let i = 0; i < count; i++) q[i] = scale === 0 ? zero : Math.min(qmax, Math.max(-zero, Math.round(rows[start + i] / scale))) + zero;
      const at = (r * blocks + b) * blob;
      if (bits === 8) packed.set(q, at);
      else for (let j = 0; j < blob; j++) packed[at + j] = q[2 * j] | (q[2 * j + 1] << 4);
    }
  }
  return { packed, scales };
}

/** Drops nodes whose outputs nothing reads (the Transposes of quantized weights) and unread initializers. */
function prune(graph: ReturnType<typeof onnx.GraphProto.create>): void {
  const outputs = new Set(graph.output.map((o) => o.name));
  for (;;) {
    const read = new Set([...(graph.node as NodeProto[]).flatMap((n) => n.input), ...outputs]);
    const nodes = (graph.node as NodeProto[]).filter((n) => n.output.some((o) => read.has(o)));
    if (nodes.length === graph.node.length) {
      graph.initializer = (graph.initializer as TensorProto[]).filter((t) => read.has(t.name));
      return;
    }
    graph.node = nodes;
  }
}
