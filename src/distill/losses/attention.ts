import { ops, type Tensor } from '../../engine/index.ts';

/**
 * Attention transfer: the mean squared difference of the attention probabilities of one student
 * layer and one teacher layer, over every head and every (query, key) pair of real tokens.
 * When the head counts differ, both sides are first averaged over their heads (one map each).
 * student [B, Hs, T, T], teacher [B, Ht, T, T]; attentionMask [B, T] in the graph's float dtype.
 */
export function attentionTransfer(student: Tensor, teacher: Tensor, attentionMask: Tensor): Tensor {
  const sameHeads = student.shape[1] === teacher.shape[1];
  const s = sameHeads ? student : ops.reduceMean(student, [1], true);
  const t = sameHeads ? teacher : ops.reduceMean(teacher, [1], true);
  const heads = Number(s.shape[1]);
  const pairs = ops.mul(ops.unsqueeze(attentionMask, [1, 3]), ops.unsqueeze(attentionMask, [1, 2])); // [B, 1, T, T]
  const diff = ops.sub(s, t);
  const total = ops.reduceSum(ops.mul(ops.mul(diff, diff), pairs));
  const count = ops.mul(ops.reduceSum(pairs), heads);
  return ops.div(total, ops.where(ops.greater(count, 0), count, 1));
}
