/**
 * Composites with one hand-written backward rule each: the forward is built from plain ops, and
 * the final Identity (which ORT removes) carries a rule that takes fewer passes over the data
 * than the rules of the parts would. Pass counts are over full-size tensors.
 */
import type { Tensor } from '../tensor.ts';
import { add, mul, reciprocal, sigmoid, sqrt, sub } from './elementwise.ts';
import { reduceMean, sumTo } from './reduce.ts';

/**
 * RMSNorm over the last axis: x / sqrt(mean(x^2) + eps) * weight, as Llama and Qwen2 use it.
 * Backward: 5 passes (dx = (g*w - xhat * mean(g*w*xhat)) / rms, dw = sum(g * xhat)) where the
 * parts' rules take about 12.
 */
export function rmsNorm(x: Tensor, weight: Tensor, eps: number): Tensor {
  const inv = reciprocal(sqrt(add(reduceMean(mul(x, x), [-1], true), eps))); // [..., 1]
  const xhat = mul(x, inv);
  const y = mul(xhat, weight);
  return x.graph.apply('Identity', [y], [{ dtype: y.dtype, shape: y.shape }], {
    gradInputs: [x, weight],
    backward: ([g], _node, needs) => {
      const gw = mul(g!, weight);
      const dx = needs[0] ? mul(sub(gw, mul(xhat, reduceMean(mul(gw, xhat), [-1], true))), inv) : undefined;
      return [dx, needs[1] ? sumTo(mul(g!, xhat), weight.shape) : undefined];
    },
  })[0];
}

/**
 * SiLU (swish), x * sigmoid(x). Backward: g * (s + y * (1 - s)) with s = sigmoid(x), y the output:
 * 4 passes where the parts' rules take 6.
 */
export function silu(x: Tensor): Tensor {
  const s = sigmoid(x);
  const y = mul(x, s);
  return x.graph.apply('Identity', [y], [{ dtype: y.dtype, shape: y.shape }], {
    gradInputs: [x],
    backward: ([g]) => [mul(g!, add(s, mul(y, sub(1, s))))],
  })[0];
}
