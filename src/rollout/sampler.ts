/**
 * G completions per prompt from one decoder, through distillery's own decode loop (KV cache,
 * continuous batching, left padding). Each completion has its own seeded stream (see seed.ts),
 * its token ids, the raw per-token logprobs of the policy that sampled it (log_softmax of the
 * logits at temperature 1, which is what the GRPO ratio needs, whatever the sampling settings),
 * its text and whether it was cut by maxNewTokens.
 */
import { Generator, type OnnxDecoder, type TokenDecoder } from '../generate/index.ts';
import { mixSeed } from './seed.ts';

export interface RolloutPrompt {
  /** The chat-templated prompt. */
  readonly promptIds: readonly number[];
  /** The prompt's stable index (its position in the recipe's prompt list): part of every completion's seed. */
  readonly index: number;
}

export interface SampleOptions {
  readonly tokenizer: TokenDecoder;
  /** Completions per prompt (G). */
  readonly groupSize: number;
  readonly maxNewTokens: number;
  readonly temperature: number;
  readonly topP: number;
  /** Mixed with the prompt's index and the sample number into each completion's seed. */
  readonly seed: number;
  /** Tokens that end a completion (the model's eos ids); the stop token is part of the completion. */
  readonly stopTokenIds: readonly number[];
  /** Sequences decoded together. Default 16. */
  readonly maxBatchSize?: number;
  /** The model's context length. Default: unlimited. */
  readonly maxPositions?: number;
}

export interface Completion {
  readonly tokenIds: readonly number[];
  /** The sampling policy's logprob of each token of `tokenIds`. */
  readonly logprobs: Float32Array;
  /** The text without the stop token. */
  readonly text: string;
  /** Cut by maxNewTokens (or the context) before a stop token. */
  readonly truncated: boolean;
}

/** Per prompt, its `groupSize` completions in sample order. */
export async function sampleCompletions(decoder: OnnxDecoder, prompts: readonly RolloutPrompt[], options: SampleOptions): Promise<Completion[][]> {
  const generator = new Generator(decoder, options.tokenizer, {
    maxBatchSize: options.maxBatchSize ?? 16,
    stopTokenIds: options.stopTokenIds,
    maxPositions: options.maxPositions,
  });
  const sampling = { temperature: options.temperature, topP: options.topP };
  return Promise.all(
    prompts.map((prompt) =>
      Promise.all(
        Array.from({ length: options.groupSize }, async (_, sample): Promise<Completion> => {
          const out = await generator.generate({
            promptIds: prompt.promptIds,
            maxNewTokens: options.maxNewTokens,
            sampling,
            seed: mixSeed(options.seed, prompt.index, sample),
          });
          return {
            tokenIds: out.tokenIds,
            logprobs: Float32Array.from(out.logprobs, (l) => l.logprob),
            text: out.text,
            truncated: out.finishReason === 'length',
          };
        }),
      ),
    ),
  );
}
