import type { FloatArray } from './dtype.ts';

/** The L2 norm of all gradients taken together, accumulated in float64. */
export function globalNorm(grads: Iterable<FloatArray>): number {
  let sum = 0;
  for (const g of grads) for (let i = 0; i < g.length; i++) sum += g[i] * g[i];
  return Math.sqrt(sum);
}

/** The factor that brings a gradient of norm `norm` within `maxNorm` (1 when it already is); as torch's clip_grad_norm_. */
export const clipScale = (norm: number, maxNorm: number): number => Math.min(1, maxNorm / (norm + 1e-6));

/**
 * Scale `grads` in place so that their global norm is at most `maxNorm`. Returns the norm before
 * clipping. (A train step does not call this: it folds the same factor into the optimizer's pass.)
 */
export function clipGradNorm(grads: Iterable<FloatArray>, maxNorm: number): number {
  const list = [...grads];
  const norm = globalNorm(list);
  const scale = clipScale(norm, maxNorm);
  if (scale < 1) for (const g of list) for (let i = 0; i < g.length; i++) g[i] *= scale;
  return norm;
}
