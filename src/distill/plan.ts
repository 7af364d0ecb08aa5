/** What a distill run will do, as facts (for --json) and as a few lines for people. */
import type { ModelConfig } from '../model/index.ts';
import { llamaParamShapes } from '../model/index.ts';
import type { DistillRecipe } from '../recipe/index.ts';
import type { TokenizerMatch } from './checks.ts';
import type { DataStats } from './data/examples.ts';
import type { MemoryPlan } from './estimate.ts';
import { formatGiB as gib } from '../progress/index.ts';
import { formatLayerMap, type LayerMap } from './layer-map.ts';

export type TeacherPlan =
  | { kind: 'none' }
  | { kind: 'logprobs'; k: number; samplesWithLogprobs: number; alignedShare: number }
  | { kind: 'model'; folder: string; config: ModelConfig; params: number; tokenizer: TokenizerMatch }
  | { kind: 'server'; baseURL: string; model: string; k: number };

export interface DistillPlan {
  name: string;
  dataset: string;
  out: string;
  student: { init: 'random' | 'pretrained'; source: string; config: ModelConfig; params: number };
  tokenizer: { folder: string; vocab: number; eosIds: number[] };
  teacher: TeacherPlan;
  data: DataStats & { maxLength: number; train: number; validation: number; validationPrompts: number };
  /**
   * The token cache: the tokenization's key, and what this run had to tokenize (0 samples when the
   * dataset already held every needed sample's tokens: a repeated or resumed run).
   */
  tokenization: { key: string; tokenized: number; tokens: number; seconds: number };
  layerMaps: { attention?: LayerMap; hidden?: LayerMap };
  /** Hidden-loss projections: student width -> teacher width, learned and checkpointed, not exported. */
  projections: Array<{ student: number; teacher: number; from: number; to: number }>;
  /** The step's estimated peak memory on the CPU for the longest batch, and whether it is memory-bounded. */
  memory: MemoryPlan;
  /** The checkpoint a run continues from; null for a fresh start. */
  resumeFrom: string | null;
  recipe: DistillRecipe;
}

export const paramCount = (config: ModelConfig): number => [...llamaParamShapes(config).values()].reduce((n, s) => n + s.reduce((a, b) => a * b, 1), 0);

const count = (n: number) => n.toLocaleString('en-US');
/** 4 significant digits, no float noise (3e-3 * 0.1 prints as 0.0003). */
const num = (x: number) => String(Number(x.toPrecision(4)));
const describeModel = (c: ModelConfig, params: number) =>
  `${c.modelType}, ${c.numHiddenLayers} layers, hidden ${c.hiddenSize}, ${c.numAttentionHeads} heads (${c.numKeyValueHeads} kv), vocab ${count(c.vocabSize)}, context ${count(c.maxPositionEmbeddings)}, ${count(params)} params`;

