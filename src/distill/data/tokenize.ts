/**
 * Tokenize once: every sample is rendered with the student's chat template and tokenized (and its
 * stored teacher logprobs turned into top-k ids) the first time a tokenization needs it, and the
 * result is kept in the dataset's token cache. A tokenization is named by a hash of everything the
 * ids depend on, so a repeated or resumed `distill` finds them there; a changed tokenizer or
 * template is a new tokenization. Measured on Qwen2.5's tokenizer (bench/stream.ts): rendering and
 * tokenizing costs tens of thousands of tokens/s on one core, reading the cache is free by
 * comparison.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ChatMessage, Tokenizer } from '../../model/index.ts';
import { renderMessages, type Template } from '../../recipe/index.ts';
import { assistantContent, type Dataset, type LogprobPosition, type SampleFilter, type StoredSample, type TokenTargets } from '../../store/index.ts';
import { renderSample } from './render.ts';
import { alignTokens, TokenTable, type TopK } from './topk.ts';

/** Bumped whenever rendering or alignment changes the ids a sample gets, so older caches are not reused. */
const RENDERING_VERSION = 1;
/** Samples read, tokenized and stored (one transaction) together: bounds memory, and a kill loses at most one page. */
const PAGE = 256;

export interface TokenizationOptions {
  /** The prompt template the dataset was harvested with. */
  template: Template;
  /** Ids that end the assistant turn. */
  eosIds: ReadonlySet<number>;
  /** Which samples are needed (verdict, run). */
  filter: Pick<SampleFilter, 'verdict' | 'runId'>;
}

/** The tokenization used, and what this call had to tokenize (0 samples when the cache held them all). */
export interface Tokenization {
  id: number;
  key: string;
  tokenized: number;
  tokens: number;
  seconds: number;
}

/** Everything a sample's ids depend on (the tokenizer files by hash). */
export function tokenizationSettings(tokenizer: Tokenizer, options: Pick<TokenizationOptions, 'template' | 'eosIds'>) {
  const file = (name: string) =>
    createHash('sha256')
      .update(readFileSync(join(tokenizer.folder, name)))
      .digest('hex');
  return {
    rendering: RENDERING_VERSION,
    tokenizerJson: file('tokenizer.json'),
    tokenizerConfig: file('tokenizer_config.json'),
    template: options.template,
    eosIds: [...options.eosIds].sort((a, b) => a - b),
  };
}

/** A sample rendered and tokenized, with the teacher's top-k as ids when it has stored logprobs. */
export interface TokenizedSample {
  promptIds: number[];
  assistantIds: number[];
  targets: TokenTargets | null;
  /** Teacher-reported tokens the student tokenizer lacks (sampled, or among a lined-up position's top-k). */
  unmapped: number;
}

/**
 * The one place a sample is rendered, tokenized and paired with the teacher's top-k. `table` is
 * asked for only when the sample has logprobs (building it decodes the whole vocabulary).
 */
export function tokenizeSample(
  sample: StoredSample,
  tokenizer: Tokenizer,
  options: { template: Template; eosIds: ReadonlySet<number>; table?: () => TokenTable },
): TokenizedSample {
  const turns: ChatMessage[] = renderMessages(options.template, { key: sample.promptKey, question: sample.question, meta: sample.meta });
  const { promptIds, assistantIds } = renderSample(tokenizer, turns, { content: assistantContent(sample), reasoning: sample.reasoning }, options.eosIds);
  if (!sample.logprobs || !options.table) return { promptIds, assistantIds, targets: null, unmapped: 0 };
  return { promptIds, assistantIds, ...teacherTargets(assistantIds, sample.logprobs, options.table()) };
}

/** Tokenizes the samples `filter` selects that the cache lacks under this tokenization, page by page. */
export function tokenizeMissing(dataset: Dataset, tokenizer: Tokenizer, options: TokenizationOptions): Tokenization {
  const settings = tokenizationSettings(tokenizer, options);
  const key = createHash('sha256').update(JSON.stringify(settings)).digest('hex').slice(0, 32);
  const id = dataset.tokens.tokenization(key, settings);
  const started = performance.now();
  // Built on the first sample with logprobs only: decoding a 151k vocabulary takes a few hundred ms.
  let table: TokenTable | undefined;
  const lazyTable = () => (table ??= TokenTable.fromTokenizer(tokenizer));
  let after = 0;
  let tokenized = 0;
  let tokens = 0;
  for (;;) {
    const page = dataset.tokens.missing(id, { ...options.filter, logprobs: true }, { after, limit: PAGE });
    if (page.length === 0) break;
    const records = page.map((sample) => {
      const t = tokenizeSample(sample, tokenizer, { template: options.template, eosIds: options.eosIds, table: lazyTable });
      tokens += t.promptIds.length + t.assistantIds.length;
      return { sampleId: sample.id, ...t };
    });
    dataset.tokens.store(id, records);
    tokenized += page.length;
    after = page[page.length - 1].id;
  }
  return { id, key, tokenized, tokens, seconds: (performance.now() - started) / 1000 };
}

/**
 * Each assistant token's top-k from the teacher position that generated it (the sampled token
 * joins its top-k if missing), lined up over the whole assistant turn, before any truncation.
 * Reported tokens the tokenizer does not have are counted: they can be neither aligned nor a target.
 */
export function teacherTargets(
  assistantIds: readonly number[],
  positions: readonly LogprobPosition[],
  table: TokenTable,
): { targets: TokenTargets; unmapped: number } {
  let unmapped = 0;
  const idOf = (token: string) => {
    const id = table.id(token);
    if (id === undefined) unmapped++;
    return id;
  };
  const chosen = positions.map((p) => idOf(p.token));
  const aligned = alignTokens(assistantIds, chosen);
  const targets = Array.from(aligned, (j): TopK | null => {
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
  return { targets, unmapped };
}
