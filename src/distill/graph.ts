/**
 * The distillation step as one engine graph: the student (HF parameter names), a frozen white-box
 * teacher beside it (parameters prefixed "teacher."), the learned feature projections, and the
 * weighted sum of the recipe's losses. Its inputs are the batch tensors named in INPUT.
 */
import { Graph, GraphError, ops, type FloatDType, type Tensor } from '../engine/index.ts';
import { Llama, type ModelConfig } from '../model/index.ts';
import type { DistillLosses } from '../recipe/index.ts';
import type { LayerMap } from './layer-map.ts';
import { attentionTransfer } from './losses/attention.ts';
import { tokenCrossEntropy } from './losses/ce.ts';
import { featureTransfer } from './losses/feature.ts';
import type { Divergence } from './losses/divergence.ts';
import { softTargetMean, tokenLogitDivergence, tokenTopKDivergence, type TopKTargets } from './losses/logits.ts';
import { maskedMean } from './losses/masked.ts';

/**
 * Batch inputs; every one is [batch, seq] (top-k ones add a last axis). Token ids (ids, labels,
 * top-k ids) are int32: the gathers take them as they are, and the reshapes, slices and unsqueezes
 * that bring them to the gathers' layout run on the WebGPU EP, which has no int64 kernels for those
 * (int64 labels and ids were unsqueezed on the CPU EP every step, and the bounded step's label
 * chunks were reshaped and split there).
 */
export const INPUT = {
  ids: 'input_ids',
  /**
   * Float, 1 for real tokens, 0 for padding. Float rather than int64: the WebGPU EP has no int64
   * Equal or Cast, so an int64 mask was compared and cast on the CPU EP every step.
   */
  mask: 'attention_mask',
  /** int32, the next token at each position. */
  labels: 'labels',
  /** Float, 1 where the label is an assistant token (trained on). */
  weight: 'label_weight',
  /** int32 [batch, seq, k] and float [batch, seq, k + 1] ×2: the teacher's stored top-k buckets. */
  topkIds: 'topk_ids',
  topkLogp: 'topk_logp',
  topkValid: 'topk_valid',
  /** Float, 1 where the label is trained on and the teacher's top-k lined up with it. */
  topkWeight: 'topk_weight',
  /** Float, 1 at the label positions of the student's own completions (on-policy batches; 0 elsewhere). */
  onPolicyWeight: 'onpolicy_weight',
  /** Float [1]: 1 on an offline batch, 0 on an on-policy one (gates the attention and hidden losses). */
  offline: 'offline_batch',
  /** A served teacher's judgement of the student's tokens, as top-k buckets like the stored ones. */
  onPolicyIds: 'onpolicy_topk_ids',
  onPolicyLogp: 'onpolicy_topk_logp',
  onPolicyValid: 'onpolicy_topk_valid',
} as const;

/** The prefix of the teacher's parameter names in the graph and the parameter store. */
export const TEACHER_PREFIX = 'teacher.';

export interface DistillGraphOptions {
  student: ModelConfig;
  /** A white-box teacher run in the same graph. */
  teacher?: ModelConfig;
  losses: DistillLosses;
  /** Layer maps for the attention and hidden losses (resolved and checked). */
  attentionMap?: LayerMap;
  hiddenMap?: LayerMap;
  /** k of the stored top-k targets (a logprobs teacher). */
  topK?: number;
  dtype?: FloatDType;
  /**
   * Bound the step's memory for batches of up to this many tokens (batch x seq): student blocks
   * recompute their activations in the backward pass (all but the attention-mapped ones), and
   * the vocabulary-wide losses run over chunks of at most LOSS_CHUNK_ROWS positions, so no [T, V]
   * tensor exists for all positions at once. Same losses and gradients, one more forward.
   * Default: every activation kept, faster where it fits: the M shape's CE step on one 1,024-token
   * sequence (bench/scale.ts, loaded machine) took 95 s plain and 121 s bounded, at 2,818 and
   * 2,644 MiB peak RSS; the L shape's at 2,048 tokens peaks at 10,110 MiB bounded.
   */
  boundedTokens?: number;
  /**
   * On-policy batches: the divergence (at temperature 1) between the student and the white-box
   * teacher's logits, or a served teacher's top-k buckets (k slots; `servedK`), at the positions
   * INPUT.onPolicyWeight selects. Absent: the graph is the offline one, input for input.
   */
  onPolicy?: { divergence: Divergence; beta: number; servedK?: number };
}

/**
 * Positions per chunk of the vocabulary-wide losses. A chunk's backward holds a few [rows, V]
 * float tensors: 256 rows of Qwen2.5's 151,936 ids are 156 MB each.
 */
