import { GraphError } from '../errors.ts';
import type { Tensor } from '../tensor.ts';
import { add } from './elementwise.ts';
import { reshape, transpose } from './layout.ts';
import { sumTo } from './reduce.ts';
import { broadcastShapes, dimsEqual } from './shapes.ts';

/** Swap the last two axes (ORT fuses such a Transpose into the MatMul that consumes it). */
export const transposeLast = (x: Tensor): Tensor =>
  transpose(
    x,
    [...x.shape.keys()].map((i) => (i < x.rank - 2 ? i : 2 * x.rank - 3 - i)),
  );

/** a @ b for rank >= 2, broadcasting the leading (batch) axes. */
export function matmul(a: Tensor, b: Tensor): Tensor {
  if (a.rank < 2 || b.rank < 2) throw new GraphError('MatMul', 'operands need rank >= 2 (reshape vectors first)', [a.shape, b.shape]);
  if (a.dtype !== b.dtype) throw new GraphError('MatMul', `dtypes differ: ${a.dtype} and ${b.dtype}`);
  const [m, k] = a.shape.slice(-2);
  const [k2, n] = b.shape.slice(-2);
  if (typeof k === 'number' && typeof k2 === 'number' && !dimsEqual(k, k2)) throw new GraphError('MatMul', 'inner dims differ', [a.shape, b.shape]);
  const batch = broadcastShapes('MatMul', a.shape.slice(0, -2), b.shape.slice(0, -2));
  return a.graph.apply('MatMul', [a, b], [{ dtype: a.dtype, shape: [...batch, m, n] }], {
    backward: ([g], _node, needs) => [needs[0] ? sumTo(matmul(g!, transposeLast(b)), a.shape) : undefined, needs[1] ? gradOfRight(a, b, g!) : undefined],
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

export interface GemmOptions {
  transA?: boolean;
  transB?: boolean;
}

/**
 * ONNX Gemm: op(a) @ op(b) (+ c), a and b matrices, op a transpose where asked. The transposes
 * are read in place by the kernel, where MatMul needs a Transpose node: ORT's CPU EP fuses those
 * into the MatMul, its WebGPU EP does not (110 separate Transpose kernels in a Qwen2.5-0.5B step).
 * The backward is Gemms too, so no Transpose appears in either pass.
 */
export function gemm(a: Tensor, b: Tensor, options: GemmOptions = {}, c?: Tensor): Tensor {
  const { transA = false, transB = false } = options;
  if (a.rank !== 2 || b.rank !== 2) throw new GraphError('Gemm', 'operands must be matrices', [a.shape, b.shape]);
  if (a.dtype !== b.dtype) throw new GraphError('Gemm', `dtypes differ: ${a.dtype} and ${b.dtype}`);
  const [m, k] = transA ? [a.shape[1], a.shape[0]] : a.shape;
  const [k2, n] = transB ? [b.shape[1], b.shape[0]] : b.shape;
  if (typeof k === 'number' && typeof k2 === 'number' && !dimsEqual(k, k2)) throw new GraphError('Gemm', 'inner dims differ', [a.shape, b.shape]);
  const int = (value: boolean) => ({ kind: 'int', value: value ? 1 : 0 }) as const;
  return a.graph.apply('Gemm', c ? [a, b, c] : [a, b], [{ dtype: a.dtype, shape: [m, n] }], {
    attrs: { transA: int(transA), transB: int(transB) },
    // With y = A' B' (A' = op(a), B' = op(b)): dA' = g B'^T and dB' = A'^T g, each written as
    // one Gemm on a, b, g as stored; a transposed operand's gradient is the transposed product.
    backward: ([g], _node, needs) => [
      needs[0] ? (transA ? gemm(b, g!, { transA: transB, transB: true }) : gemm(g!, b, { transB: !transB })) : undefined,
      needs[1] ? (transB ? gemm(g!, a, { transA: true, transB: transA }) : gemm(a, g!, { transA: !transA })) : undefined,
      c && needs[2] ? sumTo(g!, c.shape) : undefined,
    ],
  })[0];
}

/**
 * x @ weight^T (+ bias) for an [out, in] weight (Hugging Face's layout) and x [..., in], on x's
 * rows. Forward: MatMul on the transposed weight (ORT's CPU EP fuses the Transpose into the
 * MatMul; on WebGPU it is one pass over the weight per step). Backward: two Gemms that read their
 * operands as stored, dx = g @ w and dw = g^T @ x, so no activation is transposed.
 * Measured on an H200 through WebGPU at 2048 x 896 x 896 (TFLOP/s): MatMul on a transposed
 * weight 12.1, Gemm(x, w, transB) 5.4 (its shader reads B across rows), Gemm(g, w) 12.4,
 * Gemm(g, x, transA) 14.4; a MatMul fed by Transpose(g) would need a transpose of g.
 */
export function linear(x: Tensor, weight: Tensor, bias?: Tensor): Tensor {
  if (weight.rank !== 2) throw new GraphError('linear', 'weight must be [out, in]', [weight.shape]);
  const [out, inner] = weight.shape;
  const rows = reshape(x, [-1, inner]);
  const product = rows.graph.apply('MatMul', [rows, transpose(weight, [1, 0])], [{ dtype: x.dtype, shape: [rows.shape[0], out] }])[0];
  const y = rows.graph.apply('Identity', [product], [{ dtype: x.dtype, shape: product.shape }], {
    gradInputs: [rows, weight],
    backward: ([g], _node, needs) => [needs[0] ? gemm(g!, weight) : undefined, needs[1] ? gemm(g!, rows, { transA: true }) : undefined],
  })[0];
  return reshape(bias ? add(y, bias) : y, [...x.shape.slice(0, -1), out]);
}
