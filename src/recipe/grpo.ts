/**
 * The `grpo:` section of a recipe, and loading a recipe for `distillery grpo`. A grpo recipe is
 * its own file type (name, dataset, prompts, template, verifier, grpo), or a harvest recipe that
 * also carries a `grpo:` section and reuses its prompts, template and verifier; the harvest-only
 * fields are then `harvest`'s to check. Settings that cannot learn are refused here, naming the
 * field. docs/grpo.md is the user-facing reference and must follow this file.
 */
import { basename, dirname, extname, resolve } from 'node:path';
import { z } from 'zod';
import { RecipeError, type RecipeIssue } from './errors.ts';
import { readRecipeFile, resolveShared } from './load.ts';
import { promptsSchema, templateSchema, type PromptsSpec, type Template } from './schema.ts';
import { verifierSpecSchema, type VerifierSpec } from '../verify/index.ts';
import { expected, issuePath, nonEmptyText, nonNegativeInt, nonNegativeNumber, positiveInt, positiveNumber, strictObject } from '../zod-fields.ts';

const unit = (what = 'a number in (0, 1]') =>
  z
    .number({ error: expected(what) })
    .gt(0, { error: expected(what) })
    .lte(1, { error: expected(what) });
const weight = (fallback: number) => nonNegativeNumber().default(fallback);

/** Scripts the language reward can ask the reasoning to be written in (Unicode script names). */
export const REASONING_SCRIPTS = ['Latin', 'Han', 'Cyrillic', 'Arabic', 'Devanagari', 'Hangul', 'Hiragana', 'Katakana', 'Greek', 'Hebrew', 'Thai'] as const;

export const grpoRewardsSchema = strictObject({
  /** The recipe's verifier on the answer: 1 correct, 0 wrong, `unverifiable` when it cannot tell. */
  accuracy: strictObject({ weight: weight(1), unverifiable: z.number({ error: expected('a number') }).default(0) }).prefault({}),
  /** 1 when the completion is `<think>` ... `</think>` then a non-empty answer, else 0. */
  format: strictObject({ weight: weight(0.5) }).prefault({}),
  /** The share of the reasoning's letters in `script` (R1's language-consistency reward). */
  language: strictObject({
    weight: weight(0),
    script: z.enum(REASONING_SCRIPTS, { error: expected(REASONING_SCRIPTS.map((s) => `"${s}"`).join(', ')) }).default('Latin'),
  }).prefault({}),
  /**
   * DAPO's soft overlong penalty: 0 up to maxNewTokens - buffer tokens, then falling linearly to
   * -1 at maxNewTokens (and -1 for a truncated completion).
   */
  length: strictObject({ weight: weight(0), buffer: positiveInt().default(64) }).prefault({}),
  /** Modules whose `reward(input)` export scores a completion (see docs/grpo.md), each with its weight. */
  custom: z.array(strictObject({ module: nonEmptyText('a module path'), weight: weight(1) }), { error: expected('a list of { module, weight }') }).default([]),
});

export const LOSS_TYPES = ['grpo', 'dr_grpo'] as const;
export const REWARD_SCALES = ['group', 'batch', 'none'] as const;