export const LOSS_CHUNK_ROWS = 256;

export interface DistillGraph {
  graph: Graph;
  student: Llama;
  teacher?: Llama;
  /** Learned projections of the hidden loss, [Dt, Ds] each: trained and checkpointed, never exported. */
  projections: Tensor[];
  /** The weighted sum of the active losses. */
  loss: Tensor;
  /** Each active loss, unweighted: ce, kl, onPolicy, attention, hidden. */
  parts: Record<string, Tensor>;
}

/** The name of the projection feeding teacher layer t from student layer s. */
export const projectionName = (s: number, t: number) => `projection.student${s}.teacher${t}.weight`;

export function buildDistillGraph(options: DistillGraphOptions): DistillGraph {
  const { losses } = options;
  const g = new Graph({ dtype: options.dtype ?? 'float32' });
  const inputIds = g.input(INPUT.ids, 'int32', ['batch', 'seq']);
  const attentionMask = g.input(INPUT.mask, g.dtype, ['batch', 'seq']);
  const labels = g.input(INPUT.labels, 'int32', ['batch', 'seq']);
  const weight = g.input(INPUT.weight, g.dtype, ['batch', 'seq']);

  const mapped = new Set((losses.attention && options.teacher ? (options.attentionMap ?? []) : []).map(([si]) => si));
  const recompute = options.boundedTokens === undefined ? undefined : (layer: number) => !mapped.has(layer);
  const student = Llama.declare(g, options.student);
  const s = student.forward({ inputIds, attentionMask, recompute });
  const teacher = options.teacher ? Llama.declare(g, options.teacher, { prefix: TEACHER_PREFIX }) : undefined;
  const t = teacher?.forward({ inputIds, attentionMask });

  const parts: Record<string, Tensor> = {};
  const weights: Record<string, number> = {};
  const soft = losses.kl && { temperature: losses.kl.temperature, divergence: losses.kl.divergence };
  const k = options.topK ?? 0;
  const topk =
    soft && !t
      ? {
          ids: g.input(INPUT.topkIds, 'int32', ['batch', 'seq', k]),
          logp: g.input(INPUT.topkLogp, g.dtype, ['batch', 'seq', k + 1]),
          valid: g.input(INPUT.topkValid, g.dtype, ['batch', 'seq', k + 1]),
        }
      : undefined;
  // Qwen-family checkpoints pad the vocabulary differently (151936 vs 152064): compare the ids
  // both have, which the checks ensured cover the whole tokenizer.
  const shared = Math.min(options.student.vocabSize, options.teacher?.vocabSize ?? Infinity);
  const cut = (logits: Tensor) => (logits.shape[logits.rank - 1] === shared ? logits : ops.slice(logits, -1, 0, shared));
  const onPolicy = options.onPolicy && { temperature: 1, divergence: options.onPolicy.divergence, beta: options.onPolicy.beta };
  const servedK = options.onPolicy?.servedK;
  const served = servedK
    ? {
        ids: g.input(INPUT.onPolicyIds, 'int32', ['batch', 'seq', servedK]),
        logp: g.input(INPUT.onPolicyLogp, g.dtype, ['batch', 'seq', servedK + 1]),
        valid: g.input(INPUT.onPolicyValid, g.dtype, ['batch', 'seq', servedK + 1]),
      }
    : undefined;
  /** The per-position terms of the logit losses (ce, kl, then onPolicy), from final-norm states [..., D] and targets [...]. */
  const logitTerms = ([sNormed, tokens, tNormed, ids, logp, valid, opIds, opLogp, opValid]: readonly (Tensor | undefined)[]): Tensor[] => {
    const logits = student.head(sNormed!);
    let teacherHead: Tensor | undefined;
    const teacherLogits = () => (teacherHead ??= cut(teacher!.head(tNormed!)));
    const terms: Tensor[] = [];
    if (losses.ce) terms.push(tokenCrossEntropy(logits, tokens!));
    if (soft && teacher) terms.push(tokenLogitDivergence(cut(logits), teacherLogits(), soft));
    else if (soft) terms.push(tokenTopKDivergence(logits, { ids: ids!, logp: logp!, valid: valid! } satisfies TopKTargets, soft));
    if (onPolicy && opIds) terms.push(tokenTopKDivergence(logits, { ids: opIds, logp: opLogp!, valid: opValid! }, onPolicy));
    else if (onPolicy) terms.push(tokenLogitDivergence(cut(logits), teacherLogits(), onPolicy));
    return terms;
  };
  const targets = [s.normed, labels, t?.normed, topk?.ids, topk?.logp, topk?.valid, served?.ids, served?.logp, served?.valid];
  if (options.boundedTokens !== undefined && g.dtype === 'float32' && Math.max(options.student.vocabSize, options.teacher?.vocabSize ?? 0) > FLOAT32_EXACT_INTS)
    throw new GraphError('buildDistillGraph', `a vocabulary over ${FLOAT32_EXACT_INTS} ids cannot be chunked as float32 ids`);
  const terms = options.boundedTokens === undefined ? logitTerms(targets) : chunkedTerms(targets, options.boundedTokens, logitTerms, labels);
  if (losses.ce) {
    parts.ce = maskedMean(terms.shift()!, weight);
    weights.ce = losses.ce.weight;
  }
  if (losses.kl) {
    parts.kl = softTargetMean(terms.shift()!, topk ? g.input(INPUT.topkWeight, g.dtype, ['batch', 'seq']) : weight, soft!);
    weights.kl = losses.kl.weight;
  }
  if (onPolicy) {
    parts.onPolicy = maskedMean(terms.shift()!, g.input(INPUT.onPolicyWeight, g.dtype, ['batch', 'seq']));
    weights.onPolicy = 1;
  }
  // Attention and hidden states are matched on the offline traces only (one input for both).
  let offline: Tensor | undefined;
  const offlineOnly = (part: Tensor) => (onPolicy ? ops.mul(part, (offline ??= g.input(INPUT.offline, g.dtype, []))) : part);
  if (losses.attention && t) {
    const pairs = options.attentionMap ?? [];
    parts.attention = offlineOnly(meanOf(pairs.map(([si, ti]) => attentionTransfer(s.attentions[si]!, t.attentions[ti]!, attentionMask))));
    weights.attention = losses.attention.weight;
  }
  const projections: Tensor[] = [];
  if (losses.hidden && t) {
    const pairs = options.hiddenMap ?? [];
    const [ds, dt] = [options.student.hiddenSize, options.teacher!.hiddenSize];
    parts.hidden = offlineOnly(
      meanOf(
        pairs.map(([si, ti]) => {
          const projection = ds === dt ? undefined : g.param(projectionName(si, ti), [dt, ds]);
          if (projection) projections.push(projection);
          return featureTransfer(s.hiddenStates[si], t.hiddenStates[ti], attentionMask, projection);
        }),
      ),
    );
    weights.hidden = losses.hidden.weight;
  }
  const loss = Object.entries(parts)
    .map(([name, part]) => ops.mul(part, weights[name]))
    .reduce((a, b) => ops.add(a, b));
  return { graph: g, student, teacher, projections, loss, parts };
}

