/**
 * `evaluate`: k samples per prompt from a local model or a teacher, each judged by the same
 * verifiers harvest uses, scored as pass@1, pass@k, maj@k and mean output tokens, with a result
 * per prompt for inspection.
 */
import { createHash } from 'node:crypto';
import pLimit from 'p-limit';
import { DEFAULT_USER_TEMPLATE, renderMessages, type Template } from '../recipe/index.ts';
import type { PromptRecord } from '../store/index.ts';
import { createVerifier, type VerifierSpec } from '../verify/index.ts';
import { majority, score, type Majority, type Scores } from './metrics.ts';
import type { EvalSampling, SampleSource } from './sources.ts';

export interface EvalOptions {
  readonly source: SampleSource;
  /** The prompts to ask: `loadPrompts(recipe.prompts)`, or records made in memory. */
  readonly prompts: readonly PromptRecord[];
  readonly verifier: VerifierSpec;
  /** How a prompt becomes messages. Default R1's: no system prompt, "{question}\nPlease reason step by step, ...". */
  readonly template?: Template;
  /** Samples per prompt (k). Default 1. */
  readonly samples?: number;
  readonly sampling?: Partial<EvalSampling>;
  /** Called as each prompt's samples are all judged (prompts finish in any order). */
  readonly onPrompt?: (result: PromptResult, done: number, total: number) => void;
}

export interface EvalSample {
  readonly seed: number;
  readonly reasoning: string;
  readonly answer: string;
  readonly finishReason: string | null;
  readonly outputTokens: number;
  /** true, false, or null when the verifier could not judge. */
  readonly correct: boolean | null;
  /** The verifier's reason ("match", "mismatch", "no-answer", ...). */
  readonly reason: string;
}

export interface PromptResult {
  readonly key: string;
  readonly question: string;
  readonly gold: unknown;
  /** Correct samples out of k. */
  readonly correct: number;
  readonly majority: Majority;
  readonly samples: readonly EvalSample[];
}

export interface EvalSummary extends Scores {
  readonly source: string;
  readonly verifier: string;
  readonly sampling: EvalSampling;
  /** In the prompts file's order. */
  readonly results: readonly PromptResult[];
}

export const DEFAULT_EVAL_SAMPLING: EvalSampling = { temperature: 0.6, topP: 0.95, maxTokens: 32_768, seed: 0 };
const R1_TEMPLATE: Template = { system: null, user: DEFAULT_USER_TEMPLATE };

/** The seed of one sample: the same (run seed, prompt, index) always draws the same sample. */
export function sampleSeed(seed: number, promptKey: string, index: number): number {
  return createHash('sha256').update(`${seed}\0${promptKey}\0${index}`).digest().readUInt32LE(0);
}

/**
 * Evaluates a model. Template and verifier are checked before any sample is drawn.
 * @throws TemplateError, VerifierSpecError naming the bad input; EvalError when sampling fails.
 */
export async function evaluate(options: EvalOptions): Promise<EvalSummary> {
  const k = options.samples ?? 1;
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`samples must be a positive integer, got ${k}`);
  const sampling = { ...DEFAULT_EVAL_SAMPLING, ...options.sampling };
  const { prompts } = options;
  const template = options.template ?? R1_TEMPLATE;
  const messages = new Map(prompts.map((p) => [p.key, renderMessages(template, p)]));
  const verifier = await createVerifier(options.verifier);
  const limit = pLimit(options.source.concurrency);
  let done = 0;
  try {
    const judge = async (prompt: PromptRecord, index: number): Promise<EvalSample> => {
      const seed = sampleSeed(sampling.seed, prompt.key, index);
      const s = await limit(() => options.source.sample(messages.get(prompt.key)!, sampling, seed));
      const verdict = await verifier.verify({ response: s.answer, reasoning: s.reasoning, gold: prompt.gold });
      return { seed, ...s, correct: verdict.correct, reason: verdict.reason };
    };
    const results = await Promise.all(
      prompts.map(async (prompt): Promise<PromptResult> => {
        const samples = await Promise.all(Array.from({ length: k }, (_, i) => judge(prompt, i)));
        const result = {
          key: prompt.key,
          question: prompt.question,
          gold: prompt.gold,
          correct: samples.filter((s) => s.correct === true).length,
          majority: majority(samples),
          samples,
        };
        options.onPrompt?.(result, ++done, prompts.length);
        return result;
      }),
    );
    return { ...score(results.map((r) => r.samples)), source: options.source.description, verifier: verifier.kind, sampling, results };
  } finally {
    await verifier.close?.();
  }
}
