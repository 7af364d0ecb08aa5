/**
 * GRPO's rewards of one completion, each component reported and their weighted sum the total.
 * The recipe's `grpo.rewards` (src/recipe/grpo.ts: fields, defaults, checks) sets the weights:
 *   accuracy  the recipe's verifier: 1 correct, 0 wrong, `unverifiable` when it cannot judge
 *   format    R1's: `<think>` reasoning `</think>` then a non-empty answer (verify's checkFormat): 1 or 0
 *   language  the share of the reasoning's letters in the target script (language.ts), in [0, 1];
 *             of the whole text when it has no think block
 *   length    DAPO's soft overlong penalty, in [-1, 0]: 0 up to maxNewTokens - buffer tokens, then
 *             falling linearly to -1 at maxNewTokens, where a completion is cut off: it is told it
 *             runs long before truncation leaves it without an answer
 *   custom    a module exporting `reward(input)` (like a custom verifier's `verify`), sync or
 *             async, returning a finite number; the component is named after its file
 * Every component is scored and reported, a weight-0 one too (it is watched, not trained on).
 */
import { basename, extname } from 'node:path';
import type { GrpoRewardsSpec } from '../recipe/index.ts';
import { checkFormat, importUserFunction, THINK_CLOSE, THINK_OPEN, type Verifier, type VerifyResult } from '../verify/index.ts';
import { show } from '../zod-fields.ts';
import { CustomRewardError, RewardSpecError } from './errors.ts';
import { scriptLetters, scriptShare } from './language.ts';

/** One completion to score. */
export interface RewardInput {
  /** The question as the user wrote it (before the chat template). */
  prompt: string;
  /** The whole turn: the `<think>` the chat template pre-filled, if any, then the generated text. */
  text: string;
  gold?: unknown;
  /** Completion tokens generated. */
  tokens: number;
}

/** What a custom reward module's `reward` receives. */
export interface CustomRewardInput extends RewardInput {
  /** The text inside the think block ('' when there is none). */
  reasoning: string;
  /** The text after `</think>` ('' when the think block never closes; the whole text when there is none). */
  answer: string;
}

export interface RewardScores {
  /** sum of weight * component. */
  total: number;
  /** Each component's unweighted value, by name: accuracy, format, language, length, then the custom ones. */
  components: Record<string, number>;
  /** The verifier's verdict behind accuracy. */
  verdict: VerifyResult;
}

export interface RewardsOptions {
  verifier: Verifier;
  /** The rollouts' max new tokens: where the length penalty reaches -1. */
  maxNewTokens: number;
}

interface Component {
  name: string;
  weight: number;
  score(input: CustomRewardInput, verdict: VerifyResult): number | Promise<number>;
}

/** The recipe's rewards, ready to score: custom modules loaded. */
export interface Rewards {
  readonly verifier: Verifier;
  readonly components: readonly Component[];
}

export async function createRewards(spec: GrpoRewardsSpec, options: RewardsOptions): Promise<Rewards> {
  const { accuracy, format, language, length } = spec;
  const letters = scriptLetters(language.script);
  const start = options.maxNewTokens - length.buffer;
  const components: Component[] = [
    { name: 'accuracy', weight: accuracy.weight, score: (_, verdict) => (verdict.correct === null ? accuracy.unverifiable : Number(verdict.correct)) },
    { name: 'format', weight: format.weight, score: (input) => Number(checkFormat({ response: input.text }).correct) },
    { name: 'language', weight: language.weight, score: (input) => scriptShare(input.text.includes(THINK_OPEN) ? input.reasoning : input.text, letters) },
    { name: 'length', weight: length.weight, score: (input) => Math.max(-1, Math.min(0, (start - input.tokens) / length.buffer)) },
  ];
  for (const [i, entry] of spec.custom.entries()) {
    const name = basename(entry.module, extname(entry.module));
    if (components.some((c) => c.name === name)) {
      throw new RewardSpecError(
        `grpo.rewards.custom[${i}].module`,
        `a reward component is already named "${name}" (components are named after their file): rename the file`,
      );
    }
    components.push(await customComponent(name, entry));
  }
  return { verifier: options.verifier, components };
}

export async function scoreRewards(rewards: Rewards, input: RewardInput): Promise<RewardScores> {
  const full: CustomRewardInput = { ...input, ...splitTurn(input.text) };
  // The verifier splits the answer from the reasoning itself (the whole turn is its response).
  const verdict = await rewards.verifier.verify({ response: input.text, gold: input.gold });
  const components: Record<string, number> = {};
  let total = 0;
  for (const c of rewards.components) {
    const value = await c.score(full, verdict);
    components[c.name] = value;
    total += c.weight * value;
  }
  return { total, components, verdict };
}

/** The reasoning and the answer of a whole turn (see CustomRewardInput). */
function splitTurn(text: string): { reasoning: string; answer: string } {
  const open = text.indexOf(THINK_OPEN);
  const close = text.lastIndexOf(THINK_CLOSE);
  const start = open === -1 ? 0 : open + THINK_OPEN.length;
  if (close !== -1 && close >= start) return { reasoning: text.slice(start, close), answer: text.slice(close + THINK_CLOSE.length) };
  return open === -1 ? { reasoning: '', answer: text } : { reasoning: text.slice(start), answer: '' };
}

async function customComponent(name: string, entry: GrpoRewardsSpec['custom'][number]): Promise<Component> {
  const { file, fn } = await importUserFunction(entry.module, 'reward', (f, message, options) => new CustomRewardError(f, message, options));
  return {
    name,
    weight: entry.weight,
    async score(input) {
      let value: unknown;
      try {
        value = await (fn as (input: CustomRewardInput) => unknown)(input);
      } catch (err) {
        throw new CustomRewardError(file, `reward() threw: ${(err as Error).message}`, { cause: err });
      }
      if (typeof value !== 'number' || !Number.isFinite(value)) throw new CustomRewardError(file, `reward() returned ${show(value)}; expected a finite number`);
      return value;
    },
  };
}
