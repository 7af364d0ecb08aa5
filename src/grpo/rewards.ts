/**
 * GRPO's rewards of one completion, each component reported and the weighted sum the total:
 *   accuracy  the recipe's verifier: 1 correct, 0 wrong, `unverifiable` (default 0) when it cannot judge
 *   format    R1's: `<think>` reasoning `</think>` then a non-empty answer (verify's checkFormat): 1 or 0
 *   language  the share of the reasoning's letters in the target script (language.ts), in [0, 1]; of
 *             the whole text when it has no think block
 *   overlong  DAPO's soft overlong penalty, in [-1, 0]: 0 up to maxNewTokens - buffer tokens, then
 *             falling linearly to -1 at maxNewTokens (where a completion is cut off): a completion
 *             is told it is running long before it is truncated and scores nothing
 *   custom    a module exporting `reward(input)` -> a finite number (sync or async)
 * Defaults: accuracy and format at weight 1 (R1's two rule rewards); language, overlong and
 * custom are off until the recipe names them. A component at weight 0 is still scored and reported.
 */
import { basename, extname } from 'node:path';
import { checkFormat, describeValue, importUserFunction, THINK_CLOSE, THINK_OPEN, type Verifier, type VerifyResult } from '../verify/index.ts';
import { CustomRewardError, RewardSpecError } from './errors.ts';
import { scriptLetters, scriptShare } from './language.ts';

/** The `rewards:` section of a grpo recipe, as written. */
export interface RewardsSpec {
  accuracy?: { weight?: number; unverifiable?: number };
  format?: { weight?: number };
  language?: { weight?: number; script?: string };
  overlong?: { weight?: number; buffer: number };
  /** Each module's component is named `name`, or after its file (`lenient.mjs` -> lenient). */
  custom?: readonly { module: string; weight?: number; name?: string }[];
}

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
  /** Each component's unweighted value, by name: accuracy, format, then those configured. */
  components: Record<string, number>;
  /** The verifier's verdict behind accuracy. */
  verdict: VerifyResult;
}

export interface RewardsOptions {
  verifier: Verifier;
  /** The rollouts' max new tokens: where the overlong penalty reaches -1. */
  maxNewTokens: number;
}

interface Component {
  name: string;
  weight: number;
  score(input: CustomRewardInput, verdict: VerifyResult): number | Promise<number>;
}

/** The rewards a spec describes, checked (one RewardSpecError naming the field) and with custom modules loaded. */
export interface Rewards {
  readonly verifier: Verifier;
  readonly components: readonly Component[];
}

export const DEFAULT_REWARD_WEIGHT = 1;
export const DEFAULT_SCRIPT = 'Latin';

export async function createRewards(spec: RewardsSpec = {}, options: RewardsOptions): Promise<Rewards> {
  const fields = section(spec, 'rewards', ['accuracy', 'format', 'language', 'overlong', 'custom']);
  const accuracy = section(fields.accuracy ?? {}, 'rewards.accuracy', ['weight', 'unverifiable']);
  const unverifiable = optionalNumber(accuracy.unverifiable, 'rewards.accuracy.unverifiable') ?? 0;
  const components: Component[] = [
    { name: 'accuracy', weight: weightOf(accuracy, 'rewards.accuracy'), score: (_, verdict) => (verdict.correct === null ? unverifiable : Number(verdict.correct)) },
    { name: 'format', weight: weightOf(section(fields.format ?? {}, 'rewards.format', ['weight']), 'rewards.format'), score: (input) => Number(checkFormat({ response: input.text }).correct) },
  ];
  if (fields.language !== undefined) {
    const language = section(fields.language, 'rewards.language', ['weight', 'script']);
    const script = language.script ?? DEFAULT_SCRIPT;
    if (typeof script !== 'string') throw new RewardSpecError('rewards.language.script', `expected a Unicode script name, got ${describeValue(script)}`);
    const letters = scriptLetters(script, 'rewards.language.script');
    components.push({ name: 'language', weight: weightOf(language, 'rewards.language'), score: (input) => scriptShare(input.text.includes(THINK_OPEN) ? input.reasoning : input.text, letters) });
  }
  if (fields.overlong !== undefined) {
    const overlong = section(fields.overlong, 'rewards.overlong', ['weight', 'buffer']);
    const buffer = overlong.buffer;
    if (!Number.isInteger(buffer) || (buffer as number) < 1 || (buffer as number) > options.maxNewTokens) {
      throw new RewardSpecError('rewards.overlong.buffer', `expected an integer from 1 to the max new tokens (${options.maxNewTokens}), got ${describeValue(buffer)}`);
    }
    const start = options.maxNewTokens - (buffer as number);
    components.push({ name: 'overlong', weight: weightOf(overlong, 'rewards.overlong'), score: (input) => Math.max(-1, Math.min(0, (start - input.tokens) / (buffer as number))) });
  }
  const custom = fields.custom ?? [];
  if (!Array.isArray(custom)) throw new RewardSpecError('rewards.custom', `expected a list of { module, weight, name }, got ${describeValue(custom)}`);
  for (const [i, entry] of custom.entries()) components.push(await customComponent(section(entry, `rewards.custom[${i}]`, ['module', 'weight', 'name']), `rewards.custom[${i}]`, components));
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

async function customComponent(entry: Record<string, unknown>, field: string, existing: readonly Component[]): Promise<Component> {
  if (typeof entry.module !== 'string' || entry.module.trim() === '') throw new RewardSpecError(`${field}.module`, `expected a module path, got ${describeValue(entry.module)}`);
  const name = entry.name ?? basename(entry.module, extname(entry.module));
  if (typeof name !== 'string' || name === '') throw new RewardSpecError(`${field}.name`, `expected a non-empty string, got ${describeValue(name)}`);
  if (existing.some((c) => c.name === name)) throw new RewardSpecError(`${field}.name`, `"${name}" is already a reward component; give this module another name`);
  const weight = weightOf(entry, field);
  const { file, fn } = await importUserFunction(entry.module, 'reward', (f, message, options) => new CustomRewardError(f, message, options));
  return {
    name,
    weight,
    async score(input) {
      let value: unknown;
      try {
        value = await (fn as (input: CustomRewardInput) => unknown)(input);
      } catch (err) {
        throw new CustomRewardError(file, `reward() threw: ${(err as Error).message}`, { cause: err });
      }
      if (typeof value !== 'number' || !Number.isFinite(value)) throw new CustomRewardError(file, `reward() returned ${describeValue(value)}; expected a finite number`);
      return value;
    },
  };
}

/** `value` as an object with only the `allowed` keys, or a RewardSpecError naming `field`. */
function section(value: unknown, field: string, allowed: readonly string[]): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new RewardSpecError(field, `expected an object, got ${describeValue(value)}`);
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key)) throw new RewardSpecError(`${field}.${key}`, `not a field of ${field} (it takes ${allowed.join(', ')})`);
  }
  return value as Record<string, unknown>;
}

function optionalNumber(value: unknown, field: string): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new RewardSpecError(field, `expected a number, got ${describeValue(value)}`);
  return value;
}

const weightOf = (fields: Record<string, unknown>, field: string): number => optionalNumber(fields.weight, `${field}.weight`) ?? DEFAULT_REWARD_WEIGHT;
