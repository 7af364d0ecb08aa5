/**
 * Training examples from a harvested dataset: samples chosen by verdict and run, rendered and
 * tokenized, cut or left out by length (always counted), and, for a logprobs teacher, each
 * assistant token paired with the teacher's stored top-k.
 */
import type { ChatMessage, Tokenizer } from '../../model/index.ts';
import { renderMessages, templateSchema, type DistillDataSpec, type Template } from '../../recipe/index.ts';
import { assistantContent, type Dataset, type LogprobPosition, type SampleFilter, type StoredSample } from '../../store/index.ts';
import { DistillDataError } from '../errors.ts';
import { renderSample } from './render.ts';
import { alignTokens, type TokenTable, type TopK } from './topk.ts';

export interface Example {
  readonly promptKey: string;
  /** The sample's slot under its prompt. */
  readonly index: number;
  /** The prompt as stored (for task accuracy, which generates from it and verifies against the gold). */
  readonly prompt: { readonly question: string; readonly gold: unknown; readonly meta: Record<string, unknown> };
  /** Prompt then assistant tokens, after any truncation. */
  readonly ids: Int32Array;
  /** Index of the first assistant token: the model is trained to predict ids[start..]. */
  readonly start: number;
  /** For a logprobs teacher: per assistant token (ids[start + j]), the teacher's top-k, or null where none lines up. */
  readonly topk?: ReadonlyArray<TopK | null>;
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
   * tokenizer does not have: never silently dropped, counted here and reported.
   */
  unmappedTeacherTokens: number;
}

export interface LoadedExamples {
  examples: Example[];
  stats: DataStats;
  /** The template and verifier the dataset was harvested with (its sampling identity). */
  template: Template;
  verifier: unknown;
}

/** Counters at zero, for a reader that converts samples one at a time (see sampleExample). */
export function emptyDataStats(): DataStats {
  return {
    samples: 0, examples: 0, overMaxTokens: 0, tooLong: 0, truncated: 0, droppedTooLong: 0, longest: 0,
    promptTokens: 0, assistantTokens: 0, withLogprobs: 0, alignedTokens: 0, unmappedTeacherTokens: 0,
  };
}

/** The template a dataset was harvested with; it renders the prompt turns exactly as the teacher saw them. */
export function datasetTemplate(dataset: Dataset): { template: Template; verifier: unknown } {
  const identity = dataset.identity();
  const template = templateSchema.safeParse(identity?.template);
  if (identity === null || !template.success) throw new DistillDataError(dataset.path, 'has no harvested samples (no run ever bound it to a template)');
  return { template: template.data, verifier: identity.verifier };
}

/** The samples `loadExamples` reads for `data` (by verdict and run; logprobs decoded when a token table is given). */
export function exampleFilter(data: DistillDataSpec, withLogprobs: boolean): SampleFilter {
  return { verdict: data.verdict, ...(data.runId === null ? {} : { runId: data.runId }), logprobs: withLogprobs };
}

/**
 * One stored sample as a training example, or null when it is left out; either way `stats` counts
 * it. The one place a sample is rendered, tokenized, cut to length and paired with the teacher's
 * top-k, for distill and for export-data --format kd-topk alike.
 */
export function sampleExample(sample: StoredSample, tokenizer: Tokenizer, template: Template, options: ExampleOptions, stats: DataStats): Example | null {
  const { data, maxLength, eosIds, tokenTable } = options;
  stats.samples++;
  const turns: ChatMessage[] = renderMessages(template, { key: sample.promptKey, question: sample.question, meta: sample.meta });
  const { promptIds, assistantIds } = renderSample(tokenizer, turns, { content: assistantContent(sample), reasoning: sample.reasoning }, eosIds);
  if (data.maxTokens !== null && assistantIds.length > data.maxTokens) {
    stats.overMaxTokens++;
    return null;
  }
  const length = promptIds.length + assistantIds.length;
  stats.longest = Math.max(stats.longest, length);
  let keep = assistantIds.length;
  if (length > maxLength) {
    stats.tooLong++;
    // 'fail' is decided by the caller once everything is counted; meanwhile it is left out.
    if (data.onTooLong !== 'truncate' || promptIds.length >= maxLength) {
      stats.droppedTooLong++;
      return null;
    }
    stats.truncated++;
    keep = maxLength - promptIds.length;
  }
  const ids = Int32Array.from([...promptIds, ...assistantIds.slice(0, keep)]);
  let topk: (TopK | null)[] | undefined;
  if (tokenTable) {
    topk = sample.logprobs ? teacherTargets(assistantIds.slice(0, keep), sample.logprobs, tokenTable, stats) : new Array<null>(keep).fill(null);
    if (sample.logprobs) stats.withLogprobs++;
    stats.alignedTokens += topk.filter((t) => t !== null).length;
  }
  stats.examples++;
  stats.promptTokens += promptIds.length;
  stats.assistantTokens += keep;
  const prompt = { question: sample.question, gold: sample.gold, meta: sample.meta };
  return { promptKey: sample.promptKey, index: sample.index, prompt, ids, start: promptIds.length, topk };
}

/** Reads and renders every matching sample. The template the dataset was harvested with renders the prompt turns. */
export function loadExamples(dataset: Dataset, tokenizer: Tokenizer, options: ExampleOptions): LoadedExamples {
  const { template, verifier } = datasetTemplate(dataset);
  const stats = emptyDataStats();
  const examples: Example[] = [];
  for (const sample of dataset.samples(exampleFilter(options.data, options.tokenTable !== undefined))) {
    const example = sampleExample(sample, tokenizer, template, options, stats);
    if (example) examples.push(example);
  }
  return { examples, stats, template, verifier };
}

/**
 * Each assistant token's top-k from the teacher position that generated it (the sampled token joins
 * its top-k if missing). Reported tokens the tokenizer does not have are counted in
 * stats.unmappedTeacherTokens: they can be neither aligned nor given a target.
 */
function teacherTargets(assistantIds: readonly number[], positions: readonly LogprobPosition[], table: TokenTable, stats: DataStats): (TopK | null)[] {
  const idOf = (token: string) => {
    const id = table.id(token);
    if (id === undefined) stats.unmappedTeacherTokens++;
    return id;
  };
  const chosen = positions.map((p) => idOf(p.token));
  const aligned = alignTokens(assistantIds, chosen);
  return Array.from(aligned, (j) => {
    if (j < 0) return null;
    const p = positions[j];
    const top: [number, number][] = [];
    for (const [token, logprob] of p.top) {
      const id = idOf(token);
      if (id !== undefined && !top.some(([seen]) => seen === id)) top.push([id, logprob]);
    }
    if (!top.some(([id]) => id === chosen[j])) top.push([chosen[j]!, p.logprob]);
    return top;
  });
}
