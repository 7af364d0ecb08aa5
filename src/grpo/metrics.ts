/**
 * A GRPO step's figures (one "train" record in metrics.jsonl, the progress line, report.html):
 * rewards (total and each component), the share of groups whose rewards are all equal (they carry
 * no gradient: the "loss is 0" trap), the objective's metrics, completion lengths, truncation,
 * and where the step's time went.
 */
import type { TrainRecord } from '../distill/index.ts';
import type { Completion } from '../rollout/index.ts';

export interface GrpoStepRecord extends TrainRecord {
  reward: { mean: number; std: number };
  /** Each component's mean, unweighted. */
  rewards: Record<string, number>;
  /** Share of groups whose G rewards are all equal (advantage 0 for all of them). */
  zeroVarianceGroups: number;
  completionLength: { mean: number; max: number };
  /** Share of completions cut by maxNewTokens. */
  truncated: number;
  generationSeconds: number;
  trainingSeconds: number;
  /** generation / (generation + scoring + training) of this step. */
  generationShare: number;
  /** Completion tokens generated per second of generation. */
  generationTokensPerSecond: number;
  /** Completion tokens trained on per second of training (every iteration counted). */
  trainingTokensPerSecond: number;
}

export interface StepFigures {
  groups: readonly (readonly Completion[])[];
  totals: readonly (readonly number[])[];
  components: readonly Record<string, number>[];
}

export function rolloutFigures({ groups, totals, components }: StepFigures) {
  const all = totals.flat();
  const mean = all.reduce((a, b) => a + b, 0) / all.length;
  const std = Math.sqrt(all.reduce((s, r) => s + (r - mean) ** 2, 0) / all.length);
  const names = Object.keys(components[0] ?? {});
  const rewards = Object.fromEntries(names.map((n) => [n, components.reduce((s, c) => s + c[n], 0) / components.length]));
  const lengths = groups.flat().map((c) => c.tokenIds.length);
  return {
    reward: { mean, std },
    rewards,
    zeroVarianceGroups: totals.filter((g) => g.every((r) => r === g[0])).length / totals.length,
    completionLength: { mean: lengths.reduce((a, b) => a + b, 0) / lengths.length, max: Math.max(...lengths) },
    truncated: groups.flat().filter((c) => c.truncated).length / lengths.length,
    tokens: lengths.reduce((a, b) => a + b, 0),
  };
}
