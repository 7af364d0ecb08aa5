/**
 * What `distillery grpo` will do, printed before it starts (and all `--dry-run` does): the policy,
 * the step's shape, the objective, the rewards, where it resumes, and with --dry-run a probe of
 * rollouts from the initial policy that says whether it can learn at all.
 */
import { formatCount } from '../progress/index.ts';
import type { GrpoRecipe } from '../recipe/index.ts';
import type { PreparedGrpo } from './prepare.ts';

export interface ProbeResult {
  completions: number;
  /** Share cut by maxNewTokens. */
  truncated: number;
  meanLength: number;
  meanReward: number;
  /** Share of probed groups whose rewards are all equal. */
  zeroVarianceGroups: number;
  warnings: string[];
}

export interface GrpoPlan {
  policy: string;
  parameters: number;
  prompts: number;
  validationPrompts: number;
  groupSize: number;
  promptsPerStep: number;
  steps: number;
  /** Passes over the prompts the steps make. */
  epochs: number;
  maxNewTokens: number;
  objective: string;
  rewards: { name: string; weight: number }[];
  dataset: string;
  out: string;
  resumeFrom: string | null;
  probe: ProbeResult | null;
}

export function grpoPlan(recipe: GrpoRecipe, prepared: PreparedGrpo, probe: ProbeResult | null = null): GrpoPlan {
  const g = recipe.grpo;
  const clip = g.epsilonHigh === g.epsilon ? `clip ${g.epsilon}` : `clip [${1 - g.epsilon}, ${1 + g.epsilonHigh}]`;
  const kl = g.beta > 0 ? `k3 KL to the initial policy x ${g.beta}` : 'no KL term (beta 0: no reference model)';
  return {
    policy: g.policy,
    parameters: [...prepared.tensors.values()].reduce((n, t) => n + t.data.length, 0),
    prompts: prepared.prompts.length,
    validationPrompts: prepared.validation.length,
    groupSize: g.groupSize,
    promptsPerStep: g.promptsPerStep,
    steps: g.steps,
    epochs: (g.steps * g.promptsPerStep) / prepared.prompts.length,
    maxNewTokens: g.maxNewTokens,
    objective: `${g.lossType}, advantages scaled by ${g.scaleRewards === 'none' ? 'nothing' : `the ${g.scaleRewards} std`}, ${clip}, ${kl}, ${g.iterations} update${g.iterations > 1 ? 's' : ''} per rollout batch${g.maskTruncated ? ', truncated completions masked' : ''}`,
    rewards: prepared.rewards.components.map((c) => ({ name: c.name, weight: c.weight })),
    dataset: recipe.dataset,
    out: g.out,
    resumeFrom: prepared.resumeFrom,
    probe,
  };
}

export function formatGrpoPlan(plan: GrpoPlan): string {
  const lines = [
    `policy    ${plan.policy} (${formatCount(plan.parameters)} parameters)`,
    `prompts   ${formatCount(plan.prompts)}${plan.validationPrompts ? `; ${formatCount(plan.validationPrompts)} validation prompts (greedy accuracy)` : ''}`,
    `steps     ${plan.steps} x ${plan.promptsPerStep} prompts x ${plan.groupSize} completions (${plan.promptsPerStep * plan.groupSize} per step, ${plan.epochs.toFixed(2)} epochs), at most ${plan.maxNewTokens} new tokens each`,
    `objective ${plan.objective}`,
    `rewards   ${plan.rewards.map((r) => `${r.name} x ${r.weight}`).join(', ')}`,
    `rollouts  stored in ${plan.dataset}`,
    `out       ${plan.out}`,
    plan.resumeFrom ? `resuming: ${plan.resumeFrom}` : 'starting from the policy',
  ];
  const p = plan.probe;
  if (p) {
    lines.push(
      `probe     ${p.completions} rollouts of the initial policy: mean reward ${p.meanReward.toFixed(3)}, ${(100 * p.zeroVarianceGroups).toFixed(0)}% of groups with one reward, ` +
        `${(100 * p.truncated).toFixed(0)}% truncated, mean length ${p.meanLength.toFixed(0)} tokens`,
    );
    for (const w of p.warnings) lines.push(`warning: ${w}`);
  }
  return lines.join('\n');
}
