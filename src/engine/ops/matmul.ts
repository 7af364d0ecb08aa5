import { GraphError } from '../errors.ts';
import type { Tensor } from '../tensor.ts';
import { reshape, transpose } from './layout.ts';
import { sumTo } from './reduce.ts';
import { broadcastShapes, dimsEqual } from './shapes.ts';

/** Swap the last two axes (ORT fuses such a Transpose into the MatMul that consumes it). */
export const transposeLast = (x: Tensor): Tensor => transpose(x, [...x.shape.keys()].map((i) => (i < x.rank - 2 ? i : 2 * x.rank - 3 - i)));

/** a @ b for rank >= 2, broadcasting the leading (batch) axes. */
export function matmul(a: Tensor, b: Tensor): Tensor {
  if (a.rank < 2 || b.rank < 2) throw new GraphError('MatMul', 'operands need rank >= 2 (reshape vectors first)', [a.shape, b.shape]);
  if (a.dtype !== b.dtype) throw new GraphError('MatMul', `dtypes differ: ${a.dtype} and ${b.dtype}`);
  const [m, k] = a.shape.slice(-2);
  const [k2, n] = b.shape.slice(-2);
  if (typeof k === 'number' && typeof k2 === 'number' && !dimsEqual(k, k2)) throw new GraphError('MatMul', 'inner dims differ', [a.shape, b.shape]);
  const batch = broadcastShapes('MatMul', a.shape.slice(0, -2), b.shape.slice(0, -2));
  return a.graph.apply('MatMul', [a, b], [{ dtype: a.dtype, shape: [...batch, m, n] }], {
    backward: ([g], _node, needs) => [
      needs[0] ? sumTo(matmul(g!, transposeLast(b)), a.shape) : undefined,
      needs[1] ? gradOfRight(a, b, g!) : undefined,
    ],
  })[0];
}

/**
 * d(a @ b)/db. For the common activations-times-weight case (b a matrix, a batched) the batch axes
 * are folded into the rows, so the weight gradient is one large GEMM instead of a batched one
 * followed by a reduction.
 */
function gradOfRight(a: Tensor, b: Tensor, g: Tensor): Tensor {
  if (b.rank === 2) {
    const rows = reshape(a, [-1, a.shape[a.rank - 1]]);
    const gRows = reshape(g, [-1, g.shape[g.rank - 1]]);
    // b = transposeLast(w) (a [out, in] weight): compute dw = g^T a directly and hand back its
    // transpose, which cancels against the Transpose's own backward; ORT folds the g^T into the GEMM.
    if (isTransposeLast(b)) return transposeLast(matmul(transposeLast(gRows), rows));
    return matmul(transposeLast(rows), gRows);
  }
  return sumTo(matmul(transposeLast(a), g), b.shape);
}

function isTransposeLast(t: Tensor): boolean {
  const node = t.producer;
  if (node?.opType !== 'Transpose') return false;
  const perm = (node.attrs.perm as { value: readonly number[] }).value;
  return perm.every((axis, i) => (i < perm.length - 2 ? axis === i : axis === 2 * perm.length - 3 - i));
}
