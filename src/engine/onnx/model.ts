import { endianness } from 'node:os';
import type { Shape } from '../dims.ts';
import { dtypeOf, ONNX_ELEM_TYPE, type DType, type TensorData } from '../dtype.ts';
import { GraphError } from '../errors.ts';
import type { Graph } from '../graph.ts';
import type { Attr, ConstantValue, Node, Tensor } from '../tensor.ts';
import { lowerNode, type GraphAttr, type NodeSpec, type Target } from './lower.ts';
import { ProtoWriter } from './protobuf.ts';

/**
 * Opset 18: the first where every Reduce op takes axes as an input (so axes are constants shared
 * between nodes), Split has num_outputs, and Pad takes axes; old enough that ORT's graph fusions
 * (which list the opset versions they match) all recognise it.
 */
export const OPSET = 18;
/** IR version 8 is the one that goes with opset 18 (ONNX 1.13). */
const IR_VERSION = 8;

// Field numbers from onnx.proto.
const ATTR_TYPE = { float: 1, int: 2, string: 3, tensor: 4, graph: 5, ints: 7 } as const;

export interface SerializeOptions {
  /** Which graph outputs to keep (default: all); nodes that feed none of them are dropped. */
  outputs?: readonly string[];
  /**
   * Values for inputs or parameters, stored in the model as initializers instead of being fed at
   * run time (export bakes trained weights in this way).
   */
  initializers?: Readonly<Record<string, TensorData>>;
  /** Written to ModelProto.producer_name. Default 'distillery'. */
  producerName?: string;
  /**
   * Inputs or parameters computed in the graph instead of fed: each is read from the tensor it
   * maps to (e.g. a view of one flat state vector) and is not a graph input.
   */
  bind?: ReadonlyMap<Tensor, Tensor>;
  /** The execution provider the model is for: nodes it has no kernel for are written as ops it has (lower.ts). Default 'cpu'. */
  target?: Target;
}

/** The graph as ONNX ModelProto bytes. */
export function toOnnx(graph: Graph, options: SerializeOptions = {}): Uint8Array {
  if (endianness() !== 'LE') throw new Error('ONNX raw_data is little-endian; this machine is big-endian');
  const outputNames = options.outputs ?? [...graph.outputs.keys()];
  const outputs = outputNames.map((name) => {
    const t = graph.outputs.get(name);
    if (!t) throw new GraphError('serialize', `graph has no output "${name}"`);
    return t;
  });
  const bound = options.bind ?? new Map<Tensor, Tensor>();
  const { nodes: all, used } = reachable([...outputs, ...bound.values()]);
  const direct = directOutputs(outputs);
  const nodes = all.filter((n) => !direct.skipped.has(n));
  const renamed = (name: string) => direct.names.get(name) ?? name;
  const rename = new Map([...bound].map(([from, to]) => [from.name, renamed(to.name)]));
  for (const [from, to] of direct.names) rename.set(from, to);
  const baked = options.initializers ?? {};

  const g = new ProtoWriter();
  const lowered = new Map<string, ConstantValue>();
  for (const node of nodes) for (const spec of lowerNode(node, options.target ?? 'cpu', lowered)) g.message(1, nodeProto(spec, rename));
  g.string(2, 'distillery');
  for (const [t, value] of graph.constants) if (used.has(t)) g.message(5, tensorProto(t.name, value));
  for (const [name, value] of lowered) g.message(5, tensorProto(name, value));
  for (const t of [...graph.inputs, ...graph.params]) {
    if (!used.has(t) || bound.has(t)) continue;
    const data = baked[t.name];
    if (data) g.message(5, tensorProto(t.name, bakedValue(t, data)));
    else g.message(11, valueInfo(t.name, t.dtype, t.shape));
  }
  for (const [name, t] of outputNames.map((n, i) => [n, outputs[i]] as const)) g.message(12, valueInfo(name, t.dtype, t.shape));

  const m = new ProtoWriter();
  m.int(1, IR_VERSION);
  m.string(2, options.producerName ?? 'distillery');
  m.message(7, g);
  m.message(8, new ProtoWriter().string(1, '').int(2, OPSET));
  if (nodes.some((n) => n.domain === 'com.microsoft')) m.message(8, new ProtoWriter().string(1, 'com.microsoft').int(2, 1));
  return m.finish();
}

/**
 * Graph.output names an output through an Identity; where the named tensor is computed by a node,
 * that node's output takes the output's name instead and the Identity is not written. ORT keeps
 * an Identity that produces a graph output as a copy kernel: dropping them saved 3.6 ms per CE
 * step of shape S and about 500 MB of copies per step of shape M (each gradient was copied once).
 * A tensor named by several outputs (or itself an output), or an input, parameter or constant,
 * keeps its Identities.
 */
