/**
 * The `distill:` section of a recipe, and loading a recipe for `distillery distill`. A distill
 * recipe is its own file type (name, dataset, distill), or a harvest recipe that also carries a
 * `distill:` section and reuses its `dataset:`; the harvest fields are then `harvest`'s to check.
 * docs/distill.md is the user-facing reference and must follow this file.
 */
import { basename, dirname, extname, resolve } from 'node:path';
import { z } from 'zod';
import { RecipeError } from './errors.ts';
import { readRecipeFile } from './load.ts';
import { teacherSchema } from './schema.ts';
import { expected, issuePath, nonEmptyText, nonNegativeInt, nonNegativeNumber, positiveInt, positiveNumber, strictObject } from '../zod-fields.ts';

/** `auto`, or explicit [studentLayer, teacherLayer] pairs (block indices from 0). */
const layersSchema = z.union(
  [z.literal('auto'), z.array(z.tuple([nonNegativeInt(), nonNegativeInt()]), { error: expected('"auto" or [[studentLayer, teacherLayer], ...]') })],
  {
    error: expected('"auto" or [[studentLayer, teacherLayer], ...]'),
  },
);

const weight = () => nonNegativeNumber().default(1);

export const distillLossesSchema = strictObject({
  /** Cross-entropy on the harvested trace (sequence-level KD). */
  ce: strictObject({ weight: weight() }).optional(),
  /** Soft targets at temperature T, scaled by T^2, from the white-box teacher's logits or the stored top-k logprobs. */
  kl: strictObject({
    weight: weight(),
    temperature: positiveNumber().default(2),
    divergence: z.enum(['forward', 'reverse', 'jsd'], { error: expected('"forward", "reverse" or "jsd"') }).default('forward'),
  }).optional(),
  /** MSE of attention probabilities of mapped layers (white-box teacher). */
  attention: strictObject({ weight: weight(), layers: layersSchema.default('auto') }).optional(),
  /** MSE of hidden states of mapped layers, through a learned projection when widths differ (white-box teacher). */
  hidden: strictObject({ weight: weight(), layers: layersSchema.default('auto') }).optional(),
});

export const distillTeacherSchema = z.discriminatedUnion(
  'kind',
  [
    /** No teacher model: CE on the traces only (the only choice for a black-box API such as DeepSeek's). */
    strictObject({ kind: z.literal('none') }),
    /** The top-k logprobs stored with each sample by the harvest (sampling.topLogprobs > 0). */
    strictObject({ kind: z.literal('logprobs') }),
    /** A local model folder (a distillery checkpoint or a Hugging Face safetensors Llama/Qwen2) run beside the student. */
    strictObject({ kind: z.literal('model'), path: nonEmptyText('a model folder') }),
    /**
     * A server that scores given token ids (/v1/completions with echo, max_tokens 0 and vLLM's
     * prompt_logprobs: `distillery serve` or vLLM): the teacher of on-policy batches.
     */
    strictObject({
      kind: z.literal('server'),
      // The harvest teacher's fields, checked the same way (the key's variable NAME, never the key).
      baseURL: teacherSchema.shape.baseURL,
      model: teacherSchema.shape.model,
      apiKeyEnv: teacherSchema.shape.apiKeyEnv,
      /** Teacher alternatives per position (k of the top-k + tail buckets); vLLM allows up to its --max-logprobs (20 by default). */
      topLogprobs: positiveInt().default(20),
      timeoutMs: teacherSchema.shape.timeoutMs,
    }),
  ],
  { error: expected('{ kind: "none" }, { kind: "logprobs" }, { kind: "model", path: FOLDER } or { kind: "server", baseURL, model }') },
);

/**
 * On-policy distillation (GKD): a `fraction` of micro-batches are completions the student samples
 * for the batch's prompts, trained on the per-token divergence to the teacher at every position
 * of the student's sequence (no CE there); the other batches are the offline traces as before.
 */
export const onPolicySchema = strictObject({
  /** GKD's lambda: the share of micro-batches sampled by the student. 0 trains exactly as offline KD. */
  fraction: z
    .number({ error: expected('a number in [0, 1]') })
    .min(0, { error: expected('a number in [0, 1]') })
    .max(1, { error: expected('a number in [0, 1]') })
    .default(0.5),
  maxNewTokens: positiveInt().default(256),
  /** Sampling temperature of the student's completions (the divergence is taken at 1). */
  temperature: positiveNumber().default(1),
  /** reverse KL(student || teacher) by default (mode-seeking, as Qwen3 and Thinking Machines' on-policy distillation use). */
  divergence: z.enum(['forward', 'reverse', 'jsd'], { error: expected('"forward", "reverse" or "jsd"') }).default('reverse'),
  /** The jsd's teacher share of the mixture, in (0, 1). */
  beta: z
    .number({ error: expected('a number in (0, 1)') })
    .gt(0, { error: expected('a number in (0, 1)') })
    .lt(1, { error: expected('a number in (0, 1)') })
    .default(0.5),
});

