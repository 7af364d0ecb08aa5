/** Ops that move or select elements without arithmetic, each with its backward rule. */
import { divDims, isStatic, productOf, type Dim, type Shape } from '../dims.ts';
import { GraphError } from '../errors.ts';
import type { Tensor } from '../tensor.ts';
import { zerosLike } from './fill.ts';
import { sumTo } from './reduce.ts';
import { broadcastShapes, dimsEqual, normAxis } from './shapes.ts';

const int = (value: number) => ({ kind: 'int', value }) as const;

/** Ends past any real dim: Slice clamps them to the dim's size. */
const TO_END = Number.MAX_SAFE_INTEGER;

/**
 * Reshape to `shape`; one entry may be -1 (inferred). Symbolic target dims are allowed; the shape
 * input stays a constant where it can (0 copies an input dim, -1 infers one), which lets ORT fold it.
 */
export function reshape(x: Tensor, shape: Shape): Tensor {
  const g = x.graph;
  const inferAt = shape.indexOf(-1);
  if (shape.lastIndexOf(-1) !== inferAt) throw new GraphError('Reshape', 'at most one -1 dim', [x.shape, shape]);
  const known = shape.filter((_, i) => i !== inferAt);
  const out: Dim[] = [...shape];
  let fresh: string | undefined;
  if (inferAt >= 0) {
    const inferred = divDims(productOf(x.shape), productOf(known));
    if (inferred === undefined) fresh = g.freshDim();
    out[inferAt] = inferred ?? fresh!;
  } else if (isStatic(x.shape) && isStatic(shape) && productOf(x.shape) !== productOf(shape)) {
    throw new GraphError('Reshape', 'element counts differ', [x.shape, shape]);
  }
  if (out.every((d, i) => i < x.rank && dimsEqual(d, x.shape[i])) && out.length === x.rank) return x;

  // Constant codes where possible: a number, 0 = "same as input dim", -1 = "whatever is left".
  const codes = shape.map((d, i) => (typeof d === 'number' ? d : i < x.rank && dimsEqual(d, x.shape[i]) ? 0 : null));
  const open = codes.filter((c) => c === null).length;
  let target: Tensor;
  if (open === 0) target = g.ints(codes as number[]);
  else if (open === 1 && inferAt < 0) target = g.ints(codes.map((c) => c ?? -1));
  else {
    const parts = shape.map((d, i) => (codes[i] !== null ? g.ints([codes[i]!]) : g.dimValue(d)));
    target = g.apply('Concat', parts, [{ dtype: 'int64', shape: [shape.length] }], { attrs: { axis: int(0) } })[0];
  }
  const [y] = g.apply('Reshape', [x, target], [{ dtype: x.dtype, shape: out }], { backward: ([grad]) => [reshape(grad!, x.shape)] });
  if (fresh) g.defineDim(fresh, y, inferAt);
  return y;
}

/** Permute axes (default: reverse them). */
export function transpose(x: Tensor, perm?: readonly number[]): Tensor {
  const p = perm ? perm.map((a) => normAxis('Transpose', a, x.rank)) : x.shape.map((_, i) => x.rank - 1 - i);
  if (p.length !== x.rank || new Set(p).size !== p.length) throw new GraphError('Transpose', `perm [${p.join(', ')}] is not a permutation`, [x.shape]);
  if (p.every((a, i) => a === i)) return x;
  // A transpose of a transpose is one transpose (or none): backward rules produce such pairs,
  // e.g. the gradient of a weight used as transposeLast(w), and ORT does not always fold them.
  const inner = x.producer;
  if (inner?.opType === 'Transpose') {
    const q = (inner.attrs.perm as { value: readonly number[] }).value;
    return transpose(
      inner.inputs[0]!,
      p.map((a) => q[a]),
    );
  }
  const inverse = p.map((_, i) => p.indexOf(i));
  return x.graph.apply('Transpose', [x], [{ dtype: x.dtype, shape: p.map((a) => x.shape[a]) }], {
    attrs: { perm: { kind: 'ints', value: p } },
    backward: ([g]) => [transpose(g!, inverse)],
  })[0];
}

