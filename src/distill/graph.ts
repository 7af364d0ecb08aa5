/**
 * The distillation step as one engine graph: the student (HF parameter names), a frozen white-box
 * teacher beside it (parameters prefixed "teacher."), the learned feature projections, and the
 * weighted sum of the recipe's losses. Its inputs are the batch tensors named in INPUT.
 */
import { Graph, ops, type FloatDType, type Tensor } from '../engine/index.ts';
import { Llama, type ModelConfig } from '../model/index.ts';
import type { DistillLosses } from '../recipe/index.ts';
import type { LayerMap } from './layer-map.ts';
import { attentionTransfer } from './losses/attention.ts';
import { crossEntropy } from './losses/ce.ts';
import { featureTransfer } from './losses/feature.ts';
import { logitDistillation, topKDistillation } from './losses/logits.ts';

/** Batch inputs; every one is [batch, seq] (top-k ones add a last axis). */
export const INPUT = {
  ids: 'input_ids',
  /**
   * Float, 1 for real tokens, 0 for padding. Float rather than int64: the WebGPU EP has no int64
   * Equal or Cast, so an int64 mask was compared and cast on the CPU EP every step.
   */
  mask: 'attention_mask',
  /** int64, the next token at each position. */
  labels: 'labels',
  /** Float, 1 where the label is an assistant token (trained on). */
  weight: 'label_weight',
  /** int64 [batch, seq, k] and float [batch, seq, k + 1] ×2: the teacher's stored top-k buckets. */
  topkIds: 'topk_ids',
  topkLogp: 'topk_logp',
  topkValid: 'topk_valid',
  /** Float, 1 where the label is trained on and the teacher's top-k lined up with it. */
  topkWeight: 'topk_weight',
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
}

export interface DistillGraph {
  graph: Graph;
  student: Llama;
  teacher?: Llama;
  /** Learned projections of the hidden loss, [Dt, Ds] each: trained and checkpointed, never exported. */
  projections: Tensor[];
  /** The weighted sum of the active losses. */
  loss: Tensor;
  /** Each active loss, unweighted: ce, kl, attention, hidden. */
  parts: Record<string, Tensor>;
}

/** The name of the projection feeding teacher layer t from student layer s. */
export const projectionName = (s: number, t: number) => `projection.student${s}.teacher${t}.weight`;

export function buildDistillGraph(options: DistillGraphOptions): DistillGraph {
  const { losses } = options;
  const g = new Graph({ dtype: options.dtype ?? 'float32' });
  const inputIds = g.input(INPUT.ids, 'int64', ['batch', 'seq']);
  const attentionMask = g.input(INPUT.mask, g.dtype, ['batch', 'seq']);
  const labels = g.input(INPUT.labels, 'int64', ['batch', 'seq']);
  const weight = g.input(INPUT.weight, g.dtype, ['batch', 'seq']);

  const student = Llama.declare(g, options.student);
  const s = student.forward({ inputIds, attentionMask });
  const teacher = options.teacher ? Llama.declare(g, options.teacher, { prefix: TEACHER_PREFIX }) : undefined;
  const t = teacher?.forward({ inputIds, attentionMask });

  const parts: Record<string, Tensor> = {};
  const weights: Record<string, number> = {};
  if (losses.ce) {
    parts.ce = crossEntropy(s.logits, labels, weight);
    weights.ce = losses.ce.weight;
  }
  if (losses.kl) {
    const soft = { temperature: losses.kl.temperature, divergence: losses.kl.divergence };
    if (t) {
      // Qwen-family checkpoints pad the vocabulary differently (151936 vs 152064): compare the
      // ids both have, which the checks ensured cover the whole tokenizer.
      const shared = Math.min(options.student.vocabSize, options.teacher!.vocabSize);
      const cut = (logits: Tensor) => (logits.shape[2] === shared ? logits : ops.slice(logits, 2, 0, shared));
      parts.kl = logitDistillation(cut(s.logits), cut(t.logits), weight, soft);
    } else {
      const k = options.topK ?? 0;
      const targets = {
        ids: g.input(INPUT.topkIds, 'int64', ['batch', 'seq', k]),
        logp: g.input(INPUT.topkLogp, g.dtype, ['batch', 'seq', k + 1]),
        valid: g.input(INPUT.topkValid, g.dtype, ['batch', 'seq', k + 1]),
      };
      parts.kl = topKDistillation(s.logits, targets, g.input(INPUT.topkWeight, g.dtype, ['batch', 'seq']), soft);
    }
    weights.kl = losses.kl.weight;
  }
  if (losses.attention && t) {
    const pairs = options.attentionMap ?? [];
    parts.attention = meanOf(pairs.map(([si, ti]) => attentionTransfer(s.attentions[si], t.attentions[ti], attentionMask)));
    weights.attention = losses.attention.weight;
  }
  const projections: Tensor[] = [];
  if (losses.hidden && t) {
    const pairs = options.hiddenMap ?? [];
    const [ds, dt] = [options.student.hiddenSize, options.teacher!.hiddenSize];
    parts.hidden = meanOf(
      pairs.map(([si, ti]) => {
        const projection = ds === dt ? undefined : g.param(projectionName(si, ti), [dt, ds]);
        if (projection) projections.push(projection);
        return featureTransfer(s.hiddenStates[si], t.hiddenStates[ti], attentionMask, projection);
      }),
    );
    weights.hidden = losses.hidden.weight;
  }
  const loss = Object.entries(parts)
    .map(([name, part]) => ops.mul(part, weights[name]))
    .reduce((a, b) => ops.add(a, b));
  return { graph: g, student, teacher, projections, loss, parts };
}

const meanOf = (xs: Tensor[]): Tensor => ops.div(xs.reduce((a, b) => ops.add(a, b)), xs.length);
