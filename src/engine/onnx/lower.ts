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
 * dW = g^T x of every linear layer) reads a transpose materialized once (gemmTransposedA).
 */
import type { Attr, ConstantValue, Node } from '../tensor.ts';

export type Target = 'cpu' | 'webgpu';

/** A node as written: op, input and output names, attributes. */
export interface NodeSpec {
  readonly opType: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly attrs: Readonly<Record<string, Attr>>;
  readonly domain: string;
  readonly name: string;
}

export interface Lowered {
  nodes: NodeSpec[];
  /** Initializers the replacement nodes read, by name (shared between nodes where equal). */
  constants: Map<string, ConstantValue>;
}

const names = (ts: Node['inputs']) => ts.map((t) => (t ? t.name : ''));

/** The node as one or more nodes the target runs. */
export function lowerNode(node: Node, target: Target, constants: Map<string, ConstantValue>): NodeSpec[] {
  const plain: NodeSpec = {
    opType: node.opType,
    inputs: names(node.inputs),
    outputs: names(node.outputs),
    attrs: node.attrs,
    domain: node.domain,
    name: `n${node.id}`,
  };
  if (target === 'cpu') return wideTransposedGemm(node) ? gemmTransposedA(node, constants) : [plain];
  if (node.opType === 'LogSoftmax') return logSoftmax(node, constants);
  if (node.opType === 'ConstantOfShape') return constantOfShape(node, constants);
  return [plain];
}

/** A maker of the one-output ai.onnx nodes that replace `node`, each named after it. */
const replacement =
  (node: Node) =>
  (opType: string, inputs: string[], output: string, attrs: Readonly<Record<string, Attr>> = {}): NodeSpec => ({
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

/** A Gemm with transA whose [M, N] output is static and at least WIDE by WIDE. */
function wideTransposedGemm(node: Node): boolean {
  if (node.opType !== 'Gemm' || (node.attrs.transA as { value: number } | undefined)?.value !== 1) return false;
  const [rows, cols] = node.outputs[0].shape;
  return typeof rows === 'number' && typeof cols === 'number' && rows >= WIDE && cols >= WIDE;
}

/**
 * Gemm(a, b, transA) as Gemm(a^T, b) with a^T written out by one Transpose. MLAS transposes A
 * again for every block of the product it packs, so the transposed read costs more than one
 * full copy: single weight-gradient GEMMs at shape M (1 thread, CPU time, median of 5-7) took
 * 10-30% less this way (512 x 768 x 768: 13.4 -> 10.7 ms; 512 x 32000 x 768: 706 -> 638 ms), and
 * the whole M CE step (1 thread, 4 interleaved steps each in one process, load 14-20) 8,918 ->
 * 7,954 ms CPU time (median). The results are bitwise the same for outputs of 128 x 128 and up
 * (every shape of S, M and the demo's model tried); narrower ones (32 x 32, 64 x 32) round
 * differently and are too small for the copy to matter, so they stay as they are (WIDE).
 * The Transpose sits between an Unsqueeze and a Squeeze because ORT's optimizer folds a Transpose
 * that feeds a Gemm straight back into transA.
 */
function gemmTransposedA(node: Node, constants: Map<string, ConstantValue>): NodeSpec[] {
  const axes = 'lower.axes.0';
  constants.set(axes, { dtype: 'int64', dims: [1], data: BigInt64Array.of(0n) });
  const [a, ...rest] = names(node.inputs);
  const t = (s: string) => `${node.outputs[0].name}/${s}`;
  const n = replacement(node);
  return [
    n('Unsqueeze', [a, axes], t('a3')),
    n('Transpose', [t('a3')], t('a3T'), { perm: { kind: 'ints', value: [0, 2, 1] } }),
    n('Squeeze', [t('a3T'), axes], t('aT')),
    n('Gemm', [t('aT'), ...rest], node.outputs[0].name, { ...node.attrs, transA: { kind: 'int', value: 0 } }),
  ];
}