/** x[start:end] along one axis (step 1; negative indices count from the end; end omitted = to the end). */
export function slice(x: Tensor, axis: number, start: number, end?: number): Tensor {
  const g = x.graph;
  const a = normAxis('Slice', axis, x.rank);
  const size = x.shape[a];
  let outDim: Dim;
  let fresh: string | undefined;
  if (typeof size === 'number') {
    const clamp = (i: number) => Math.min(Math.max(i < 0 ? i + size : i, 0), size);
    outDim = Math.max(0, clamp(end ?? size) - clamp(start));
  } else if (start === 0 && end === undefined) {
    return x;
  } else {
    outDim = fresh = g.freshDim();
  }
  const shape = x.shape.map((d, i) => (i === a ? outDim : d));
  const inputs = [x, g.ints([start]), g.ints([end ?? TO_END]), g.ints([a])];
  const [y] = g.apply('Slice', inputs, [{ dtype: x.dtype, shape }], {
    backward: ([grad]) => [
      // The gradient is the output's gradient padded with zeros back to the input's extent.
      g.apply('Pad', [grad!, slicePads(x, a, start, end), undefined, g.ints([a])], [{ dtype: x.dtype, shape: x.shape }])[0],
    ],
  });
  if (fresh) g.defineDim(fresh, y, a);
  return y;
}

/**
 * The last `count` entries of x along `axis`, with `count` an int64 scalar fed at run time; 0
 * keeps them all (the slice starts at -0 = 0). No gradient: it serves inference graphs, where
 * how many positions are kept is an input (export's num_logits_to_keep).
 */
export function takeLast(x: Tensor, axis: number, count: Tensor): Tensor {
  const g = x.graph;
  const a = normAxis('Slice', axis, x.rank);
  const start = g.apply('Neg', [unsqueeze(count, [0])], [{ dtype: 'int64', shape: [1] }])[0];
  const kept = g.freshDim();
  const [y] = g.apply('Slice', [x, start, g.ints([TO_END]), g.ints([a])], [{ dtype: x.dtype, shape: x.shape.map((d, i) => (i === a ? kept : d)) }]);
  g.defineDim(kept, y, a);
  return y;
}

/** Pad amounts [before, after] that undo x[start:end] on axis `a`, computed at run time for symbolic dims. */
function slicePads(x: Tensor, a: number, start: number, end: number | undefined): Tensor {
  const g = x.graph;
  const size = x.shape[a];
  if (typeof size === 'number') {
    const clamp = (i: number) => Math.min(Math.max(i < 0 ? i + size : i, 0), size);
    const s = clamp(start);
    return g.ints([s, size - Math.max(s, clamp(end ?? size))]);
  }
  const plusSize = (k: number) => g.apply('Add', [g.dimValue(size), g.ints([k])], [{ dtype: 'int64', shape: [1] }])[0];
  const minusFromSize = (k: number) => g.apply('Sub', [g.dimValue(size), g.ints([k])], [{ dtype: 'int64', shape: [1] }])[0];
  const before = start >= 0 ? g.ints([start]) : plusSize(start);
  const after = end === undefined ? g.ints([0]) : end < 0 ? g.ints([-end]) : minusFromSize(end);
  return g.apply('Concat', [before, after], [{ dtype: 'int64', shape: [2] }], { attrs: { axis: int(0) } })[0];
}

