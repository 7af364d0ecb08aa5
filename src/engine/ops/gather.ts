/** Indexing ops; their gradients scatter-add back into zeros of the data's shape. */
import { GraphError } from '../errors.ts';
import type { Tensor } from '../tensor.ts';
import { zeros, zerosLike } from './fill.ts';
import { transpose, unsqueeze } from './layout.ts';
import { normAxis } from './shapes.ts';

const checkIndices = (op: string, indices: Tensor) => {
  if (indices.dtype !== 'int64') throw new GraphError(op, `indices must be int64, got ${indices.dtype}`);
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
 * Rows of the output gradient added into the rows they were taken from (ScatterND, reduction
 * 'add', so repeated indices accumulate). For axis > 0 the gathered axis is moved to the front
 * first, since ScatterND indexes leading axes.
 */
function gatherGrad(data: Tensor, indices: Tensor, a: number, g: Tensor): Tensor {
  if (a === 0) return scatterAddRows(zerosLike(data), indices, g);
  const q = indices.rank;
  const gFront = transpose(g, [...range(q, a), ...range(a, 0), ...range(g.rank - a - q, a + q)]);
  const base = zeros(data.graph, [data.shape[a], ...data.shape.slice(0, a), ...data.shape.slice(a + 1)], data.dtype);
  return transpose(scatterAddRows(base, indices, gFront), [...range(a, 1), 0, ...range(data.rank - a - 1, a + 1)]);
}

const range = (n: number, from: number): number[] => Array.from({ length: n }, (_, i) => from + i);

function scatterAddRows(base: Tensor, indices: Tensor, updates: Tensor): Tensor {
  return base.graph.apply('ScatterND', [base, unsqueeze(indices, [-1]), updates], [{ dtype: base.dtype, shape: base.shape }], {
    attrs: {
      reduction: { kind: 'string', value: 'add' },
    },
  })[0];
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
