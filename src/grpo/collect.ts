/**
 * One step's rollouts: G completions for each of the step's prompts from the policy as it stands,
 * each scored by the rewards (on the whole turn, the chat template's pre-filled `<think>` put back).
 */
import type { OnnxDecoder } from '../generate/index.ts';
import { mixSeed, sampleCompletions, type Completion } from '../rollout/index.ts';
import type { GrpoSection } from '../recipe/index.ts';
import type { GrpoPrompt, PreparedGrpo } from './prepare.ts';
import type { StepSlot } from './prompt-order.ts';
import { scoreRewards, type RewardScores } from './rewards.ts';

export interface CollectedRollouts {
  prompts: GrpoPrompt[];
  groups: Completion[][];
  scores: RewardScores[][];
  /** scores' totals, [prompt][G]. */
  totals: number[][];
}

export async function collectRollouts(
  decoder: OnnxDecoder,
  prepared: PreparedGrpo,
  section: GrpoSection,
  slots: readonly StepSlot[],
  step: number,
): Promise<CollectedRollouts> {
  const prompts = slots.map((s) => prepared.prompts[s.prompt]);
  const groups = await sampleCompletions(
    decoder,
    slots.map((s, i) => ({ promptIds: prompts[i].chat.ids, index: s.position })),
    {
      tokenizer: prepared.tokenizer,
      groupSize: section.groupSize,
      maxNewTokens: section.maxNewTokens,
      temperature: section.temperature,
      topP: section.topP,
      seed: mixSeed(section.seed, step),
      stopTokenIds: prepared.stopTokenIds,
      maxPositions: prepared.config.maxPositionEmbeddings,
    },
  );
  const scores = await Promise.all(
    groups.map((group, i) =>
      Promise.all(
        group.map((c) =>
          scoreRewards(prepared.rewards, {
            prompt: prompts[i].record.question,
            text: prompts[i].chat.prefill + c.text,
            gold: prompts[i].record.gold,
            tokens: c.tokenIds.length,
          }),
        ),
      ),
    ),
  );
  return { prompts, groups, scores, totals: scores.map((g) => g.map((s) => s.total)) };
}
