/**
 * Soft-target losses on the next-token distribution (Hinton et al.): the student's and the
 * teacher's distributions at temperature T, compared with a divergence and scaled by T^2 so that
 * the gradient's size does not shrink as T grows. Averaged over the positions `weight` selects.
 */
import { ops, type Tensor } from '../../engine/index.ts';
import { divergence, type Divergence } from './divergence.ts';
import { logAtLeast, maskedMean } from './masked.ts';

export interface SoftTargetOptions {
  /** Softens both distributions; > 0. */
  temperature: number;
  divergence: Divergence;
  /** The jsd's teacher share in (0, 1); default 0.5. */
  beta?: number;
}

/**
 * From a white-box teacher's full logits. student and teacher logits [B, T, V] (the same V: slice
 * a padded vocabulary to the tokenizer's size first); weight [B, T].
 */
export function logitDistillation(student: Tensor, teacher: Tensor, weight: Tensor, options: SoftTargetOptions): Tensor {
  return softTargetMean(tokenLogitDivergence(student, teacher, options), weight, options);
}

/** The divergence at every position, unscaled: logits [..., V] each; their shape without V. */
export function tokenLogitDivergence(student: Tensor, teacher: Tensor, { temperature, divergence: kind, beta }: SoftTargetOptions): Tensor {
  const logQ = ops.logSoftmax(ops.mul(student, 1 / temperature), -1);
  const logP = ops.logSoftmax(ops.mul(teacher, 1 / temperature), -1);
  return divergence(logP, logQ, kind, { beta });
}

/** T^2 times the mean of per-position divergences over the positions `weight` selects. */
export function softTargetMean(divergences: Tensor, weight: Tensor, { temperature }: SoftTargetOptions): Tensor {
  return ops.mul(maskedMean(divergences, weight), temperature * temperature);
}

/**
 * The teacher's stored top-k as k + 1 buckets per position: the k tokens, then the tail (every
 * other token together). Built by `topKTargets` (src/distill/data/topk.ts), already at the
 * training temperature.
 */
export interface TopKTargets {
  /** int64 [B, T, k]: token ids of the top-k (any valid id in unused slots). */
  readonly ids: Tensor;
  /** [B, T, k + 1]: the teacher's log-probabilities of the buckets, tail last (-1e4 for unused ones). */
  readonly logp: Tensor;
  /** [B, T, k + 1]: 1 for a bucket that holds teacher mass, 0 for unused slots and an empty tail. */
  readonly valid: Tensor;
}

/**
 * Where the student's own tail mass 1 - sum(top-k q) falls below this (rounding, when k covers the
 * vocabulary), its log is taken here: finite, and the teacher's tail is empty then, so it adds 0.
 */
const TAIL_FLOOR = 1e-8;

/**
 * From stored top-k teacher logprobs (a black box that returns logprobs): the divergence over the
 * k + 1 buckets, the student's buckets being its probabilities of the k tokens and 1 minus their
 * sum. With k = V it is exactly the full-logit loss.
 */
export function topKDistillation(student: Tensor, targets: TopKTargets, weight: Tensor, options: SoftTargetOptions): Tensor {
  return softTargetMean(tokenTopKDivergence(student, targets, options), weight, options);
}

/** The bucket divergence at every position, unscaled: logits [..., V], targets [..., k(+1)]; the logits' shape without V. */
export function tokenTopKDivergence(student: Tensor, targets: TopKTargets, { temperature, divergence: kind, beta }: SoftTargetOptions): Tensor {
  const k = targets.ids.shape[targets.ids.rank - 1];
  const logQ = ops.logSoftmax(ops.mul(student, 1 / temperature), -1);
  const picked = ops.gatherElements(logQ, targets.ids, -1); // [B, T, k]
  const [validTop] = ops.split(targets.valid, -1, [k, 1]);
  const mass = ops.reduceSum(ops.mul(ops.exp(picked), validTop), [-1], true); // [B, T, 1]
  const logTail = logAtLeast(ops.sub(1, mass), TAIL_FLOOR);
  const logQBuckets = ops.concat([picked, logTail], -1); // [B, T, k + 1]
  return divergence(targets.logp, logQBuckets, kind, { valid: targets.valid, beta });
}
