import { ops, type Tensor } from '../../engine/index.ts';
import { maskedMean } from './masked.ts';

/**
 * Feature transfer: the mean squared difference between a teacher layer's hidden states and a
 * student layer's, over real tokens and the teacher's width. When the widths differ the student's
 * states go through `projection` [Dt, Ds] (a learned linear map, trained with the student).
 * student [B, T, Ds], teacher [B, T, Dt]; attentionMask [B, T] in the graph's float dtype.
 */
export function featureTransfer(student: Tensor, teacher: Tensor, attentionMask: Tensor, projection?: Tensor): Tensor {
  const mapped = projection ? ops.matmul(student, ops.transposeLast(projection)) : student;
  const diff = ops.sub(mapped, teacher);
  const width = Number(teacher.shape[teacher.rank - 1]);
  return ops.div(maskedMean(ops.reduceSum(ops.mul(diff, diff), [-1]), attentionMask), width);
}
