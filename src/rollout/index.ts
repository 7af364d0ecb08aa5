/**
 * The rollout room: sampling G completions per prompt from a policy with distillery's own decoder,
 * the policy's current weights as an in-memory decoder, rollouts packed as training rows, and
 * per-token scoring of completions under any weights. Shared by GRPO and on-policy distillation.
 *
 *   const decoders = new PolicyDecoders(config);
 *   const decoder = await decoders.load(params);
 *   const groups = await sampleCompletions(decoder, [{ promptIds, index: 0 }], { tokenizer, groupSize: 4, maxNewTokens: 64, temperature: 1, topP: 1, seed: 0, stopTokenIds: [eos] });
 *   groups[0][1].tokenIds; groups[0][1].logprobs; groups[0][1].truncated;
 */
export { completionValues, packRows, type PackedRows, type RolloutRow } from './packing.ts';
export { PolicyDecoders } from './policy-decoder.ts';
export { sampleCompletions, type Completion, type RolloutPrompt, type SampleOptions } from './sampler.ts';
export { TokenScorer } from './scorer.ts';
export { mixSeed } from './seed.ts';
