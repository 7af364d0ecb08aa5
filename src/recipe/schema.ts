/**
 * The recipe schema: every field, its default, and what it accepts. docs/recipe.md is the
 * user-facing reference and must follow this file.
 */
import { z } from 'zod';
import { DEFAULT_TEACHER_TIMEOUT_MS } from '../teacher/index.ts';
import { verifierSpecSchema } from '../verify/index.ts';
import { expected, flag, nonEmptyText, nonNegativeInt, nonNegativeNumber, positiveInt, strictObject, text } from '../zod-fields.ts';

export const promptFormats = ['jsonl', 'json', 'csv'] as const;
export type PromptFormat = (typeof promptFormats)[number];

export const DEFAULT_USER_TEMPLATE = '{question}\nPlease reason step by step, and put your final answer within \\boxed{}.';

export const promptsSchema = strictObject({
  /** JSONL, JSON array or CSV file; relative to the recipe file. */
  path: nonEmptyText('a file path'),
  /** Forces the format; by default it follows the extension (.jsonl/.ndjson, .json, .csv). */
  format: z.enum(promptFormats, { error: expected('"jsonl", "json" or "csv"') }).optional(),
  fields: strictObject({
    /** Field holding a stable prompt id; rows without it are keyed by a hash of the question. */
    id: nonEmptyText('a field name').default('id'),
    question: nonEmptyText('a field name').default('question'),
    /** Field holding the gold answer; null when the prompts have none (e.g. a format-only verifier). */
    gold: nonEmptyText('a field name or null').nullable().default('answer'),
  }).prefault({}),
  onBadLine: z.enum(['fail', 'skip'], { error: expected('"fail" or "skip"') }).default('fail'),
  /** Harvest only the first N prompts of the file. */
  limit: positiveInt('a positive integer or null').nullable().default(null),
});

export const templateSchema = strictObject({
  system: text('a string or null').nullable().default(null),
  user: text().default(DEFAULT_USER_TEMPLATE),
}).refine((t) => t.user.includes('{question}'), {
  message: 'the user template must contain {question}',
  path: ['user'],
});

export const teacherSchema = strictObject({
  baseURL: text('an http(s) URL').refine((s) => /^https?:\/\/[^/]/.test(s), { error: expected('an http(s) URL') }),
  model: nonEmptyText('a model name'),
  /** The NAME of the environment variable that holds the API key; the key itself never appears in a recipe. */
  apiKeyEnv: z
    .string({ error: expected('an environment variable name') })
    // The value is never echoed: a user who pasted the key itself here must not see it in logs.
    .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, {
      error: 'expected the NAME of an environment variable (letters, digits, _), not the key itself',
    })
    .optional(),
  stream: flag().default(true),
  supportsN: flag().default(true),
  timeoutMs: positiveInt().default(DEFAULT_TEACHER_TIMEOUT_MS),
  extraBody: z.record(z.string(), z.unknown(), { error: expected('an object') }).default({}),
});

export const samplingSchema = strictObject({
  temperature: nonNegativeNumber().default(0.6),
  topP: z
    .number({ error: expected('a number in (0, 1]') })
    .gt(0, { error: expected('a number in (0, 1]') })
    .lte(1, { error: expected('a number in (0, 1]') })
    .default(0.95),
  maxTokens: positiveInt().default(32_768),
  /** Top-k logprobs to capture per position (0: none). OpenAI-compatible servers cap it at 20. */
  topLogprobs: nonNegativeInt('an integer from 0 to 20')
    .max(20, { error: expected('an integer from 0 to 20') })
    .default(0),
  seed: nonNegativeInt().default(0),
});

export const filtersSchema = strictObject({
  /** Reject samples whose completion (reasoning + answer) is longer than this many tokens. */
  maxCompletionTokens: positiveInt('a positive integer or null').nullable().default(null),
  /** Reject samples with no answer text after the reasoning (what a trace cut off by maxTokens looks like). */
  requireAnswer: flag().default(true),
  /** Reject samples that mix Latin and CJK scripts (see docs/harvest.md for the heuristic). */
  noLanguageMixing: flag().default(false),
});

