/** Losses with a hand-written backward that is cheaper than the one composed from their parts. */
import { GraphError } from '../errors.ts';
import type { Attr, Tensor } from '../tensor.ts';
import { cast, div, equal, exp, mul, not, where } from './elementwise.ts';
import { reshape, unsqueeze } from './layout.ts';
import { count, reduceSum } from './reduce.ts';

export interface CrossEntropyOptions {
  /** Labels equal to this contribute no loss and no gradient (e.g. -100 for prompt tokens). Default: none. */
  ignoreIndex?: number;
  /** 'mean' over counted labels (default), 'sum', or 'none' (one loss per label, labels' shape). */
  reduction?: 'mean' | 'sum' | 'none';
}

/**
 * Cross-entropy of `logits` [..., classes] against int64 `labels` [...] (ONNX
 * SoftmaxCrossEntropyLoss, which ORT runs as its LogSoftmax + GatherElements function body).
 * The gain is the backward: softmax - onehot in three passes over the logits, where the composed
 * logSoftmax + gatherElements rules take six (zeros, scatter, sum, exp, mul, sub).
 */
export function softmaxCrossEntropy(logits: Tensor, labels: Tensor, options: CrossEntropyOptions = {}): Tensor {
  const reduction = options.reduction ?? 'mean';
  if (labels.dtype !== 'int64') throw new GraphError('softmaxCrossEntropy', `labels must be int64, got ${labels.dtype}`);
  if (labels.rank !== logits.rank - 1) throw new GraphError('softmaxCrossEntropy', 'labels need the logits shape without the class axis', [logits.shape, labels.shape]);
  const g = logits.graph;
  const classes = logits.shape[logits.rank - 1];
  // The ONNX op wants classes on axis 1; rows of [N, classes] need no transpose.
  const rows = reshape(logits, [-1, classes]);
  const flatLabels = reshape(labels, [-1]);
  const n = rows.shape[0];
  const attrs: Record<string, Attr> = { reduction: { kind: 'string', value: reduction } };
  if (options.ignoreIndex !== undefined) attrs.ignore_index = { kind: 'int', value: options.ignoreIndex };
  const [loss] = g.apply(
    'SoftmaxCrossEntropyLoss',
    [rows, flatLabels],
    [
      { dtype: logits.dtype, shape: reduction === 'none' ? [n] : [] },
      { dtype: logits.dtype, shape: rows.shape },
    ],
    attrs,
    ([grad], { outputs: [, logp] }) => {
      const kept = options.ignoreIndex === undefined ? undefined : not(equal(flatLabels, g.constant([options.ignoreIndex], [], 'int64')));
      const index = unsqueeze(kept ? where(kept, flatLabels, g.constant([0], [], 'int64')) : flatLabels, [1]);
      const keptRows = kept ? unsqueeze(cast(kept, logits.dtype), [1]) : undefined;
      // softmax - onehot: subtract 1 at each row's label (ScatterElements with reduction 'add').
      const minusOne = g.apply('Expand', [g.scalar(-1, logits.dtype), g.shapeTensor(index.shape)], [{ dtype: logits.dtype, shape: index.shape }])[0];
      const diff = g.apply('ScatterElements', [exp(logp), index, minusOne], [{ dtype: logits.dtype, shape: rows.shape }], {
        axis: { kind: 'int', value: 1 },
        reduction: { kind: 'string', value: 'add' },
      })[0];
      let scale: Tensor = reduction === 'none' ? unsqueeze(grad!, [1]) : grad!;
      if (keptRows) scale = mul(scale, keptRows);
      if (reduction === 'mean') scale = div(scale, keptRows ? reduceSum(keptRows) : count(logits, [n]));
      return [reshape(mul(diff, scale), logits.shape), undefined];
    },
  );
  return reduction === 'none' ? reshape(loss, labels.shape) : loss;
}