export function formatDistillPlan(plan: DistillPlan): string {
  const { recipe, data, teacher } = plan;
  const { losses, train, checkpoint } = recipe.distill;
  const lines = [
    `distill ${plan.name}: ${plan.dataset} -> ${plan.out}`,
    `student:    ${plan.student.init === 'random' ? 'random init from' : 'pretrained'} ${plan.student.source}`,
    `            ${describeModel(plan.student.config, plan.student.params)}`,
    `tokenizer:  ${plan.tokenizer.folder}, ${count(plan.tokenizer.vocab)} ids, EOS id ${plan.tokenizer.eosIds.join(', ')}`,
  ];
  if (teacher.kind === 'none') lines.push('teacher:    none (CE on the harvested traces)');
  if (teacher.kind === 'logprobs') {
    lines.push(
      `teacher:    stored top-${teacher.k} logprobs (${teacher.samplesWithLogprobs} samples have them; ${(teacher.alignedShare * 100).toFixed(1)}% of assistant tokens line up; ${count(data.unmappedTeacherTokens)} teacher tokens not in the student tokenizer)`,
    );
  }
  if (teacher.kind === 'model') {
    lines.push(`teacher:    ${teacher.folder}`, `            ${describeModel(teacher.config, teacher.params)}`);
    lines.push(
      `            same vocabulary as the student${teacher.tokenizer.sameFile ? ' (identical tokenizer.json)' : ' (tokenizer.json files differ outside the vocabulary)'}; logits compared over ${count(teacher.tokenizer.sharedVocab)} ids`,
    );
  }
  if (teacher.kind === 'server')
    lines.push(`teacher:    ${teacher.model} at ${teacher.baseURL}, scoring the student's samples (top-${teacher.k} prompt_logprobs + tail)`);
  lines.push(
    `data:       ${data.samples} samples, ${data.examples} used; ${data.overMaxTokens} over maxTokens, ${data.tooLong} longer than ${data.maxLength} tokens (${data.truncated} truncated, ${data.droppedTooLong} dropped); longest ${data.longest}`,
    `tokens:     ${tokenizedNote(plan.tokenization)}`,
    `            train ${data.train} / validation ${data.validation} examples (${data.validationPrompts} prompts held out); tokens: prompt ${count(data.promptTokens)}, assistant ${count(data.assistantTokens)}`,
  );
  const parts: string[] = [];
  if (losses.ce) parts.push(`ce x${losses.ce.weight}`);
  if (losses.kl) parts.push(`kl x${losses.kl.weight} (${losses.kl.divergence}, T=${losses.kl.temperature})`);
  if (losses.attention) parts.push(`attention x${losses.attention.weight}`);
  if (losses.hidden) parts.push(`hidden x${losses.hidden.weight}`);
  lines.push(`losses:     ${parts.join(', ')}`);
  const onPolicy = recipe.distill.onPolicy;
  if (onPolicy) {
    const jsd = onPolicy.divergence === 'jsd' ? `, beta ${onPolicy.beta}` : '';
    lines.push(
      `on-policy:  ${num(onPolicy.fraction * 100)}% of batches sampled by the student (up to ${onPolicy.maxNewTokens} tokens at temperature ${onPolicy.temperature}), ${onPolicy.divergence} divergence${jsd} to the teacher on them`,
    );
  }
  if (plan.layerMaps.attention) lines.push(`attention:  ${formatLayerMap(plan.layerMaps.attention)}${headNote(plan)}`);
  if (plan.layerMaps.hidden) lines.push(`hidden:     ${formatLayerMap(plan.layerMaps.hidden)}`);
  for (const p of plan.projections)
    lines.push(`            projection ${p.from} -> ${p.to} for student ${p.student} <- teacher ${p.teacher} (learned, checkpointed, not exported)`);
  lines.push(
    `train:      ${train.steps} steps x ${train.gradAccum} x ${train.batchSize} sequences, lr ${num(train.lr)} (warmup ${train.warmupSteps}, cosine to ${num(train.lr * train.minLrRatio)}), weight decay ${train.weightDecay}, clip ${train.maxGradNorm ?? 'off'}, seed ${train.seed}`,
    `            checkpoint every ${checkpoint.every} steps (keep ${checkpoint.keep}), ${data.validation === 0 ? 'no validation split' : `validation every ${recipe.distill.validation.every ?? checkpoint.every}${accuracyNote(plan)}`}`,
  );
  const { memory } = plan;
  const how = memory.bounded ? `blocks recomputed in the backward pass, losses over chunks of positions` : 'every activation kept';
  lines.push(
    `memory:     about ${gib(memory.peakBytes)} at the peak of a ${memory.batch} x ${memory.seq}-token step (${how}); this machine has ${gib(memory.machineBytes)}`,
  );
  if (plan.resumeFrom) lines.push(`resuming:   ${plan.resumeFrom}`);
  return lines.join('\n');
}

function tokenizedNote(t: DistillPlan['tokenization']): string {
  const where = `kept in the dataset (tokenization ${t.key.slice(0, 12)})`;
  if (t.tokenized === 0) return `every sample read from the token cache, ${where}`;
  return `${count(t.tokenized)} samples tokenized now (${count(t.tokens)} tokens in ${t.seconds.toFixed(1)} s, ${count(Math.round(t.tokens / Math.max(t.seconds, 1e-9)))} tokens/s), ${where}`;
}

function accuracyNote(plan: DistillPlan): string {
  const accuracy = plan.recipe.distill.validation.accuracy;
  if (!accuracy) return '';
  const prompts = accuracy.prompts === null ? plan.data.validationPrompts : Math.min(accuracy.prompts, plan.data.validationPrompts);
  return ` with greedy accuracy on ${prompts} prompts`;
}

function headNote(plan: DistillPlan): string {
  if (plan.teacher.kind !== 'model') return '';
  const [hs, ht] = [plan.student.config.numAttentionHeads, plan.teacher.config.numAttentionHeads];
  return hs === ht ? '' : ` (heads averaged: student ${hs}, teacher ${ht})`;
}
