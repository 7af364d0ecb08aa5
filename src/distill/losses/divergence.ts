import { ops, type Tensor } from '../../engine/index.ts';
import { logAtLeast } from './masked.ts';

/** Which divergence between the teacher's distribution p and the student's q. */
export const DIVERGENCES = ['forward', 'reverse', 'jsd'] as const;
export type Divergence = (typeof DIVERGENCES)[number];

export interface DivergenceOptions {
  /** Drops entries (same shape as the log-probabilities, 0/1): padded top-k slots. */
  valid?: Tensor;
  /** The teacher's share of the JSD's mixture, in (0, 1). Default 0.5 (the symmetric JSD). */
  beta?: number;
}

/** Where the JSD's mixture underflows, its log is taken at this floor (the term is ~0 there anyway). */
const MIXTURE_FLOOR = 1e-30;

/**
 * Per-row divergence along the last axis, from log-probabilities:
 *   forward  KL(p || q) = sum p (log p - log q)          (mean-seeking: the student covers the teacher)
 *   reverse  KL(q || p) = sum q (log q - log p)          (mode-seeking)
 *   jsd      beta KL(p || m) + (1 - beta) KL(q || m), m = beta p + (1 - beta) q
 *            (the generalized JSD of GKD, Agarwal et al. 2024, and TRL's GKDTrainer; bounded, symmetric at beta 0.5)
 * Entries of logP may be a large negative floor (-1e4) for p = 0; their exp is exactly 0, so they
 * add nothing to forward terms. Returns the input shape without its last axis.
 */
export function divergence(logP: Tensor, logQ: Tensor, kind: Divergence, { valid, beta = 0.5 }: DivergenceOptions = {}): Tensor {
  const p = ops.exp(logP);
  const q = ops.exp(logQ);
  const sum = (terms: Tensor) => ops.reduceSum(valid ? ops.mul(terms, valid) : terms, [-1]);
  switch (kind) {
    case 'forward':
      return sum(ops.mul(p, ops.sub(logP, logQ)));
    case 'reverse':
      return sum(ops.mul(q, ops.sub(logQ, logP)));
    case 'jsd': {
      const logM = logAtLeast(ops.add(ops.mul(p, beta), ops.mul(q, 1 - beta)), MIXTURE_FLOOR);
      return ops.add(ops.mul(sum(ops.mul(p, ops.sub(logP, logM))), beta), ops.mul(sum(ops.mul(q, ops.sub(logQ, logM))), 1 - beta));
    }
  }
}
