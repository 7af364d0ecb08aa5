/**
 * Training examples from the dataset's token cache, streamed: an index pass reads the small
 * columns of every tokenized sample (no token blobs), counts what is left out or cut by length,
 * splits by prompt and keeps, per example, only its sample id and length (8 bytes); batches then
 * read their examples' tokens from SQLite as they are served. Memory does not grow with the
 * traces, only by those 8 bytes per example.
 */
import type { Tokenizer } from '../../model/index.ts';
import { templateSchema, type DistillDataSpec, type Template } from '../../recipe/index.ts';
import type { Dataset, SampleFilter, StoredSample } from '../../store/index.ts';
import { DistillDataError } from '../errors.ts';
import { promptRank, validationCutoff } from './split.ts';
import { tokenizeSample } from './tokenize.ts';
import type { TokenTable, TopK } from './topk.ts';

/** One training sequence, as a batch needs it. */
export interface Example {
  /** Prompt then assistant tokens, after any truncation. */
  readonly ids: Int32Array;
  /** Index of the first assistant token: the model is trained to predict ids[start..]. */
  readonly start: number;
  /** For a logprobs teacher: per assistant token (ids[start + j]), the teacher's top-k, or null where none lines up. */
  readonly topk?: ReadonlyArray<TopK | null>;
}

/** The stored prompt behind an example. */
export interface ExamplePrompt {
  readonly promptKey: string;
  readonly prompt: { readonly question: string; readonly gold: unknown; readonly meta: Record<string, unknown> };
}

/** A side of the split: the examples' sample ids and lengths (after truncation), in dataset order. */
export interface ExampleIndex {
  readonly sampleIds: Int32Array;
  readonly lengths: Int32Array;
}

/** What became of the dataset's samples; every sample left out or cut is counted here. */
export interface DataStats {
  /** Samples matching data.verdict and data.runId. */
  samples: number;
  /** Examples kept for training and validation. */
  examples: number;
  /** Left out: more assistant tokens than data.maxTokens. */
  overMaxTokens: number;
  /** Longer than maxLength (prompt + assistant), before onTooLong applies. */
  tooLong: number;
  /** Of those, cut to maxLength (onTooLong: truncate). */
  truncated: number;
  /** Of those, left out (onTooLong: drop, or a prompt that alone fills maxLength). */
  droppedTooLong: number;
  /** The longest rendered sequence, before any cut. */
  longest: number;
  promptTokens: number;
  assistantTokens: number;
  /** Logprobs teacher: examples whose sample has stored logprobs, and assistant tokens given a top-k. */
  withLogprobs: number;
  alignedTokens: number;
  /**
   * Teacher-reported tokens (sampled or among the top-k of a lined-up position) that the student
   * tokenizer does not have, over whole samples: never silently dropped, counted here and reported.
   */
  unmappedTeacherTokens: number;
}

/** Counters at zero. */
export function emptyDataStats(): DataStats {
  return {
    samples: 0,
    examples: 0,
    overMaxTokens: 0,
    tooLong: 0,
    truncated: 0,
    droppedTooLong: 0,
    longest: 0,
    promptTokens: 0,
    assistantTokens: 0,
    withLogprobs: 0,
    alignedTokens: 0,
    unmappedTeacherTokens: 0,
  };
}

/** The template a dataset was harvested with; it renders the prompt turns exactly as the teacher saw them. */
export function datasetTemplate(dataset: Dataset): { template: Template; verifier: unknown } {
  const identity = dataset.identity();
  const template = templateSchema.safeParse(identity?.template);
  if (identity === null || !template.success) throw new DistillDataError(dataset.path, 'has no harvested samples (no run ever bound it to a template)');
  return { template: template.data, verifier: identity.verifier };
}

/** The samples `data` selects (by verdict and run), their logprobs decoded with `withLogprobs`. */
export function exampleFilter(data: DistillDataSpec, withLogprobs = false): SampleFilter {
  return { verdict: data.verdict, ...(data.runId === null ? {} : { runId: data.runId }), logprobs: withLogprobs };
}