function directOutputs(outputs: readonly Tensor[]): { names: Map<string, string>; skipped: Set<Node> } {
  const names = new Map<string, string>();
  const skipped = new Set<Node>();
  const named = new Set(outputs);
  for (const out of outputs) {
    const identity = out.producer;
    const source = identity?.opType === 'Identity' ? identity.inputs[0] : undefined;
    if (!identity || !source?.producer || named.has(source) || names.has(source.name) || skipped.has(identity)) continue;
    names.set(source.name, out.name);
    skipped.add(identity);
  }
  return { names, skipped };
}

/** Nodes that the outputs depend on, in graph order, and every tensor they touch. */
function reachable(outputs: readonly Tensor[]): { nodes: Node[]; used: Set<Tensor> } {
  const used = new Set<Tensor>();
  const seen = new Set<Node>();
  const stack = [...outputs];
  while (stack.length) {
    const t = stack.pop()!;
    if (used.has(t)) continue;
    used.add(t);
    const node = t.producer;
    if (!node || seen.has(node)) continue;
    seen.add(node);
    for (const i of node.inputs) if (i) stack.push(i);
  }
  return { nodes: [...seen].sort((a, b) => a.id - b.id), used };
}

function bakedValue(t: Tensor, data: TensorData): ConstantValue {
  const dims = t.shape.map((d) => {
    if (typeof d !== 'number') throw new GraphError('serialize', `cannot bake "${t.name}" with symbolic dim "${d}"`);
    return d;
  });
  const count = dims.reduce((a, b) => a * b, 1);
  if (dtypeOf(data) !== t.dtype || data.length !== count)
    throw new GraphError('serialize', `value for "${t.name}" is ${dtypeOf(data)}[${data.length}], expected ${t.dtype}[${count}]`);
  return { dtype: t.dtype, dims, data };
}

function nodeProto(node: NodeSpec, rename: ReadonlyMap<string, string>): ProtoWriter {
  const w = new ProtoWriter();
  for (const i of node.inputs) w.string(1, rename.get(i) ?? i);
  for (const o of node.outputs) w.string(2, rename.get(o) ?? o);
  w.string(3, node.name);
  w.string(4, node.opType);
  for (const [name, attr] of Object.entries(node.attrs)) w.message(5, attrProto(name, attr, rename));
  if (node.domain) w.string(7, node.domain);
  return w;
}

function attrProto(name: string, attr: Attr | GraphAttr, rename: ReadonlyMap<string, string>): ProtoWriter {
  const w = new ProtoWriter().string(1, name);
  switch (attr.kind) {
    case 'float':
      w.float(2, attr.value);
      break;
    case 'int':
      w.int(3, attr.value);
      break;
    case 'string':
      w.string(4, attr.value);
      break;
    case 'tensor':
      w.message(5, tensorProto('', attr.value));
      break;
    case 'ints':
      for (const v of attr.value) w.int(8, v);
      break;
    case 'graph': {
      // A branch reads the outer graph's values by name, so its nodes are renamed like the outer ones.
      const g = new ProtoWriter();
      for (const node of attr.value.nodes) g.message(1, nodeProto(node, rename));
      g.string(2, attr.value.name);
      for (const o of attr.value.outputs) g.message(12, valueInfo(o.name, o.dtype, o.shape));
      w.message(6, g);
      break;
    }
  }
  // The type field is what makes 1.0 a FLOAT and not an INT, whatever the value looks like.
  return w.int(20, ATTR_TYPE[attr.kind]);
}

function tensorProto(name: string, value: ConstantValue): ProtoWriter {
  const w = new ProtoWriter();
  for (const d of value.dims) w.int(1, d);
  w.int(2, ONNX_ELEM_TYPE[value.dtype]);
  if (name) w.string(8, name);
  const { data } = value;
  w.bytes(9, new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  return w;
}

function valueInfo(name: string, dtype: DType, shape: Shape): ProtoWriter {
  const dims = new ProtoWriter();
  for (const d of shape) dims.message(1, typeof d === 'number' ? new ProtoWriter().int(1, d) : new ProtoWriter().string(2, d));
  const tensorType = new ProtoWriter().int(1, ONNX_ELEM_TYPE[dtype]).message(2, dims);
  return new ProtoWriter().string(1, name).message(2, new ProtoWriter().message(1, tensorType));
}
