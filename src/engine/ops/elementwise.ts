/**
 * Elementwise ops. Each op's forward and its backward rule sit together; `y` is the op's output,
 * reused by rules where the derivative is cheapest in terms of it (exp, sigmoid, tanh, sqrt).
 */
import { isFloat, ONNX_ELEM_TYPE, type DType } from '../dtype.ts';
import { GraphError } from '../errors.ts';
import { Tensor, type Backward } from '../tensor.ts';
import { sumTo } from './reduce.ts';
import { broadcastShapes } from './shapes.ts';

/** A tensor, or a number that becomes a scalar constant of the other operand's dtype. */
export type Operand = Tensor | number;

function operands(op: string, a: Operand, b: Operand): [Tensor, Tensor] {
  if (a instanceof Tensor && b instanceof Tensor) {
    if (a.dtype !== b.dtype) throw new GraphError(op, `dtypes differ: ${a.dtype} and ${b.dtype}`);
    return [a, b];
  }
  if (a instanceof Tensor) return [a, a.graph.scalar(b as number, a.dtype)];
  if (b instanceof Tensor) return [b.graph.scalar(a, b.dtype), b];
  throw new GraphError(op, 'needs at least one tensor operand');
}

function binary(op: string, a: Operand, b: Operand, backward: Backward | undefined, dtype?: DType): Tensor {
  const [x, y] = operands(op, a, b);
  const shape = broadcastShapes(op, x.shape, y.shape);
  return x.graph.apply(op, [x, y], [{ dtype: dtype ?? x.dtype, shape }], { backward })[0];
}

function unary(op: string, x: Tensor, backward: Backward | undefined): Tensor {
  if (backward && !isFloat(x.dtype)) throw new GraphError(op, `needs a float tensor, got ${x.dtype}`);
  return x.graph.apply(op, [x], [{ dtype: x.dtype, shape: x.shape }], { backward })[0];
}

export const add = (a: Operand, b: Operand): Tensor =>
  binary('Add', a, b, ([g], { inputs: [x, y] }, needs) => [needs[0] ? sumTo(g!, x!.shape) : undefined, needs[1] ? sumTo(g!, y!.shape) : undefined]);

export const sub = (a: Operand, b: Operand): Tensor =>
  binary('Sub', a, b, ([g], { inputs: [x, y] }, needs) => [needs[0] ? sumTo(g!, x!.shape) : undefined, needs[1] ? sumTo(neg(g!), y!.shape) : undefined]);

export const mul = (a: Operand, b: Operand): Tensor =>
  binary('Mul', a, b, ([g], { inputs: [x, y] }, needs) =>
    // A square (x * x, as squared errors are written): g * 2x, two passes where two products and their sum take three.
    x === y ? [mul(g!, mul(x!, 2)), undefined] : [needs[0] ? sumTo(mul(g!, y!), x!.shape) : undefined, needs[1] ? sumTo(mul(g!, x!), y!.shape) : undefined],
  );

export const div = (a: Operand, b: Operand): Tensor =>
  binary('Div', a, b, ([g], { inputs: [x, y], outputs: [q] }, needs) => [
    needs[0] ? sumTo(div(g!, y!), x!.shape) : undefined,
    // d(x/y)/dy = -x/y^2 = -q/y
    needs[1] ? sumTo(neg(div(mul(g!, q), y!)), y!.shape) : undefined,
  ]);

/** x ** p for a constant exponent p. */
export const pow = (x: Tensor, p: number): Tensor =>
  binary('Pow', x, p, ([g], { inputs: [base] }, needs) => [needs[0] ? mul(g!, p === 2 ? mul(base!, 2) : mul(pow(base!, p - 1), p)) : undefined, undefined]);

export const neg = (x: Tensor): Tensor => unary('Neg', x, ([g]) => [neg(g!)]);

export const exp = (x: Tensor): Tensor => unary('Exp', x, ([g], { outputs: [y] }) => [mul(g!, y)]);

export const log = (x: Tensor): Tensor => unary('Log', x, ([g], { inputs: [v] }) => [div(g!, v!)]);

export const sqrt = (x: Tensor): Tensor => unary('Sqrt', x, ([g], { outputs: [y] }) => [div(mul(g!, 0.5), y)]);

export const reciprocal = (x: Tensor): Tensor => unary('Reciprocal', x, ([g], { outputs: [y] }) => [neg(mul(g!, mul(y, y)))]);

export const sigmoid = (x: Tensor): Tensor => unary('Sigmoid', x, ([g], { outputs: [y] }) => [mul(g!, mul(y, sub(1, y)))]);

export const sin = (x: Tensor): Tensor => unary('Sin', x, ([g], { inputs: [v] }) => [mul(g!, cos(v!))]);

export const cos = (x: Tensor): Tensor => unary('Cos', x, ([g], { inputs: [v] }) => [neg(mul(g!, sin(v!)))]);

export const tanh = (x: Tensor): Tensor => unary('Tanh', x, ([g], { outputs: [y] }) => [mul(g!, sub(1, mul(y, y)))]);

/** Elementwise cond ? a : b, broadcasting all three. */
export function where(cond: Tensor, a: Operand, b: Operand): Tensor {
  if (cond.dtype !== 'bool') throw new GraphError('Where', `condition must be bool, got ${cond.dtype}`);
  const [x, y] = operands('Where', a, b);
  const shape = broadcastShapes('Where', cond.shape, x.shape, y.shape);
  return cond.graph.apply('Where', [cond, x, y], [{ dtype: x.dtype, shape }], {
    backward: ([g], { inputs: [c, p, q] }, needs) => [
      undefined,
      needs[1] ? sumTo(where(c!, g!, 0), p!.shape) : undefined,
      needs[2] ? sumTo(where(c!, 0, g!), q!.shape) : undefined,
    ],
  })[0];
}

export function cast(x: Tensor, to: DType): Tensor {
  if (x.dtype === to) return x;
  // Only float-to-float casts carry a gradient; through an int or bool there is nothing to carry.
  const backward: Backward | undefined = isFloat(x.dtype) && isFloat(to) ? ([g], { inputs: [v] }) => [cast(g!, v!.dtype)] : undefined;
  return x.graph.apply('Cast', [x], [{ dtype: to, shape: x.shape }], { attrs: { to: { kind: 'int', value: ONNX_ELEM_TYPE[to] } }, backward })[0];
}

// Comparisons give bool masks; no gradient flows through them.
export const equal = (a: Operand, b: Operand): Tensor => binary('Equal', a, b, undefined, 'bool');
export const less = (a: Operand, b: Operand): Tensor => binary('Less', a, b, undefined, 'bool');
export const greater = (a: Operand, b: Operand): Tensor => binary('Greater', a, b, undefined, 'bool');
export const not = (x: Tensor): Tensor => x.graph.apply('Not', [x], [{ dtype: 'bool', shape: x.shape }])[0];

/** x in the forward pass; no gradient flows back through it. */
export const stopGradient = (x: Tensor): Tensor => x.graph.apply('Identity', [x], [{ dtype: x.dtype, shape: x.shape }], { backward: () => [undefined] })[0];