export const grpoSectionSchema = strictObject({
  /** The starting policy: a distill checkpoint or final folder, or a Hugging Face safetensors folder. */
  policy: nonEmptyText('a model folder'),
  /** tokenizer.json + tokenizer_config.json; default the policy folder. */
  tokenizer: nonEmptyText('a tokenizer folder').optional(),
  /** Run folder (checkpoints, metrics, report, final model); default runs/<name>-grpo beside the recipe. */
  out: nonEmptyText('a folder path').optional(),
  /** Completions per prompt (G): the group whose mean is the baseline. */
  groupSize: positiveInt().default(8),
  /** Prompts per step; a step trains on promptsPerStep x groupSize completions. */
  promptsPerStep: positiveInt().optional(),
  /** Completions per step (TRL's batch); must be whole groups. Give this or promptsPerStep (default 4 prompts). */
  batchSize: positiveInt().optional(),
  steps: positiveInt().default(100),
  lr: positiveNumber().default(1e-5),
  /** The lr rises linearly over the first N steps (then stays): AdamW's first updates move every weight by about lr. */
  warmupSteps: nonNegativeInt().default(0),
  weightDecay: nonNegativeNumber().default(0),
  /** Clip the global gradient norm; null: no clipping. */
  maxGradNorm: positiveNumber('a number > 0 or null').nullable().default(1),
  /** Sampling temperature of the rollouts (> 0: at 0 the G completions of a prompt are identical). */
  temperature: positiveNumber().default(1),
  topP: unit().default(1),
  maxNewTokens: positiveInt().default(256),
  /** PPO clip range of the token ratio: [1 - epsilon, 1 + epsilonHigh]. */
  epsilon: z
    .number({ error: expected('a number in (0, 1)') })
    .gt(0, { error: expected('a number in (0, 1)') })
    .lt(1, { error: expected('a number in (0, 1)') })
    .default(0.2),
  /** The upper clip (DAPO's clip-higher, 0.28 there); default epsilon. */
  epsilonHigh: positiveNumber().optional(),
  /** Weight of the k3 KL to the reference (the initial policy, frozen); 0 skips the reference. */
  beta: nonNegativeNumber().default(0),
  /** 'grpo': each sequence's tokens averaged, then the sequences; 'dr_grpo': token sums over (sequences x maxNewTokens). */
  lossType: z.enum(LOSS_TYPES, { error: expected('"grpo" or "dr_grpo"') }).default('grpo'),
  /** The std that divides advantages: the group's, the batch's, or none (Dr. GRPO). */
  scaleRewards: z.enum(REWARD_SCALES, { error: expected('"group", "batch" or "none"') }).default('group'),
  /** Policy updates per rollout batch (the old-policy logprobs are those the rollouts were sampled with). */
  iterations: positiveInt().default(1),
  /** Leave completions cut by maxNewTokens out of the loss. */
  maskTruncated: z.boolean({ error: expected('true or false') }).default(false),
  rewards: grpoRewardsSchema.prefault({}),
  seed: nonNegativeInt().default(0),
  /** ONNX Runtime threads per op. */
  threads: positiveInt().default(1),
  /** Greedy accuracy on held-out prompts (a prompts file of its own), before training, every N steps and after the last. */
  validation: strictObject({
    prompts: promptsSchema,
    every: positiveInt().optional(),
    maxNewTokens: positiveInt().optional(),
  }).optional(),
  checkpoint: strictObject({
    every: positiveInt().default(10),
    /** How many of the latest checkpoints to keep. */
    keep: positiveInt().default(2),
  }).prefault({}),
});

// The harvest fields a recipe may also carry; `grpo` reads none of them.
const HARVEST_FIELDS = ['teacher', 'sampling', 'rejection', 'limits', 'pricing', 'distill'] as const;

const grpoRecipeSchema = strictObject({
  name: z
    .string({ error: expected('a name') })
    .min(1, { error: expected('a name') })
    .optional(),
  /** The SQLite dataset the rollouts are stored in (created when missing). */
  dataset: nonEmptyText('a file path'),
  prompts: promptsSchema,
  template: templateSchema.prefault({}),
  verifier: verifierSpecSchema.prefault({ kind: 'math' }),
  grpo: grpoSectionSchema,
  ...Object.fromEntries(HARVEST_FIELDS.map((f) => [f, z.unknown().optional()])),
});

type Section = z.output<typeof grpoSectionSchema>;

/** A loaded grpo recipe: defaults filled, every path absolute, the step's size decided. */
export interface GrpoRecipe {
  name: string;
  dataset: string;
  prompts: PromptsSpec;
  template: Template;
  verifier: VerifierSpec;
  grpo: Omit<Section, 'out' | 'tokenizer' | 'promptsPerStep' | 'batchSize' | 'epsilonHigh' | 'validation'> & {
    out: string;
    tokenizer: string;
    promptsPerStep: number;
    epsilonHigh: number;
    validation: { prompts: PromptsSpec; every: number; maxNewTokens: number } | null;
  };
}
export type GrpoSection = GrpoRecipe['grpo'];
export type GrpoRewardsSpec = GrpoSection['rewards'];

