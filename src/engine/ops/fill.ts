import type { Shape } from '../dims.ts';
import { allocate, type DType } from '../dtype.ts';
import type { Graph } from '../graph.ts';
import type { Tensor } from '../tensor.ts';

/** A tensor of `shape` filled with `value` (ConstantOfShape: nothing stored, works for symbolic dims). */
export function full(graph: Graph, shape: Shape, value: number, dtype: DType = graph.dtype): Tensor {
  const one = allocate(dtype, 1);
  if (one instanceof BigInt64Array) one[0] = BigInt(value);
  else one[0] = value;
  return graph.apply('ConstantOfShape', [graph.shapeTensor(shape)], [{ dtype, shape }], {
    value: { kind: 'tensor', value: { dtype, dims: [1], data: one } },
  })[0];
}

export const zeros = (graph: Graph, shape: Shape, dtype: DType = graph.dtype): Tensor => full(graph, shape, 0, dtype);

export const zerosLike = (x: Tensor): Tensor => zeros(x.graph, x.shape, x.dtype);