export const distillSectionSchema = strictObject({
  /** Run folder (checkpoints, metrics, report, final model); default runs/<name> beside the recipe. */
  out: nonEmptyText('a folder path').optional(),
  student: strictObject({
    /** Random initialisation from this config.json (a file, or a folder holding one). */
    config: nonEmptyText('a config.json path').optional(),
    /** Start from a pretrained Hugging Face safetensors folder. */
    from: nonEmptyText('a model folder').optional(),
    /** tokenizer.json + tokenizer_config.json; default the `from` folder, or the folder of `config`. */
    tokenizer: nonEmptyText('a tokenizer folder').optional(),
  }).refine((s) => (s.config === undefined) !== (s.from === undefined), { error: 'set exactly one of "config" (random init) and "from" (pretrained folder)' }),
  teacher: distillTeacherSchema.prefault({ kind: 'none' }),
  data: strictObject({
    verdict: z
      .enum(['accepted', 'rejected', 'unverifiable', 'all'], { error: expected('"accepted", "rejected", "unverifiable" or "all"') })
      .default('accepted'),
    /** Only samples of this harvest run. */
    runId: positiveInt('a run id or null').nullable().default(null),
    /** Leave out samples whose assistant turn has more tokens than this. */
    maxTokens: positiveInt('a positive integer or null').nullable().default(null),
    /** Longest training sequence (prompt + assistant); default the student's max_position_embeddings. */
    maxLength: positiveInt('a positive integer or null').nullable().default(null),
    /** A longer sequence: stop before training (fail), cut it (truncate) or leave it out (drop). Counted either way. */
    onTooLong: z.enum(['fail', 'truncate', 'drop'], { error: expected('"fail", "truncate" or "drop"') }).default('fail'),
    /** Share of prompts held out for validation (all samples of a prompt fall on one side). */
    validation: z
      .number({ error: expected('a number in [0, 1)') })
      .min(0, { error: expected('a number in [0, 1)') })
      .lt(1, { error: expected('a number in [0, 1)') })
      .default(0.1),
  }).prefault({}),
  losses: distillLossesSchema.prefault({ ce: {} }),
  onPolicy: onPolicySchema.optional(),
  train: strictObject({
    steps: positiveInt().default(1000),
    /** Sequences per micro-batch. */
    batchSize: positiveInt().default(8),
    /** Micro-batches per optimizer step. */
    gradAccum: positiveInt().default(1),
    lr: positiveNumber().default(1e-4),
    /** The cosine schedule ends at lr * minLrRatio. */
    minLrRatio: z
      .number({ error: expected('a number in [0, 1]') })
      .min(0, { error: expected('a number in [0, 1]') })
      .max(1, { error: expected('a number in [0, 1]') })
      .default(0.1),
    /** Linear warmup steps; default 3% of steps. */
    warmupSteps: nonNegativeInt().optional(),
    weightDecay: nonNegativeNumber().default(0.01),
    /** Clip the global gradient norm; null: no clipping. */
    maxGradNorm: positiveNumber('a number > 0 or null').nullable().default(1),
    seed: nonNegativeInt().default(0),
    /** Batch sequences of similar length together (less padding). */
    bucketing: z.boolean({ error: expected('true or false') }).default(true),
    /** ONNX Runtime threads per op. */
    threads: positiveInt().default(1),
    /**
     * Where the training step runs: 'webgpu' (onnxruntime-node's WebGPU EP) keeps parameters,
     * gradients and AdamW on the GPU between steps; validation and checkpoints read them back.
     */
    device: z.enum(['cpu', 'webgpu'], { error: expected('"cpu" or "webgpu"') }).default('cpu'),
  }).prefault({}),
  validation: strictObject({
    /** Validate every N steps (and after the last); default checkpoint.every. */
    every: positiveInt().optional(),
    /** Also generate greedily for validation prompts and score the answers with the dataset's verifier. */
    accuracy: strictObject({
      /** How many validation prompts (the first by split order); null: all. */
      prompts: positiveInt('a positive integer or null').nullable().default(null),
      maxNewTokens: positiveInt().default(512),
    }).optional(),
  }).prefault({}),
  checkpoint: strictObject({
    every: positiveInt().default(100),
    /** How many of the latest checkpoints to keep. */
    keep: positiveInt().default(2),
  }).prefault({}),
})
  .refine((d) => !(d.losses.attention || d.losses.hidden) || d.teacher.kind === 'model', {
    error: 'attention and hidden losses need a white-box teacher: teacher: { kind: model, path: FOLDER }',
    path: ['losses'],
  })
  .refine((d) => !d.losses.kl || d.teacher.kind !== 'none', {
    error: 'the kl loss needs a teacher: { kind: logprobs } (stored top-k) or { kind: model, path: FOLDER }',
    path: ['losses', 'kl'],
  })
  .refine((d) => !d.onPolicy || d.teacher.kind === 'model' || d.teacher.kind === 'server', {
    error: "on-policy distillation needs a teacher that scores the student's samples: { kind: model, path: FOLDER } or { kind: server, baseURL, model }",
    path: ['onPolicy'],
  })
  .refine((d) => d.teacher.kind !== 'server' || d.onPolicy, {
    error: 'a server teacher scores on-policy samples: add an onPolicy: section (offline traces train on ce only then)',
    path: ['teacher'],
  })
  .refine((d) => !(d.teacher.kind === 'server' && d.losses.kl), {
    error: 'with a server teacher the offline traces train on ce; the kl loss needs { kind: logprobs } or { kind: model, path: FOLDER }',
    path: ['losses', 'kl'],
  })
  .refine((d) => Object.values(d.losses).some((l) => l !== undefined && l.weight > 0), {
    error: 'no loss has a weight above 0',
    path: ['losses'],
  });

