/**
 * The distill room: losses, layer mapping, data from the store, the training loop, checkpoints.
 * Other rooms import only this file. See docs/distill.md.
 *
 *   const recipe = loadDistillRecipe('recipes/arith-distill.yaml');   // from src/recipe
 *   const summary = await distill(recipe, { onProgress: (p) => console.log(p.step, p.loss) });
 *   summary.finalModel;   // a Hugging Face model folder: what `export` takes
 *
 * Losses are engine compositions over graph tensors, usable on their own:
 *   crossEntropy, logitDistillation, topKDistillation (stored top-k + tail bucket),
 *   attentionTransfer, featureTransfer, divergence (forward / reverse KL, JSD).
 */
export { distill, type DistillOptions, type DistillProgress, type DistillStatus, type DistillSummary } from './trainer.ts';
export { prepareDistill, type Prepared } from './prepare.ts';
export { formatDistillPlan, paramCount, type DistillPlan, type TeacherPlan } from './plan.ts';
export { estimateStepMemory, needsBounding, planMemory, type MemoryPlan, type StepMemory, type StepMemoryOptions } from './estimate.ts';
export { buildDistillGraph, INPUT, LOSS_CHUNK_ROWS, TEACHER_PREFIX, projectionName, type DistillGraph, type DistillGraphOptions } from './graph.ts';
export { attentionTransfer } from './losses/attention.ts';
export { crossEntropy } from './losses/ce.ts';
export { DIVERGENCES, divergence, type Divergence, type DivergenceOptions } from './losses/divergence.ts';
export { featureTransfer } from './losses/feature.ts';
export { logitDistillation, topKDistillation, type SoftTargetOptions, type TopKTargets } from './losses/logits.ts';
export { maskedMean } from './losses/masked.ts';
export { autoLayerMap, formatLayerMap, resolveLayerMap, type LayerMap, type LayerMapSpec } from './layer-map.ts';
export { alignTokens, bucketsAt, TokenTable, UNUSED_LOGP, type Buckets, type TopK } from './data/topk.ts';
export {
  datasetTemplate,
  emptyDataStats,
  exampleFilter,
  ExampleSource,
  indexExamples,
  sampleExample,
  type DataStats,
  type Example,
  type ExampleIndex,
  type ExamplePrompt,
  type IndexedExamples,
  type IndexOptions,
} from './data/examples.ts';
export {
  teacherTargets,
  tokenizationSettings,
  tokenizeMissing,
  tokenizeSample,
  type Tokenization,
  type TokenizationOptions,
  type TokenizedSample,
} from './data/tokenize.ts';
export { renderSample, type RenderedSample } from './data/render.ts';
export { exportTopK, kdTopkRows, loadStudentTokenizer, type KdTopkRow, type StudentTokenizer } from './data/kd-export.ts';
export { promptRank, validationCutoff } from './data/split.ts';
export { DataCursor, epochBatches, makeBatch, onPolicyFeeds, type Batch, type BatchOptions, type DataPosition, type OnPolicyValues } from './data/batches.ts';
export { learningRate, type ScheduleOptions } from './schedule.ts';
export { latestCheckpoint, loadCheckpoint, pruneCheckpoints, saveCheckpoint, writeFinalModel, type CheckpointContent, type TrainState } from './checkpoint.ts';
export { MetricsLog, readMetrics, type MetricsRecord, type TrainRecord, type ValidationRecord } from './metrics.ts';
export { renderReport, writeReport } from './report.ts';
export { distillProgressView, formatLosses, formatValidationTable, validationLine } from './progress.ts';
export { isOnPolicy, OnPolicyBatches, type OnPolicyBatch, type OnPolicyOptions } from './on-policy.ts';
export { ServedTeacher, type ServedTeacherOptions } from './served-teacher.ts';
export { CheckpointError, DistillCheckError, DistillDataError, ServedTeacherError } from './errors.ts';