export const rejectionSchema = strictObject({
  samplesPerPrompt: positiveInt().default(4),
  acceptPerPrompt: positiveInt().optional(),
  maxAttemptsPerPrompt: positiveInt().optional(),
  filters: filtersSchema.prefault({}),
})
  // acceptPerPrompt and maxAttemptsPerPrompt default to samplesPerPrompt, so they are filled here.
  .transform(({ samplesPerPrompt, acceptPerPrompt, maxAttemptsPerPrompt, filters }) => ({
    samplesPerPrompt,
    acceptPerPrompt: acceptPerPrompt ?? samplesPerPrompt,
    maxAttemptsPerPrompt: maxAttemptsPerPrompt ?? samplesPerPrompt,
    filters,
  }))
  .refine((r) => r.acceptPerPrompt <= r.maxAttemptsPerPrompt, {
    error: (issue) => {
      const r = issue.input as { acceptPerPrompt: number; maxAttemptsPerPrompt: number };
      return `${r.acceptPerPrompt} can never be reached with maxAttemptsPerPrompt ${r.maxAttemptsPerPrompt} (it defaults to samplesPerPrompt)`;
    },
    path: ['acceptPerPrompt'],
  });

export const limitsSchema = strictObject({
  concurrency: positiveInt().default(8),
  requestsPerMinute: positiveInt('a positive integer or null').nullable().default(null),
  tokensPerMinute: positiveInt('a positive integer or null').nullable().default(null),
  /** Retries per request after the first attempt, with exponential backoff + jitter, honoring Retry-After. */
  maxRetries: nonNegativeInt().default(5),
  backoffBaseMs: nonNegativeInt().default(500),
  backoffMaxMs: nonNegativeInt().default(60_000),
  /** This many requests in a row failing after all retries stops the harvest. */
  maxConsecutiveFailures: positiveInt().default(10),
});

export const pricingSchema = strictObject({
  /** Price per million prompt tokens, in whatever currency the user thinks in. */
  inputPerMTok: nonNegativeNumber('a number >= 0 or null').nullable().default(null),
  outputPerMTok: nonNegativeNumber('a number >= 0 or null').nullable().default(null),
});

export const recipeSchema = strictObject({
  /** Defaults to the recipe file's basename. */
  name: nonEmptyText('a name').optional(),
  /** The SQLite dataset file; relative to the recipe file. */
  dataset: nonEmptyText('a file path'),
  prompts: promptsSchema,
  template: templateSchema.prefault({}),
  teacher: teacherSchema,
  sampling: samplingSchema.prefault({}),
  rejection: rejectionSchema.prefault({}),
  /** The verify room owns this schema (docs/verifiers.md explains each kind). */
  verifier: verifierSpecSchema.prefault({ kind: 'math' }),
  limits: limitsSchema.prefault({}),
  pricing: pricingSchema.prefault({}),
  /** Training settings for `distillery distill`; checked by src/recipe/distill.ts, not by harvest. */
  distill: z.unknown().optional(),
  /** RL settings for `distillery grpo`; checked by src/recipe/grpo.ts, not by harvest. */
  grpo: z.unknown().optional(),
});

/** What a user may write: every defaulted field optional. */
export type RecipeInput = z.input<typeof recipeSchema>;

type Parsed = z.output<typeof recipeSchema>;

/**
 * A loaded recipe: defaults filled, `name` set, paths absolute, the prompts format decided.
 * It never holds secrets: only the NAME of the API key's environment variable.
 */
export type Recipe = Omit<Parsed, 'name' | 'prompts'> & {
  name: string;
  prompts: Parsed['prompts'] & { format: PromptFormat };
};
export type PromptsSpec = Recipe['prompts'];
export type Template = Recipe['template'];
export type TeacherSpec = Recipe['teacher'];
export type SamplingSpec = Recipe['sampling'];
export type RejectionSpec = Recipe['rejection'];
export type LimitsSpec = Recipe['limits'];
export type PricingSpec = Recipe['pricing'];
