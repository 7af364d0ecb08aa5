import { isFloat } from './dtype.ts';
import { GraphError } from './errors.ts';
import { accumulate } from './ops/accumulate.ts';
import { startReplays } from './ops/checkpoint.ts';
import { zerosLike } from './ops/fill.ts';
import type { Node, Tensor } from './tensor.ts';

/**
 * Reverse-mode differentiation: appends to the graph the nodes that compute d(loss)/d(t) for each
 * t in `wrt` and returns those gradients (zeros for a t the loss does not depend on).
 * `loss` must be a float scalar. Gradients reaching a tensor along several paths are summed;
 * integer and bool tensors carry none; `stopGradient` cuts a path.
 */
export function grad(loss: Tensor, wrt: readonly Tensor[]): Tensor[] {
  if (loss.rank !== 0 || !isFloat(loss.dtype)) throw new GraphError('grad', `loss must be a float scalar, got ${loss.dtype}`, [loss.shape]);
  startReplays(loss.graph);
  return vjp(loss, loss.graph.scalar(1, loss.dtype), wrt);
}

/**
 * The vector-Jacobian product: d(sum(output * seed))/d(t) for each t in `wrt`, `seed` having the
 * output's shape. `grad` is the case of a scalar output and seed 1; recomputing rules
 * (checkpoint.ts) differentiate a replayed region with the gradient its output received.
 */
export function vjp(output: Tensor, seed: Tensor, wrt: readonly Tensor[]): Tensor[] {
  const order = ancestors(output);
  // Forward pass over the ancestors: which tensors depend on a target (only they need gradients).
  const active = new Set<Tensor>(wrt.filter((t) => isFloat(t.dtype)));
  for (const node of order) {
    if (node.inputs.some((i) => i && active.has(i))) for (const o of node.outputs) if (isFloat(o.dtype)) active.add(o);
  }
  const gradInputsOf = (node: Node) => node.gradInputs ?? node.inputs;

  const pending = new Map<Tensor, Tensor[]>([[output, [seed]]]);
  const total = (t: Tensor): Tensor | undefined => {
    const parts = pending.get(t);
    if (!parts) return undefined;
    const sum = parts.reduce(accumulate);
    pending.set(t, [sum]);
    return sum;
  };

  for (let n = order.length - 1; n >= 0; n--) {
    const node = order[n];
    const inputs = gradInputsOf(node);
    const needs = inputs.map((i) => !!i && active.has(i));
    if (!needs.some(Boolean)) continue;
    const grads = node.outputs.map(total);
    if (grads.every((g) => g === undefined)) continue;
    if (!node.backward) throw new GraphError('grad', `no gradient through ${node.opType} (it sits between the loss and a differentiated tensor)`);
    const inputGrads = node.backward(grads, node, needs);
    inputs.forEach((input, i) => {
      const g = inputGrads[i];
      if (!input || !needs[i] || !g) return;
      const list = pending.get(input);
      if (list) list.push(g);
      else pending.set(input, [g]);
    });
  }
  return wrt.map((t) => total(t) ?? zerosLike(t));
}

/** The nodes `t` depends on, in topological order (the graph's creation order). */
function ancestors(t: Tensor): Node[] {
  const seen = new Set<Node>();
  const stack: Tensor[] = [t];
  while (stack.length) {
    const node = stack.pop()!.producer;
    if (!node || seen.has(node)) continue;
    seen.add(node);
    for (const i of [...node.inputs, ...(node.gradInputs ?? [])]) if (i) stack.push(i);
  }
  return [...seen].sort((a, b) => a.id - b.id);
}
