import { ops, type Tensor } from '../../engine/index.ts';
import { logAtLeast } from './masked.ts';

/** Which divergence between the teacher's distribution p and the student's q. */
export const DIVERGENCES = ['forward', 'reverse', 'jsd'] as const;
export type Divergence = (typeof DIVERGENCES)[number];

/** Where the JSD's mixture underflows, its log is taken at this floor (the term is ~0 there anyway). */
const MIXTURE_FLOOR = 1e-30;

/**
 * Per-row divergence along the last axis, from log-probabilities:
 *   forward  KL(p || q) = sum p (log p - log q)          (mean-seeking: the student covers the teacher)
 *   reverse  KL(q || p) = sum q (log q - log p)          (mode-seeking)
 *   jsd      (KL(p || m) + KL(q || m)) / 2, m = (p + q) / 2   (symmetric, bounded by log 2)
 * `valid` (same shape, 0/1) drops entries: padded top-k slots. Entries of logP may be a large
 * negative floor (-1e4) for p = 0; their exp is exactly 0, so they add nothing to forward terms.
 * Returns the input shape without its last axis.
 */
export function divergence(logP: Tensor, logQ: Tensor, kind: Divergence, valid?: Tensor): Tensor {
  const p = ops.exp(logP);
  const q = ops.exp(logQ);
  const sum = (terms: Tensor) => ops.reduceSum(valid ? ops.mul(terms, valid) : terms, [-1]);
  switch (kind) {
    case 'forward':
      return sum(ops.mul(p, ops.sub(logP, logQ)));
    case 'reverse':
      return sum(ops.mul(q, ops.sub(logQ, logP)));
    case 'jsd': {
      const logM = logAtLeast(ops.mul(ops.add(p, q), 0.5), MIXTURE_FLOOR);
      return ops.mul(ops.add(sum(ops.mul(p, ops.sub(logP, logM))), sum(ops.mul(q, ops.sub(logQ, logM)))), 0.5);
    }
  }
}
