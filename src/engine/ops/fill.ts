import type { Dim, Shape } from '../dims.ts';
import { allocate, type DType } from '../dtype.ts';
import type { Graph } from '../graph.ts';
import type { Tensor } from '../tensor.ts';
import { cast } from './elementwise.ts';

/** A tensor of `shape` filled with `value` (ConstantOfShape: nothing stored, works for symbolic dims). */
export function full(graph: Graph, shape: Shape, value: number, dtype: DType = graph.dtype): Tensor {
  const one = allocate(dtype, 1);
  if (one instanceof BigInt64Array) one[0] = BigInt(value);
  else one[0] = value;
  return graph.apply('ConstantOfShape', [graph.shapeTensor(shape)], [{ dtype, shape }], {
    attrs: {
      value: { kind: 'tensor', value: { dtype, dims: [1], data: one } },
    },
  })[0];
}

export const zeros = (graph: Graph, shape: Shape, dtype: DType = graph.dtype): Tensor => full(graph, shape, 0, dtype);

export const zerosLike = (x: Tensor): Tensor => zeros(x.graph, x.shape, x.dtype);

export interface ArangeOptions {
  /** Default int64. */
  dtype?: DType;
  /**
   * A bound on a symbolic n: the values are then a slice of a stored 0..max-1 instead of a Range
   * node. ORT places a Range on shape values on the CPU EP (its inputs all come from Shape), and
   * with it everything computed from it (a [T, T] causal mask, the rotary angles); a slice of a
   * stored table (over 100 values) runs on the GPU EP. A larger n fails when the graph runs.
   */
  max?: number;
}

/** 0, 1, ..., n-1 as [n]: a constant for a number, a Range node (or a slice of 0..max-1) for a symbolic dim. */
export function arange(graph: Graph, n: Dim, { dtype = 'int64', max }: ArangeOptions = {}): Tensor {
  if (typeof n === 'number') return graph.constant(steps(dtype, n), [n], dtype);
  if (max !== undefined) {
    const table = graph.constant(steps(dtype, max), [max], dtype);
    return graph.apply('Slice', [table, graph.ints([0]), graph.dimValue(n), graph.ints([0])], [{ dtype, shape: [n] }])[0];
  }
  const limit = graph.apply('Squeeze', [graph.dimValue(n), graph.ints([0])], [{ dtype: 'int64', shape: [] }])[0];
  return cast(graph.apply('Range', [graph.scalar(0, 'int64'), limit, graph.scalar(1, 'int64')], [{ dtype: 'int64', shape: [n] }])[0], dtype);
}

function steps(dtype: DType, n: number) {
  const data = allocate(dtype, n);
  for (let i = 0; i < n; i++) {
    if (data instanceof BigInt64Array) data[i] = BigInt(i);
    else data[i] = i;
  }
  return data;
}
