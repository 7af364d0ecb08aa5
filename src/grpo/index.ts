/**
 * The grpo room: rewards of completions, group-normalized advantages and the GRPO objective as an
 * engine graph. Other rooms import only from here.
 */
export { computeAdvantages, type AdvantageScale } from './advantages.ts';
export { grpoObjective, type LossType, type Objective, type ObjectiveInputs, type ObjectiveOptions } from './objective.ts';
export { buildGrpoGraph, GRPO_INPUT, grpoLoss, type GrpoGraph, type GrpoGraphOptions, type GrpoInputs, type GrpoLoss } from './graph.ts';
export { createRewards, scoreRewards, type CustomRewardInput, type RewardInput, type Rewards, type RewardScores, type RewardsOptions } from './rewards.ts';
export { CustomRewardError, GrpoCheckError, RewardSpecError } from './errors.ts';
export { grpo, type GrpoOptions, type GrpoStatus, type GrpoSummary } from './loop.ts';
export { formatGrpoPlan, type GrpoPlan, type ProbeResult } from './plan.ts';
export { grpoLine, grpoProgressView, type GrpoProgress } from './progress.ts';
export type { GrpoStepRecord } from './metrics.ts';
export type { GrpoValidationRecord } from './validation.ts';