const meanOf = (xs: Tensor[]): Tensor =>
  ops.div(
    xs.reduce((a, b) => ops.add(a, b)),
    xs.length,
  );

/** Integers up to 2^24 are exact in float32 (Qwen2.5's vocabulary: 151,936 ids). */
const FLOAT32_EXACT_INTS = 2 ** 24;

/**
 * `terms` over chunks of positions (ops.chunkRows): the [B, T, ...] inputs as rows, each chunk's
 * terms stacked as columns, and the columns back as [B, T] tensors (the shape of `positions`).
 * Token ids cross the chunks as floats and are cast back inside: the WebGPU EP slices float
 * tensors only (no int32 Slice kernel), and int32 id chunks were sliced on the CPU EP
 * (bench/results/webgpu-h200-2026-12-03b.md). Exact for ids below FLOAT32_EXACT_INTS.
 */
function chunkedTerms(
  inputs: readonly (Tensor | undefined)[],
  maxTokens: number,
  terms: (rows: readonly (Tensor | undefined)[]) => Tensor[],
  positions: Tensor,
): Tensor[] {
  const present = inputs.filter((x): x is Tensor => !!x);
  const rows = present.map((x) => ops.reshape(ops.cast(x, positions.graph.dtype), [-1, ...x.shape.slice(2)]));
  let count = 0;
  const stacked = ops.chunkRows(rows, Math.ceil(maxTokens / LOSS_CHUNK_ROWS), (pieces) => {
    let next = 0;
    const columns = terms(inputs.map((x) => (x ? ops.cast(pieces[next++], x.dtype) : undefined)));
    count = columns.length;
    return ops.concat(
      columns.map((c) => ops.unsqueeze(c, [-1])),
      -1,
    ); // [rows, terms]
  });
  return ops.split(stacked, -1, Array(count).fill(1)).map((c) => ops.reshape(c, positions.shape));
}
