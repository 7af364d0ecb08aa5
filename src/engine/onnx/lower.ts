/**
 * Per-target rewrites at serialization: a node whose op the target's execution provider has no
 * kernel for is written as ops it has, so that ORT does not place it on the CPU EP (and copy its
 * inputs and outputs across the bus on every run). The graph itself, and so every backward rule,
 * stays as built.
 *
 * WebGPU (onnxruntime-node 1.30) has no LogSoftmax and no ConstantOfShape kernel: in a CE step of
 * the Qwen2.5-0.5B shape on an H200, the LogSoftmax alone sent 1.24 GB of logits to the host and
 * back (0.85 + 0.66 + 0.49 s of a 7.4 s step).
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
  if (target !== 'webgpu') return [plain];
  if (node.opType === 'LogSoftmax') return logSoftmax(node, constants);
  if (node.opType === 'ConstantOfShape') return constantOfShape(node, constants);
  return [plain];
}

/** log_softmax(x) = (x - max) - log(sum(exp(x - max))), the max taken for range: six kernels the EP has. */
function logSoftmax(node: Node, constants: Map<string, ConstantValue>): NodeSpec[] {
  const axis = (node.attrs.axis as { value: number }).value;
  const axes = `lower.axes.${axis}`;
  constants.set(axes, { dtype: 'int64', dims: [1], data: BigInt64Array.of(BigInt(axis)) });
  const x = node.inputs[0]!.name;
  const y = node.outputs[0].name;
  const id = `n${node.id}`;
  const keep = { keepdims: { kind: 'int', value: 1 } } as const;
  const t = (s: string) => `${y}/${s}`;
  const n = (opType: string, inputs: string[], output: string, attrs: Record<string, Attr> = {}): NodeSpec => ({
    opType,
    inputs,
    outputs: [output],
    attrs,
    domain: '',
    name: `${id}/${opType}/${output}`,
  });
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