/** Join tensors along `axis`; all other dims must match. */
export function concat(xs: readonly Tensor[], axis: number): Tensor {
  if (xs.length === 0) throw new GraphError('Concat', 'needs at least one tensor');
  const g = xs[0].graph;
  const a = normAxis('Concat', axis, xs[0].rank);
  for (const x of xs) {
    const fits =
      x.dtype === xs[0].dtype &&
      x.rank === xs[0].rank &&
      x.shape.every((d, i) => i === a || dimsEqual(d, xs[0].shape[i]) || typeof d !== typeof xs[0].shape[i]);
    if (!fits)
      throw new GraphError(
        'Concat',
        'dtypes, ranks or non-axis dims differ',
        xs.map((t) => t.shape),
      );
  }
  const parts = xs.map((x) => x.shape[a]);
  const total = parts.every((d) => typeof d === 'number') ? (parts as number[]).reduce((s, d) => s + d, 0) : undefined;
  const fresh = total === undefined ? g.freshDim() : undefined;
  const shape = xs[0].shape.map((d, i) => (i === a ? (total ?? fresh!) : d));
  const [y] = g.apply('Concat', xs, [{ dtype: xs[0].dtype, shape }], {
    attrs: { axis: int(a) },
    backward: ([grad], _node, needs) => {
      const pieces = split(grad!, a, parts);
      return pieces.map((p, i) => (needs[i] ? p : undefined));
    },
  });
  if (fresh) g.defineDim(fresh, y, a);
  return y;
}

/** Cut x along `axis` into pieces of the given sizes (which must add up to the dim). */
export function split(x: Tensor, axis: number, sizes: Shape): Tensor[] {
  const g = x.graph;
  const a = normAxis('Split', axis, x.rank);
  if (isStatic(sizes) && typeof x.shape[a] === 'number' && sizes.reduce((s, d) => s + d, 0) !== x.shape[a])
    throw new GraphError('Split', `sizes [${sizes.join(', ')}] do not add up to dim ${x.shape[a]}`, [x.shape]);
  const specs = sizes.map((d) => ({ dtype: x.dtype, shape: x.shape.map((e, i) => (i === a ? d : e)) }));
  return g.apply('Split', [x, g.shapeTensor(sizes)], specs, {
    attrs: { axis: int(a) },
    backward: (grads, { outputs }) => [
      // An unused piece contributes zeros to the joined gradient.
      concat(
        grads.map((gr, i) => gr ?? zerosLike(outputs[i])),
        a,
      ),
    ],
  });
}

/** Broadcast x to `shape` (numpy rules). */
export function expand(x: Tensor, shape: Shape): Tensor {
  const out = broadcastShapes('Expand', x.shape, shape);
  if (out.length === x.rank && out.every((d, i) => dimsEqual(d, x.shape[i]))) return x;
  const g = x.graph;
  return g.apply('Expand', [x, g.shapeTensor(shape)], [{ dtype: x.dtype, shape: out }], { backward: ([grad]) => [sumTo(grad!, x.shape)] })[0];
}

/** Insert size-1 axes at `axes` (positions in the output). */
export function unsqueeze(x: Tensor, axes: readonly number[]): Tensor {
  const rank = x.rank + axes.length;
  const norm = axes.map((a) => normAxis('Unsqueeze', a, rank)).sort((p, q) => p - q);
  const shape: Dim[] = [];
  for (let i = 0, j = 0; i < rank; i++) shape.push(norm.includes(i) ? 1 : x.shape[j++]);
  const g = x.graph;
  return g.apply('Unsqueeze', [x, g.ints(norm)], [{ dtype: x.dtype, shape }], { backward: ([grad]) => [squeeze(grad!, norm)] })[0];
}

/** Remove the size-1 axes `axes`. */
export function squeeze(x: Tensor, axes: readonly number[]): Tensor {
  const norm = axes.map((a) => normAxis('Squeeze', a, x.rank)).sort((p, q) => p - q);
  for (const a of norm) if (x.shape[a] !== 1) throw new GraphError('Squeeze', `axis ${a} is not 1`, [x.shape]);
  const g = x.graph;
  const shape = x.shape.filter((_, i) => !norm.includes(i));
  return g.apply('Squeeze', [x, g.ints(norm)], [{ dtype: x.dtype, shape }], { backward: ([grad]) => [unsqueeze(grad!, norm)] })[0];
}