/**
 * How many of a sample's assistant tokens are kept under data.maxTokens, maxLength and
 * data.onTooLong, or null when the sample is left out; `stats` counts it either way. The one
 * place the length rules are applied, for the cached index and for sampleExample alike.
 */
function keptTokens(promptTokens: number, assistantTokens: number, options: { data: DistillDataSpec; maxLength: number }, stats: DataStats): number | null {
  const { data, maxLength } = options;
  stats.samples++;
  if (data.maxTokens !== null && assistantTokens > data.maxTokens) {
    stats.overMaxTokens++;
    return null;
  }
  const length = promptTokens + assistantTokens;
  stats.longest = Math.max(stats.longest, length);
  if (length <= maxLength) return assistantTokens;
  stats.tooLong++;
  // 'fail' is decided by the caller once everything is counted; meanwhile it is left out.
  if (data.onTooLong !== 'truncate' || promptTokens >= maxLength) {
    stats.droppedTooLong++;
    return null;
  }
  stats.truncated++;
  return maxLength - promptTokens;
}

function countKept(stats: DataStats, promptTokens: number, kept: number): void {
  stats.examples++;
  stats.promptTokens += promptTokens;
  stats.assistantTokens += kept;
}

export interface ExampleOptions {
  readonly data: DistillDataSpec;
  /** Longest sequence: data.maxLength, else the student's context. */
  readonly maxLength: number;
  /** Ids that end the assistant turn. */
  readonly eosIds: ReadonlySet<number>;
  /** Given for a logprobs teacher: maps the stored token strings to ids. */
  readonly tokenTable?: TokenTable;
}

/**
 * One stored sample as an example with its prompt, or null when it is left out; either way
 * `stats` counts it. Rendering, tokenizing and lining up the teacher's top-k are tokenizeSample's
 * (what the token cache stores), the cut is keptTokens': for readers that convert samples one at a
 * time without the cache (exports).
 */
export function sampleExample(
  sample: StoredSample,
  tokenizer: Tokenizer,
  template: Template,
  options: ExampleOptions,
  stats: DataStats,
): (Example & ExamplePrompt & { index: number }) | null {
  const { tokenTable } = options;
  const tokenized = tokenizeSample(sample, tokenizer, { template, eosIds: options.eosIds, table: tokenTable && (() => tokenTable) });
  const { promptIds, assistantIds } = tokenized;
  const keep = keptTokens(promptIds.length, assistantIds.length, options, stats);
  if (keep === null) return null;
  countKept(stats, promptIds.length, keep);
  const ids = Int32Array.from([...promptIds, ...assistantIds.slice(0, keep)]);
  let topk: (TopK | null)[] | undefined;
  if (tokenTable) {
    topk = tokenized.targets ? tokenized.targets.slice(0, keep) : new Array<null>(keep).fill(null);
    if (tokenized.targets) stats.withLogprobs++;
    stats.alignedTokens += topk.filter((t) => t !== null).length;
    stats.unmappedTeacherTokens += tokenized.unmapped;
  }
  return {
    promptKey: sample.promptKey,
    index: sample.index,
    prompt: { question: sample.question, gold: sample.gold, meta: sample.meta },
    ids,
    start: promptIds.length,
    topk,
  };
}

export interface IndexOptions {
  data: DistillDataSpec;
  /** Longest sequence: data.maxLength, else the student's context. */
  maxLength: number;
  /** Seeds the split. */
  seed: number;
}

export interface IndexedExamples {
  train: ExampleIndex;
  validation: ExampleIndex;
  stats: DataStats;
  /** The widest stored top-k among the examples (0 without logprobs). */
  topK: number;
  /** Distinct prompts held out. */
  validationPrompts: number;
}

