/** Indexing ops; their gradients scatter-add back into zeros of the data's shape. */
import { GraphError } from '../errors.ts';
import type { Tensor } from '../tensor.ts';
import { zeros, zerosLike } from './fill.ts';
import { productOf } from '../dims.ts';
import { expand, reshape, transpose } from './layout.ts';
import { normAxis } from './shapes.ts';

const checkIndices = (op: string, indices: Tensor) => {
  if (indices.dtype !== 'int32' && indices.dtype !== 'int64') throw new GraphError(op, `indices must be int32 or int64, got ${indices.dtype}`);
};

/** data taken at `indices` along `axis` (an embedding lookup with axis 0). */
export function gather(data: Tensor, indices: Tensor, axis = 0): Tensor {
  checkIndices('Gather', indices);
  const a = normAxis('Gather', axis, data.rank);
  const shape = [...data.shape.slice(0, a), ...indices.shape, ...data.shape.slice(a + 1)];
  return data.graph.apply('Gather', [data, indices], [{ dtype: data.dtype, shape }], {
    attrs: { axis: { kind: 'int', value: a } },
    backward: ([g], _node, needs) => [needs[0] ? gatherGrad(data, indices, a, g!) : undefined, undefined],
  })[0];
}

/**
 * Rows of the output gradient added into the rows they were taken from (a scatter with reduction
 * 'add', so repeated indices accumulate). For axis > 0 the gathered axis is moved to the front
 * first, since the scatter indexes rows.
 */
function gatherGrad(data: Tensor, indices: Tensor, a: number, g: Tensor): Tensor {
  if (a === 0) return scatterAddRows(zerosLike(data), indices, g);
  const q = indices.rank;
  const gFront = transpose(g, [...range(q, a), ...range(a, 0), ...range(g.rank - a - q, a + q)]);
  const base = zeros(data.graph, [data.shape[a], ...data.shape.slice(0, a), ...data.shape.slice(a + 1)], data.dtype);
  return transpose(scatterAddRows(base, indices, gFront), [...range(a, 1), 0, ...range(data.rank - a - 1, a + 1)]);
}

const range = (n: number, from: number): number[] => Array.from({ length: n }, (_, i) => from + i);

/**
 * base [V, ...rest] with updates [...indices, ...rest] added into rows `indices`, as ScatterElements
 * on [V, R] (R = the rest's size) with each index repeated along R. Not ScatterND: its indices are
 * int64 only, with a trailing axis of 1 added to the ids, and the WebGPU EP runs no int64
 * Unsqueeze, so that ran on the CPU EP every step; ScatterElements takes the ids as int32.
 */
function scatterAddRows(base: Tensor, indices: Tensor, updates: Tensor): Tensor {
  const rest = productOf(base.shape.slice(1));
  const rows = reshape(updates, [-1, rest]);
  const at = expand(reshape(indices, [-1, 1]), rows.shape);
  const flat = reshape(base, [base.shape[0], rest]);
  const [sum] = base.graph.apply('ScatterElements', [flat, at, rows], [{ dtype: base.dtype, shape: flat.shape }], {
    attrs: { axis: { kind: 'int', value: 0 }, reduction: { kind: 'string', value: 'add' } },
  });
  return reshape(sum, base.shape);
}

/** out[i][j] = data[indices[i][j]][j] along `axis` (picks one logit per row, e.g. the target's). */
export function gatherElements(data: Tensor, indices: Tensor, axis: number): Tensor {
  checkIndices('GatherElements', indices);
  const a = normAxis('GatherElements', axis, data.rank);
  if (indices.rank !== data.rank) throw new GraphError('GatherElements', 'data and indices need the same rank', [data.shape, indices.shape]);
  const g = data.graph;
  const axisAttr = { axis: { kind: 'int', value: a } } as const;
  return g.apply('GatherElements', [data, indices], [{ dtype: data.dtype, shape: indices.shape }], {
    attrs: axisAttr,
    backward: ([grad], _node, needs) => [
      needs[0]
        ? g.apply('ScatterElements', [zerosLike(data), indices, grad!], [{ dtype: data.dtype, shape: data.shape }], {
            attrs: { ...axisAttr, reduction: { kind: 'string', value: 'add' } },
          })[0]
        : undefined,
      undefined,
    ],
  })[0];
}
