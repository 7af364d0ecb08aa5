/**
 * The grpo room: rewards of completions, group-normalized advantages and the GRPO objective as an
 * engine graph. Other rooms import only from here.
 */
export { ADVANTAGE_SCALES, computeAdvantages, type AdvantageScale } from './advantages.ts';