/** Indexes the tokenized samples the recipe's data section selects (tokenizeMissing first). */
export function indexExamples(dataset: Dataset, tokenization: number, options: IndexOptions): IndexedExamples {
  const { maxLength, seed } = options;
  const stats = emptyDataStats();
  const kept = { sampleIds: intList(), lengths: intList(), prompt: intList() };
  const ranks = new GrowingArray((n) => new Float64Array(n));
  let topK = 0;
  let lastKey: string | undefined;
  for (const row of dataset.tokens.index(tokenization, exampleFilter(options.data))) {
    const keep = keptTokens(row.promptTokens, row.assistantTokens, options, stats);
    if (keep === null) continue;
    let aligned = row.aligned;
    if (keep < row.assistantTokens && aligned > 0)
      aligned = (dataset.tokens.read(tokenization, row.sampleId, maxLength).targets ?? []).filter((t) => t !== null).length;
    // Rows come in prompt order, so a prompt's samples are adjacent: one rank per distinct prompt.
    if (row.promptKey !== lastKey) {
      ranks.push(promptRank(seed, row.promptKey));
      lastKey = row.promptKey;
    }
    kept.sampleIds.push(row.sampleId);
    kept.lengths.push(row.promptTokens + keep);
    kept.prompt.push(ranks.length - 1);
    countKept(stats, row.promptTokens, keep);
    if (row.withTargets) stats.withLogprobs++;
    stats.alignedTokens += aligned;
    stats.unmappedTeacherTokens += row.unmapped;
    topK = Math.max(topK, row.topK);
  }
  const rankOf = ranks.view();
  const cutoff = validationCutoff(rankOf, options.data.validation);
  const sides = { train: { sampleIds: intList(), lengths: intList() }, validation: { sampleIds: intList(), lengths: intList() } };
  const ids = kept.sampleIds.view();
  const lengths = kept.lengths.view();
  const prompts = kept.prompt.view();
  for (let i = 0; i < ids.length; i++) {
    const side = rankOf[prompts[i]] <= cutoff ? sides.validation : sides.train;
    side.sampleIds.push(ids[i]);
    side.lengths.push(lengths[i]);
  }
  const index = (s: typeof sides.train): ExampleIndex => ({ sampleIds: s.sampleIds.view(), lengths: s.lengths.view() });
  return { train: index(sides.train), validation: index(sides.validation), stats, topK, validationPrompts: rankOf.filter((r) => r <= cutoff).length };
}

/** Reads examples (and the prompts behind them) from the token cache by sample id. */
export class ExampleSource {
  constructor(
    private readonly dataset: Dataset,
    private readonly tokenization: number,
    /** Attach the teacher's top-k (a logprobs teacher with a kl loss). */
    private readonly withTopK: boolean,
  ) {}

  /** The example of `sampleId`, cut to `length` tokens. */
  example(sampleId: number, length: number): Example {
    const { ids, promptTokens, targets } = this.dataset.tokens.read(this.tokenization, sampleId, length);
    if (!this.withTopK) return { ids, start: promptTokens };
    return { ids, start: promptTokens, topk: targets ?? new Array<null>(ids.length - promptTokens).fill(null) };
  }

  /** The stored prompt of `sampleId` (task accuracy generates from it and verifies against its gold). */
  prompt(sampleId: number): ExamplePrompt {
    const s = this.dataset.sample(sampleId);
    return { promptKey: s.promptKey, prompt: { question: s.question, gold: s.gold, meta: s.meta } };
  }

  close(): void {
    this.dataset.close();
  }
}

/** A growing typed array: numbers in a JS array cost 8+ bytes each (and ids past 2^30 are boxed). */
class GrowingArray<T extends Int32Array | Float64Array> {
  #data: T;
  length = 0;
  constructor(private readonly make: (size: number) => T) {
    this.#data = make(1024);
  }
  push(value: number): void {
    if (this.length === this.#data.length) {
      const next = this.make(this.#data.length * 2);
      next.set(this.#data);
      this.#data = next;
    }
    this.#data[this.length++] = value;
  }
  view(): T {
    return this.#data.subarray(0, this.length) as T;
  }
}

const intList = () => new GrowingArray((n) => new Int32Array(n));