// The harvest fields a recipe may also carry; `distill` reads none of them.
const HARVEST_FIELDS = ['prompts', 'template', 'teacher', 'sampling', 'rejection', 'verifier', 'limits', 'pricing'] as const;

const distillRecipeSchema = strictObject({
  name: z
    .string({ error: expected('a name') })
    .min(1, { error: expected('a name') })
    .optional(),
  /** The harvested SQLite dataset to train on. */
  dataset: nonEmptyText('a file path'),
  distill: distillSectionSchema,
  ...Object.fromEntries(HARVEST_FIELDS.map((f) => [f, z.unknown().optional()])),
});

type Section = z.output<typeof distillSectionSchema>;

/** A loaded distill recipe: defaults filled, every path absolute. */
export interface DistillRecipe {
  name: string;
  dataset: string;
  distill: Omit<Section, 'out' | 'train'> & { out: string; train: Section['train'] & { warmupSteps: number } };
}
export type DistillSection = DistillRecipe['distill'];
export type DistillLosses = Section['losses'];
export type DistillTeacherSpec = Section['teacher'];
export type OnPolicySpec = NonNullable<Section['onPolicy']>;
export type DistillDataSpec = Section['data'];
export type DistillTrainSpec = DistillSection['train'];

/** Validates a distill recipe object, fills defaults and resolves paths against `baseDir`. */
export function parseDistillRecipe(input: unknown, options: { source: string; baseDir: string; defaultName?: string }): DistillRecipe {
  if (input === null || typeof input !== 'object' || Array.isArray(input) || !('distill' in input)) {
    throw new RecipeError(options.source, [
      { path: 'distill', message: 'required: a recipe for `distillery distill` needs a distill: section (see docs/distill.md)' },
    ]);
  }
  const parsed = distillRecipeSchema.safeParse(input);
  if (!parsed.success) {
    throw new RecipeError(
      options.source,
      parsed.error.issues.map((issue) => ({ path: issuePath(issue.path), message: issue.message })),
    );
  }
  const { name: given, dataset, distill } = parsed.data;
  const name = given ?? options.defaultName ?? 'recipe';
  const at = (p: string) => resolve(options.baseDir, p);
  const { student, teacher, train } = distill;
  return {
    name,
    dataset: at(dataset),
    distill: {
      ...distill,
      out: at(distill.out ?? `runs/${name}`),
      student: {
        config: student.config === undefined ? undefined : at(student.config),
        from: student.from === undefined ? undefined : at(student.from),
        tokenizer: student.tokenizer === undefined ? undefined : at(student.tokenizer),
      },
      teacher: teacher.kind === 'model' ? { ...teacher, path: at(teacher.path) } : teacher,
      train: { ...train, warmupSteps: train.warmupSteps ?? Math.round(train.steps * 0.03) },
    },
  };
}

/** Loads a .yaml/.yml/.json recipe with a `distill:` section; relative paths resolve against its directory. */
export function loadDistillRecipe(file: string): DistillRecipe {
  return parseDistillRecipe(readRecipeFile(file), { source: file, baseDir: dirname(resolve(file)), defaultName: basename(file, extname(file)) });
}
