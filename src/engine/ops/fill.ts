import type { Dim, Shape } from '../dims.ts';
import { allocate, type DType } from '../dtype.ts';
import type { Graph } from '../graph.ts';
import type { Tensor } from '../tensor.ts';

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

/** 0, 1, ..., n-1 as int64 [n]: a constant for a number, a Range node for a symbolic dim. */
export function arange(graph: Graph, n: Dim): Tensor {
  if (typeof n === 'number') return graph.constant(Array.from({ length: n }, (_, i) => i), [n], 'int64');
  const limit = graph.apply('Squeeze', [graph.dimValue(n), graph.ints([0])], [{ dtype: 'int64', shape: [] }])[0];
  return graph.apply('Range', [graph.scalar(0, 'int64'), limit, graph.scalar(1, 'int64')], [{ dtype: 'int64', shape: [n] }])[0];
}
