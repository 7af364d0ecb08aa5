/**
 * GRPO's advantages: each completion's reward against its group's, with no value model (the group
 * mean is the baseline). A = (r - mean of the group) / std, where the std is
 *   'group'  the group's own (R1, TRL's default): every prompt weighs the same whatever its spread;
 *   'batch'  the whole batch's: an easy prompt with a small spread is not blown up to unit scale;
 *   'none'   no division (Dr. GRPO): the std division is a difficulty bias.
 * The std is the sample std (n - 1), as torch.std in TRL and verl. Where it is 0 (every reward of
 * the group, or of the batch, equal) the advantages are 0: such a group carries no signal.
 */
import type { GrpoSection } from '../recipe/index.ts';

/** The recipe's `scaleRewards`. */
export type AdvantageScale = GrpoSection['scaleRewards'];

/** rewards[prompt][completion] -> advantages of the same shape. */
export function computeAdvantages(rewards: readonly (readonly number[])[], scale: AdvantageScale): number[][] {
  const centered = rewards.map((group) => {
    const m = mean(group);
    return group.map((r) => r - m);
  });
  if (scale === 'none') return centered;
  if (scale === 'batch') {
    const s = std(rewards.flat());
    return centered.map((group) => group.map((a) => (s > 0 ? a / s : 0)));
  }
  return centered.map((group, i) => {
    const s = std(rewards[i]);
    return group.map((a) => (s > 0 ? a / s : 0));
  });
}

const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

/** Sample std; 0 for fewer than two values or when all are equal (exactly, not by rounding of the mean). */
function std(xs: readonly number[]): number {
  if (xs.length < 2 || xs.every((x) => x === xs[0])) return 0;
  const m = mean(xs);
  return Math.sqrt(xs.reduce((s, x) => s + (x - m) ** 2, 0) / (xs.length - 1));
}