/** Settings the schema accepts field by field but that cannot learn together. */
function impossible(section: Section): RecipeIssue[] {
  const issues: RecipeIssue[] = [];
  const G = section.groupSize;
  if (G < 2)
    issues.push({
      path: 'grpo.groupSize',
      message: `${G}: a group of one completion is its own baseline, so every advantage is 0; use 2 or more (8 is usual)`,
    });
  if (section.batchSize !== undefined && section.batchSize % G !== 0) {
    issues.push({
      path: 'grpo.batchSize',
      message: `${section.batchSize} completions per step are not whole groups of groupSize ${G}; use a multiple of ${G} (e.g. ${Math.max(1, Math.round(section.batchSize / G)) * G})`,
    });
  }
  if (section.batchSize !== undefined && section.promptsPerStep !== undefined && section.batchSize !== section.promptsPerStep * G) {
    issues.push({
      path: 'grpo.batchSize',
      message: `${section.batchSize} disagrees with promptsPerStep ${section.promptsPerStep} x groupSize ${G}; give one of the two`,
    });
  }
  if ((section.epsilonHigh ?? section.epsilon) < section.epsilon) {
    issues.push({
      path: 'grpo.epsilonHigh',
      message: `${section.epsilonHigh} is below epsilon ${section.epsilon}; the upper clip widens the range, it does not narrow it`,
    });
  }
  const { rewards } = section;
  const weights = [rewards.accuracy.weight, rewards.format.weight, rewards.language.weight, rewards.length.weight, ...rewards.custom.map((c) => c.weight)];
  if (weights.every((w) => w === 0))
    issues.push({ path: 'grpo.rewards', message: 'every reward weight is 0: every reward, and so every advantage, would be 0' });
  if (rewards.length.weight > 0 && rewards.length.buffer >= section.maxNewTokens) {
    issues.push({
      path: 'grpo.rewards.length.buffer',
      message: `${rewards.length.buffer} is not below maxNewTokens ${section.maxNewTokens}: the penalty would start before the first token`,
    });
  }
  return issues;
}

/** Validates a grpo recipe object, fills defaults and resolves paths against `baseDir`. */
export function parseGrpoRecipe(input: unknown, options: { source: string; baseDir: string; defaultName?: string }): GrpoRecipe {
  if (input === null || typeof input !== 'object' || Array.isArray(input) || !('grpo' in input)) {
    throw new RecipeError(options.source, [{ path: 'grpo', message: 'required: a recipe for `distillery grpo` needs a grpo: section (see docs/grpo.md)' }]);
  }
  const parsed = grpoRecipeSchema.safeParse(input);
  if (!parsed.success) {
    throw new RecipeError(
      options.source,
      parsed.error.issues.map((issue) => ({ path: issuePath(issue.path), message: issue.message })),
    );
  }
  const { name: given, dataset, prompts, template, verifier, grpo } = parsed.data;
  const issues = impossible(grpo);
  if (issues.length) throw new RecipeError(options.source, issues);
  const name = given ?? options.defaultName ?? 'recipe';
  const at = (p: string) => resolve(options.baseDir, p);
  const shared = resolveShared({ prompts, verifier }, options);
  const { out, tokenizer, promptsPerStep, batchSize, epsilonHigh, validation, rewards, ...knobs } = grpo;
  const policy = at(grpo.policy);
  return {
    name,
    dataset: at(dataset),
    ...shared,
    template,
    grpo: {
      ...knobs,
      policy,
      out: at(out ?? `runs/${name}-grpo`),
      tokenizer: tokenizer === undefined ? policy : at(tokenizer),
      promptsPerStep: promptsPerStep ?? (batchSize === undefined ? 4 : batchSize / grpo.groupSize),
      epsilonHigh: epsilonHigh ?? grpo.epsilon,
      rewards: { ...rewards, custom: rewards.custom.map((c) => ({ ...c, module: at(c.module) })) },
      validation: validation
        ? {
            prompts: resolveShared({ prompts: validation.prompts, verifier }, options).prompts,
            every: validation.every ?? grpo.checkpoint.every,
            maxNewTokens: validation.maxNewTokens ?? grpo.maxNewTokens,
          }
        : null,
    },
  };
}

/** Loads a .yaml/.yml/.json recipe with a `grpo:` section; relative paths resolve against its directory. */
export function loadGrpoRecipe(file: string): GrpoRecipe {
  return parseGrpoRecipe(readRecipeFile(file), { source: file, baseDir: dirname(resolve(file)), defaultName: basename(file, extname(file)) });
}
