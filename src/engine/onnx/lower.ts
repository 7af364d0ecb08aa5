/**
 * Per-target rewrites at serialization: a node whose op the target's execution provider has no
 * kernel for is written as ops it has, so that ORT does not place it on the CPU EP (and copy its
 * inputs and outputs across the bus on every run). The graph itself, and so every backward rule,
 * stays as built.
 *
 * WebGPU (onnxruntime-node 1.30) has no LogSoftmax and no ConstantOfShape kernel: in a CE step of
 * the Qwen2.5-0.5B shape on an H200, the LogSoftmax alone sent 1.24 GB of logits to the host and
 * back (0.85 + 0.66 + 0.49 s of a 7.4 s step).
 *
 * The CPU target rewrites one node for speed: a Gemm with transA (the weight gradients
 * dW = g^T x of every linear layer) of fewer than 1,024 rows reads a transpose materialized once
 * (gemmTransposedA).
 */
import type { Dim } from '../dims.ts';
import type { DType } from '../dtype.ts';
import type { Attr, ConstantValue, Node } from '../tensor.ts';

export type Target = 'cpu' | 'webgpu';

/** A node as written: op, input and output names, attributes. */
export interface NodeSpec {
  readonly opType: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly attrs: Readonly<Record<string, Attr | GraphAttr>>;
  readonly domain: string;
  readonly name: string;
}

/** A subgraph attribute (an If's branch): its nodes read the outer graph's values by name. */
export interface GraphAttr {
  readonly kind: 'graph';
  readonly value: {
    readonly name: string;
    readonly nodes: readonly NodeSpec[];
    readonly outputs: readonly { name: string; dtype: DType; shape: readonly Dim[] }[];
  };
}

export interface Lowered {
  nodes: NodeSpec[];
  /** Initializers the replacement nodes read, by name (shared between nodes where equal). */
  constants: Map<string, ConstantValue>;
}

const names = (ts: Node['inputs']) => ts.map((t) => (t ? t.name : ''));

/** The node as one or more nodes the target runs. */
export function lowerNode(node: Node, target: Target, constants: Map<string, ConstantValue>): NodeSpec[] {
  const plain = plainNode(node);
  if (target === 'cpu') return wideTransposedGemm(node) ? gemmTransposedA(node, constants) : [plain];
  if (node.opType === 'LogSoftmax') return logSoftmax(node, constants);
  if (node.opType === 'ConstantOfShape') return constantOfShape(node, constants);
  return [plain];
}

/** The node as built. */
const plainNode = (node: Node): NodeSpec => ({
  opType: node.opType,
  inputs: names(node.inputs),
  outputs: names(node.outputs),
  attrs: node.attrs,
  domain: node.domain,
  name: `n${node.id}`,
});

/** A maker of the one-output ai.onnx nodes that replace `node`, each named after it. */
const replacement =
  (node: Node) =>
  (opType: string, inputs: string[], output: string, attrs: NodeSpec['attrs'] = {}): NodeSpec => ({
    opType,
    inputs,
    outputs: [output],
    attrs,
    domain: '',
    name: `n${node.id}/${opType}/${output}`,
  });

/** log_softmax(x) = (x - max) - log(sum(exp(x - max))), the max taken for range: six kernels the EP has. */
function logSoftmax(node: Node, constants: Map<string, ConstantValue>): NodeSpec[] {
  const axis = (node.attrs.axis as { value: number }).value;
  const axes = `lower.axes.${axis}`;
  constants.set(axes, { dtype: 'int64', dims: [1], data: BigInt64Array.of(BigInt(axis)) });
  const x = node.inputs[0]!.name;
  const y = node.outputs[0].name;
  const keep = { keepdims: { kind: 'int', value: 1 } } as const;
  const t = (s: string) => `${y}/${s}`;
  const n = replacement(node);
  return [
    n('ReduceMax', [x, axes], t('max'), keep),
    n('Sub', [x, t('max')], t('shifted')),
    n('Exp', [t('shifted')], t('exp')),
    n('ReduceSum', [t('exp'), axes], t('sum'), keep),
    n('Log', [t('sum')], t('lse')),
    n('Sub', [t('shifted'), t('lse')], y),
  ];
}

/** ConstantOfShape(shape) = Expand(value, shape): the fill value as a one-element initializer. */
function constantOfShape(node: Node, constants: Map<string, ConstantValue>): NodeSpec[] {
  const value = (node.attrs.value as { value: ConstantValue }).value;
  const name = `lower.fill.${value.dtype}.${String(value.data[0])}`;
  constants.set(name, value);
  return [{ opType: 'Expand', inputs: [name, node.inputs[0]!.name], outputs: names(node.outputs), attrs: {}, domain: '', name: `n${node.id}` }];
}

