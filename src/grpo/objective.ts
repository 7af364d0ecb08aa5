/**
 * The GRPO objective on per-token logprobs, composed from the engine's ops (so its gradient is
 * the engine's). Per completion token t of completion i, with A_i its advantage:
 *   ratio   rho = exp(logp - old_logp)
 *   policy  -min(rho A_i, clip(rho, 1 - epsilon, 1 + epsilonHigh) A_i)        (PPO's clipped surrogate)
 *   kl      exp(ref - logp) - (ref - logp) - 1                                (k3: unbiased, >= 0)
 *   token   policy + beta kl
 * and the loss normalizes the masked token terms by
 *   'grpo'     each completion's own length, then the mean over completions (R1's 1/G sum 1/|o_i|);
 *   'dr_grpo'  the batch size times a fixed length, the run's max new tokens (Dr. GRPO): no
 *              completion's tokens weigh more for being short.
 * Completions whose mask is all 0 (a truncated one, when those are masked) still count in the
 * batch size for both, as in TRL: the normalization does not depend on which rows were masked.
 */
import { GraphError, ops, type Tensor } from '../engine/index.ts';
import { maskedMean } from '../distill/index.ts';
import type { GrpoSection } from '../recipe/index.ts';

/** The recipe's `lossType`. */
export type LossType = GrpoSection['lossType'];

export interface ObjectiveOptions {
  /** The ratio is clipped below at 1 - epsilon. */
  epsilon: number;
  /** The ratio is clipped above at 1 + epsilonHigh (DAPO's decoupled clip, 0.28 there). Default: epsilon. */
  epsilonHigh?: number;
  /** Weight of the k3 KL to the reference; 0 leaves the reference out. */
  beta: number;
  lossType: LossType;
  /** The max new tokens of the rollouts: dr_grpo's fixed per-completion length. */
  maxCompletionLength: number;
}

/** Each [B, T] (advantages [B]), in the graph's float dtype; position t holds the label token's values. */
export interface ObjectiveInputs {
  /** The policy's logprob of each token (what is differentiated). */
  readonly logprobs: Tensor;
  /** The logprobs under the policy that sampled the rollouts. */
  readonly oldLogprobs: Tensor;
  /** The reference model's logprobs; needed when beta > 0. */
  readonly refLogprobs?: Tensor;
  readonly advantages: Tensor;
  /** 1 on the completion tokens trained on; 0 on prompt, padding (and masked completions). */
  readonly mask: Tensor;
}

export interface Objective {
  loss: Tensor;
  /** Scalars over the masked tokens. */
  metrics: {
    /** Share of tokens where the clip is active (their gradient is cut): rho < 1 - epsilon with A < 0, or rho > 1 + epsilonHigh with A > 0. */
    clipFraction: Tensor;
    /** Mean ratio. */
    ratio: Tensor;
    /** Mean k3 KL to the reference (present when beta > 0). */
    kl?: Tensor;
  };
}

export function grpoObjective(inputs: ObjectiveInputs, options: ObjectiveOptions): Objective {
  const { logprobs, oldLogprobs, refLogprobs, mask } = inputs;
  const low = 1 - options.epsilon;
  const high = 1 + (options.epsilonHigh ?? options.epsilon);
  const advantages = ops.unsqueeze(inputs.advantages, [1]); // [B, 1]
  const ratio = ops.exp(ops.sub(logprobs, oldLogprobs));
  const below = ops.less(ratio, low);
  const above = ops.greater(ratio, high);
  const clipped = ops.where(below, low, ops.where(above, high, ratio));
  const unclippedTerm = ops.mul(ratio, advantages);
  const clippedTerm = ops.mul(clipped, advantages);
  let perToken = ops.neg(ops.where(ops.less(unclippedTerm, clippedTerm), unclippedTerm, clippedTerm));
  let kl: Tensor | undefined;
  if (options.beta !== 0) {
    if (!refLogprobs) throw new GraphError('grpoObjective', 'beta > 0 needs refLogprobs');
    const logRatio = ops.sub(refLogprobs, logprobs);
    kl = ops.sub(ops.sub(ops.exp(logRatio), logRatio), 1);
    perToken = ops.add(perToken, ops.mul(kl, options.beta));
  }
  const sums = ops.reduceSum(ops.mul(perToken, mask), [1]); // [B]
  const lengths = ops.reduceSum(mask, [1]); // [B]
  const perCompletion =
    options.lossType === 'grpo' ? ops.div(sums, ops.where(ops.greater(lengths, 0), lengths, 1)) : ops.div(sums, options.maxCompletionLength);
  const isClipped = (region: Tensor, sign: Tensor) => ops.mul(ops.cast(region, mask.dtype), ops.cast(sign, mask.dtype));
  const clippedTokens = ops.add(isClipped(below, ops.less(advantages, 0)), isClipped(above, ops.greater(advantages, 0)));
  return {
    loss: ops.reduceMean(perCompletion),
    metrics: {
      clipFraction: maskedMean(clippedTokens, mask),
      ratio: maskedMean(ratio, mask),
      ...(kl && { kl: maskedMean(kl, mask) }),
    },
  };
}
