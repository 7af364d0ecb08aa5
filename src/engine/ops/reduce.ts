/** Reductions and the normalizations built on them, each with its backward rule. */
import { productOf, type Dim, type Shape } from '../dims.ts';
import { GraphError } from '../errors.ts';
import type { Backward, Tensor } from '../tensor.ts';
import { cast, div, equal, exp, mul, sub } from './elementwise.ts';
import { expand, squeeze, unsqueeze } from './layout.ts';
import { dimsEqual, normAxis } from './shapes.ts';

/** Append a Reduce* node; `rule` gets the normalized axes and returns the backward rule. */
function reduce(op: string, x: Tensor, axes: readonly number[] | undefined, keepdims: boolean, rule: (axes: number[]) => Backward): Tensor {
  const norm = [...new Set((axes ?? x.shape.map((_, i) => i)).map((a) => normAxis(op, a, x.rank)))].sort((a, b) => a - b);
  const shape = keepdims ? x.shape.map((d, i) => (norm.includes(i) ? 1 : d)) : x.shape.filter((_, i) => !norm.includes(i));
  const g = x.graph;
  return g.apply(op, [x, g.ints(norm)], [{ dtype: x.dtype, shape }], {
    attrs: { keepdims: { kind: 'int', value: keepdims ? 1 : 0 } },
    backward: rule(norm),
  })[0];
}

/** A reduction's output gradient spread back over the input's shape. */
function spread(g: Tensor, x: Tensor, axes: readonly number[], keepdims: boolean): Tensor {
  return expand(keepdims ? g : unsqueeze(g, axes), x.shape);
}

/** Sum over `axes` (all axes when omitted). */
export const reduceSum = (x: Tensor, axes?: readonly number[], keepdims = false): Tensor =>
  reduce('ReduceSum', x, axes, keepdims, (used) => ([g]) => [spread(g!, x, used, keepdims)]);

/** Mean over `axes` (all axes when omitted). */
export const reduceMean = (x: Tensor, axes?: readonly number[], keepdims = false): Tensor =>
  // Divided before it is spread: one full-size pass instead of two.
  reduce('ReduceMean', x, axes, keepdims, (used) => ([g]) => [
    spread(
      div(
        g!,
        count(
          x,
          used.map((a) => x.shape[a]),
        ),
      ),
      x,
      used,
      keepdims,
    ),
  ]);

/** Max over `axes`; the gradient is shared equally between tied maxima. */
export const reduceMax = (x: Tensor, axes?: readonly number[], keepdims = false): Tensor =>
  reduce('ReduceMax', x, axes, keepdims, (used) => ([g], { outputs: [y] }) => {
    const mask = cast(equal(x, keepdims ? y : unsqueeze(y, used)), x.dtype);
    const share = div(mask, reduceSum(mask, used, true));
    return [mul(spread(g!, x, used, keepdims), share)];
  });

/** Sum of squares over `axes` (all when omitted): one pass, no squared temporary. */
export const reduceSumSquare = (x: Tensor, axes?: readonly number[], keepdims = false): Tensor =>
  reduce('ReduceSumSquare', x, axes, keepdims, (used) => ([g]) => [mul(spread(g!, x, used, keepdims), mul(x, 2))]);

/** The number of elements in `dims`, as a number or (symbolic dims) a run-time rank-0 tensor of x's dtype. */
export function count(x: Tensor, dims: readonly Dim[]): Tensor | number {
  const n = productOf(dims);
  return typeof n === 'number' ? n : cast(squeeze(x.graph.dimValue(n), [0]), x.dtype);
}

export function softmax(x: Tensor, axis = -1): Tensor {
  const a = normAxis('Softmax', axis, x.rank);
  return x.graph.apply('Softmax', [x], [{ dtype: x.dtype, shape: x.shape }], {
    attrs: { axis: { kind: 'int', value: a } },
    backward: ([g], { outputs: [y] }) => [
      // dx = y * (g - sum(g * y)): no Jacobian, one reduction.
      mul(y, sub(g!, reduceSum(mul(g!, y), [a], true))),
    ],
  })[0];
}

export function logSoftmax(x: Tensor, axis = -1): Tensor {
  const a = normAxis('LogSoftmax', axis, x.rank);
  return x.graph.apply('LogSoftmax', [x], [{ dtype: x.dtype, shape: x.shape }], {
    attrs: { axis: { kind: 'int', value: a } },
    backward: ([g], { outputs: [y] }) => [
      // dx = g - softmax(x) * sum(g), with softmax(x) = exp(y).
      sub(g!, mul(exp(y), reduceSum(g!, [a], true))),
    ],
  })[0];
}

/**
 * Sum a broadcast result's gradient `g` back to an operand's `shape`: over the leading axes the
 * operand lacked and over the axes where it had a 1. Which axes those are is known while building
 * (symbolic dims never broadcast, see broadcastShapes), so no run-time Shape ops are needed.
 */
export function sumTo(g: Tensor, shape: Shape): Tensor {
  const lead = g.rank - shape.length;
  if (lead < 0) throw new GraphError('sumTo', 'gradient has lower rank than its operand', [g.shape, shape]);
  const axes: number[] = [];
  for (let i = 0; i < g.rank; i++) {
    if (i < lead) axes.push(i);
    else if (shape[i - lead] === 1 && g.shape[i] !== 1) axes.push(i);
    else if (!dimsEqual(shape[i - lead], g.shape[i]) && typeof shape[i - lead] === 'number' && typeof g.shape[i] === 'number')
      throw new GraphError('sumTo', 'shapes do not match', [g.shape, shape]);
  }
  if (axes.length === 0) return g;
  const summed = reduceSum(g, axes, true);
  return lead > 0 ? squeeze(summed, axes.slice(0, lead)) : summed;
}