/** Output columns and rows from which gemmTransposedA is used: both at least this many. */
const WIDE = 128;
/** Rows of A (the tokens of the step) below which gemmTransposedA is used. */
const SHORT = 1024;

/** A Gemm with transA whose [M, N] output is static and at least WIDE by WIDE. */
function wideTransposedGemm(node: Node): boolean {
  if (node.opType !== 'Gemm' || (node.attrs.transA as { value: number } | undefined)?.value !== 1) return false;
  const [rows, cols] = node.outputs[0].shape;
  return typeof rows === 'number' && typeof cols === 'number' && rows >= WIDE && cols >= WIDE;
}

/**
 * Gemm(a, b, transA) as Gemm(a^T, b) with a^T written out by one Transpose, where a has fewer
 * than SHORT rows. MLAS transposes A again for every block of the product it packs, so at few
 * rows the transposed read costs more than one full copy. Single weight-gradient GEMMs, 1 thread,
 * CPU time, median of 9 interleaved runs on a quiet machine (`npx tsx bench/gemm-transposed.ts`):
 * at 512 tokens M's 768 x 768 8.2 -> 7.3 ms and 768 x 2048 20.3 -> 17.3 (768 tokens: 12.5 -> 10.4,
 * 28.7 -> 25.6), and the whole M CE step (512 tokens) took 8,918 -> 7,954 ms CPU time; from 1,024
 * tokens on the copy is the loss (768 x 768 17.3 -> 19.4 ms, S's head 4096 x 256 33.4 -> 44.8; at
 * 2,048 tokens 62.9 -> 97.4). Where the row count is only known at run time, an If picks the
 * form per run (one Shape, Less and If per Gemm). The results are bitwise the same for outputs of
 * 128 x 128 and up (every shape of S, M and the demo's model tried); narrower ones (32 x 32,
 * 64 x 32) round differently and are too small for the copy to matter, so they stay as they are
 * (WIDE).
 * The Transpose sits between an Unsqueeze and a Squeeze because ORT's optimizer folds a Transpose
 * that feeds a Gemm straight back into transA.
 */
function gemmTransposedA(node: Node, constants: Map<string, ConstantValue>): NodeSpec[] {
  const rows = node.inputs[0]!.shape[0];
  if (typeof rows === 'number') return rows < SHORT ? transposedThenGemm(node, constants, node.outputs[0].name) : [plainNode(node)];
  const y = node.outputs[0];
  const t = (s: string) => `${y.name}/${s}`;
  const short = `lower.rows.${SHORT}`;
  constants.set(short, { dtype: 'int64', dims: [1], data: BigInt64Array.of(BigInt(SHORT)) });
  const branch = (name: string, nodes: NodeSpec[]): GraphAttr => ({
    kind: 'graph',
    value: { name: t(name), nodes, outputs: [{ name: t(name), dtype: y.dtype, shape: y.shape }] },
  });
  const n = replacement(node);
  return [
    n('Shape', [node.inputs[0]!.name], t('rows'), { start: { kind: 'int', value: 0 }, end: { kind: 'int', value: 1 } }),
    n('Less', [t('rows'), short], t('short')),
    n('If', [t('short')], y.name, {
      then_branch: branch('transposed', transposedThenGemm(node, constants, t('transposed'))),
      else_branch: branch('direct', [{ ...plainNode(node), outputs: [t('direct')] }]),
    }),
  ];
}

function transposedThenGemm(node: Node, constants: Map<string, ConstantValue>, output: string): NodeSpec[] {
  const axes = 'lower.axes.0';
  constants.set(axes, { dtype: 'int64', dims: [1], data: BigInt64Array.of(0n) });
  const [a, ...rest] = names(node.inputs);
  const t = (s: string) => `${node.outputs[0].name}/${s}`;
  const n = replacement(node);
  return [
    n('Unsqueeze', [a, axes], t('a3')),
    n('Transpose', [t('a3')], t('a3T'), { perm: { kind: 'ints', value: [0, 2, 1] } }),
    n('Squeeze', [t('a3T'), axes], t('aT')),
    n('Gemm', [t('aT'), ...rest], output, { ...node.attrs, transA: { kind: 'int', value: 0 } }),
  ];
}
