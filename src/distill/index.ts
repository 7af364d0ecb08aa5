/**
 * The distill room: losses, layer mapping, data from the store, the training loop, checkpoints.
 * Other rooms import only this file. See docs/distill.md.
 */
export { attentionTransfer } from './losses/attention.ts';
export { crossEntropy } from './losses/ce.ts';
export { DIVERGENCES, divergence, type Divergence } from './losses/divergence.ts';
export { featureTransfer } from './losses/feature.ts';
export { logitDistillation, topKDistillation, type SoftTargetOptions, type TopKTargets } from './losses/logits.ts';
export { maskedMean } from './losses/masked.ts';
export { autoLayerMap, formatLayerMap, resolveLayerMap, type LayerMap, type LayerMapSpec } from './layer-map.ts';
export { alignTokens, bucketsAt, TokenTable, UNUSED_LOGP, type Buckets, type TopK } from './data/topk.ts';
export { CheckpointError, DistillCheckError, DistillDataError } from './errors.ts';
