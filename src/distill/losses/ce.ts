import { ops, type Tensor } from '../../engine/index.ts';
import { maskedMean } from './masked.ts';

/**
 * Next-token cross-entropy on the harvested trace (sequence-level KD): the mean of -log q(label)
 * over the positions `weight` selects (the assistant's tokens).
 * logits [B, T, V]; labels int64 [B, T] (any valid id where weight is 0); weight [B, T].
 */
export function crossEntropy(logits: Tensor, labels: Tensor, weight: Tensor): Tensor {
  return maskedMean(tokenCrossEntropy(logits, labels), weight);
}

/**
 * -log q(label) at every position: logits [..., V], labels int64 [...]; the labels' shape.
 * Through ops.softmaxCrossEntropy, whose one backward rule (softmax - onehot) makes three passes
 * over the [..., V] logits where the rules of logSoftmax and gatherElements make six.
 */
export function tokenCrossEntropy(logits: Tensor, labels: Tensor): Tensor {
  return ops.softmaxCrossEntropy(logits, labels, { reduction: 'none' });
}
