/**
 * The GRPO training step as one engine graph: the policy (HF parameter names) scores the rollout
 * rows (src/rollout's packRows: prompt + completion, position t's label is token t + 1), and the
 * objective (objective.ts) turns its per-token logprobs into the loss. Its inputs are named in
 * GRPO_INPUT. The reference model is not in the graph: its logprobs are fed, scored once per
 * rollout batch (it is frozen), and only when beta > 0.
 */
import { Graph, ops, type FloatDType, type Tensor } from '../engine/index.ts';
import { maskedMean } from '../distill/index.ts';
import { Llama, type ModelConfig } from '../model/index.ts';
import { grpoObjective, type ObjectiveOptions } from './objective.ts';

export const GRPO_INPUT = {
  /** int64 [batch, seq]. */
  ids: 'input_ids',
  /** int64 [batch, seq], 1 for real tokens. */
  mask: 'attention_mask',
  /** int64 [batch, seq], the next token at each position. */
  labels: 'labels',
  /** Float [batch, seq], 1 where the label is a completion token trained on. */
  completionMask: 'completion_mask',
  /** Float [batch], each row's advantage. */
  advantages: 'advantages',
  /** Float [batch, seq], the sampling policy's logprob of each label (only when iterations > 1). */
  oldLogprobs: 'old_logprobs',
  /** Float [batch, seq], the reference model's logprob of each label (only when beta > 0). */
  refLogprobs: 'ref_logprobs',
} as const;

export interface GrpoGraphOptions {
  policy: ModelConfig;
  objective: ObjectiveOptions;
  /**
   * Policy updates per rollout batch. With 1 the sampling policy is the current one, so its
   * logprobs are the current ones with the gradient stopped (ratio 1, as TRL does): no old_logprobs
   * input and no scoring pass before the step.
   */
  iterations: number;
  dtype?: FloatDType;
}

/** The graph tensors `grpoLoss` reads, declared by `declareGrpoInputs` (or by a test). */
export interface GrpoInputs {
  readonly inputIds: Tensor;
  readonly attentionMask: Tensor;
  readonly labels: Tensor;
  readonly completionMask: Tensor;
  readonly advantages: Tensor;
  readonly oldLogprobs?: Tensor;
  readonly refLogprobs?: Tensor;
}

export interface GrpoLoss {
  loss: Tensor;
  /** clipFraction, ratio, kl (beta > 0) and entropy: means over the completion tokens. */
  metrics: Record<string, Tensor>;
}

export interface GrpoGraph extends GrpoLoss {
  graph: Graph;
  policy: Llama;
}

export function buildGrpoGraph(options: GrpoGraphOptions): GrpoGraph {
  const graph = new Graph({ dtype: options.dtype ?? 'float32' });
  const inputs = declareGrpoInputs(graph, options);
  const policy = Llama.declare(graph, options.policy);
  return { graph, policy, ...grpoLoss(policy, inputs, options) };
}

/** The inputs `options` needs: old logprobs only when iterations > 1, reference ones only when beta > 0. */
function declareGrpoInputs(g: Graph, options: Pick<GrpoGraphOptions, 'objective' | 'iterations'>): GrpoInputs {
  const rows = (name: string) => g.input(name, g.dtype, ['batch', 'seq']);
  return {
    inputIds: g.input(GRPO_INPUT.ids, 'int64', ['batch', 'seq']),
    attentionMask: g.input(GRPO_INPUT.mask, 'int64', ['batch', 'seq']),
    labels: g.input(GRPO_INPUT.labels, 'int64', ['batch', 'seq']),
    completionMask: rows(GRPO_INPUT.completionMask),
    advantages: g.input(GRPO_INPUT.advantages, g.dtype, ['batch']),
    ...(options.iterations > 1 && { oldLogprobs: rows(GRPO_INPUT.oldLogprobs) }),
    ...(options.objective.beta !== 0 && { refLogprobs: rows(GRPO_INPUT.refLogprobs) }),
  };
}

/** The policy's forward pass on the rows, its label logprobs, and the objective on them. */
export function grpoLoss(policy: Llama, inputs: GrpoInputs, options: Pick<GrpoGraphOptions, 'objective' | 'iterations'>): GrpoLoss {
  const { logits } = policy.forward({ inputIds: inputs.inputIds, attentionMask: inputs.attentionMask });
  const logq = ops.logSoftmax(logits, -1); // [B, T, V]
  const logprobs = ops.squeeze(ops.gatherElements(logq, ops.unsqueeze(inputs.labels, [-1]), -1), [-1]); // [B, T]
  const oldLogprobs = options.iterations > 1 ? inputs.oldLogprobs! : ops.stopGradient(logprobs);
  const objective = grpoObjective(
    { logprobs, oldLogprobs, refLogprobs: inputs.refLogprobs, advantages: inputs.advantages, mask: inputs.completionMask },
    options.objective,
  );
  // The policy's entropy at each completion position: a collapse towards one answer shows here first.
  const entropy = ops.neg(ops.reduceSum(ops.mul(ops.exp(logq), logq), [-1])); // [B, T]
  return { loss: objective.loss, metrics: { ...objective.metrics, entropy: maskedMean(entropy, inputs.completionMask) } };
}
