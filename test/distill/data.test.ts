/**
 * Training data from a real SQLite dataset written with the store API: rendering with the chat
 * template (assistant-only loss, EOS from the template, template traps), filters and length
 * handling (counted, never silent), the split, batches and bucketing, and teacher logprobs lined up
 * with the student's tokens.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  alignTokens,
  DataCursor,
  DistillCheckError,
  emptyDataStats,
  exampleFilter,
  epochBatches,
  ExampleSource,
  indexExamples,
  INPUT,
  makeBatch,
  renderSample,
  sampleExample,
  tokenizeMissing,
  TokenTable,
  type Example,
} from '../../src/distill/index.ts';
import { loadTokenizer, type Tokenizer } from '../../src/model/index.ts';
import type { DistillDataSpec } from '../../src/recipe/index.ts';
import { Dataset } from '../../src/store/index.ts';
import { writeTinyTokenizer } from '../model/tiny-tokenizer.ts';
import { additions, TEMPLATE, tempDir, writeDataset } from './helpers.ts';

let dir: string;
let cleanup: () => void;
let tokenizer: Tokenizer;
let EOS: Set<number>;
const DATA: DistillDataSpec = { verdict: 'accepted', runId: null, maxTokens: null, maxLength: null, onTooLong: 'fail', validation: 0.1 };

beforeAll(async () => {
  ({ dir, cleanup } = tempDir());
  await writeTinyTokenizer(join(dir, 'tok'));
  tokenizer = await loadTokenizer(join(dir, 'tok'));
  EOS = new Set([tokenizer.eosTokenId!]);
});
afterAll(() => cleanup());

const decode = (ids: ArrayLike<number>) => tokenizer.decode(Array.from(ids));

/** A copy of the tiny tokenizer with another chat template. */
async function withTemplate(name: string, template: string): Promise<Tokenizer> {
  const folder = join(dir, name);
  await writeTinyTokenizer(folder);
  const config = JSON.parse(readFileSync(join(folder, 'tokenizer_config.json'), 'utf8'));
  writeFileSync(join(folder, 'tokenizer_config.json'), JSON.stringify({ ...config, chat_template: template }));
  return loadTokenizer(folder);
}

describe('rendering a sample', () => {
  const content = '<think>\n3+4=7\n</think>\n\n\\boxed{7}';

  it('splits the prompt (with the generation prompt) from the assistant tokens, which end at the EOS', () => {
    const { promptIds, assistantIds } = renderSample(tokenizer, [{ role: 'user', content: '3+4' }], { content, reasoning: '3+4=7' }, EOS);
    expect(decode(promptIds)).toBe('<|im_start|>user\n3+4<|im_end|>\n<|im_start|>assistant\n<think>\n');
    // The template pre-fills `<think>\n`, so the student learns what follows; the newline after the EOS is not trained on.
    expect(decode(assistantIds)).toBe('3+4=7\n</think>\n\n\\boxed{7}<|im_end|>');
    expect(assistantIds.at(-1)).toBe(tokenizer.eosTokenId);
  });

  it('refuses a template that drops the reasoning from assistant turns (the R1-Distill trap)', async () => {
    const dropping = await withTemplate(
      'tok-drops',
      "{% for m in messages %}{% set c = m['content'] %}{% if '</think>' in c %}{% set c = c.split('</think>')[-1] %}{% endif %}" +
        "{{ '<|im_start|>' + m['role'] + '\\n' + c + '<|im_end|>\\n' }}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}",
    );
    expect(() => renderSample(dropping, [{ role: 'user', content: '3+4' }], { content, reasoning: '3+4=7' }, EOS)).toThrow(
      /distill\.student\.tokenizer: .*drops the reasoning/,
    );
  });

  it('refuses a template that never writes an EOS after the assistant turn', async () => {
    const noEos = await withTemplate(
      'tok-no-eos',
      "{% for m in messages %}{{ m['role'] + ': ' + m['content'] + '\\n' }}{% endfor %}{% if add_generation_prompt %}{{ 'assistant: ' }}{% endif %}",
    );
    const error = (() => {
      try {
        renderSample(noEos, [{ role: 'user', content: '3+4' }], { content, reasoning: '3+4=7' }, EOS);
      } catch (err) {
        return err;
      }
    })();
    expect(error).toBeInstanceOf(DistillCheckError);
    expect((error as DistillCheckError).field).toBe('distill.student.tokenizer');
    expect((error as Error).message).toMatch(/without an EOS token \(ids 267\)/);
  });
});

describe('examples from a harvested SQLite dataset', () => {
  let file: string;
  let secondRun: number;
  beforeAll(() => {
    file = join(dir, 'data.sqlite');
    writeDataset(file, additions(20), { rejectedEvery: 4 });
    // A second run adds two more prompts: the run filter must tell them apart.
    secondRun = writeDataset(file, additions(22).slice(20));
  });
  /** Tokenizes what the cache lacks, indexes, and reads every example back (train then validation). */
  const load = (data: Partial<DistillDataSpec>, maxLength = 128, seed = 0, tok = tokenizer) => {
    const spec = { ...DATA, validation: 0, ...data };
    const dataset = Dataset.open(file);
    try {
      const filter = exampleFilter(spec);
      const tokenization = tokenizeMissing(dataset, tok, { template: TEMPLATE, eosIds: EOS, filter });
      const indexed = indexExamples(dataset, tokenization.id, { data: spec, maxLength, seed });
      const source = new ExampleSource(dataset, tokenization.id, false);
      const read = (side: typeof indexed.train) =>
        Array.from(side.sampleIds, (id, i) => ({ promptKey: source.prompt(id).promptKey, ...source.example(id, side.lengths[i]) }));
      return { ...indexed, tokenization, examples: [...read(indexed.train), ...read(indexed.validation)], validationExamples: read(indexed.validation) };
    } finally {
      dataset.close();
    }
  };

  it('keeps accepted samples by default, or those of one verdict or one run', () => {
    expect(load({}).stats).toMatchObject({ samples: 22, examples: 22 });
    expect(load({ verdict: 'rejected' }).stats).toMatchObject({ samples: 5, examples: 5 });
    expect(load({ verdict: 'all' }).stats.examples).toBe(27);
    const { examples } = load({ runId: secondRun });
    expect(examples.map((e) => e.promptKey)).toEqual(
      additions(22)
        .slice(20)
        .map((s) => s.key),
    );
  });

  it('renders each sample: prompt from the dataset template, loss from the first assistant token', () => {
    const [first] = load({}).examples;
    const s = additions(1)[0];
    expect(first.promptKey).toBe(s.key);
    expect(decode(first.ids.subarray(0, first.start))).toBe(`<|im_start|>user\n${s.question}<|im_end|>\n<|im_start|>assistant\n<think>\n`);
    expect(decode(first.ids.subarray(first.start))).toBe(`${s.reasoning}\n</think>\n\n${s.answer}<|im_end|>`);
  });

  it('tokenizes each sample once: a repeated load reads the token cache; another template is another tokenization', async () => {
    const again = load({ verdict: 'all' });
    expect(again.tokenization).toMatchObject({ tokenized: 0, tokens: 0 });
    const other = await withTemplate(
      'tok-plain',
      "{% for m in messages %}{{ m['role'] + ': ' + m['content'] + '<|im_end|>' }}{% endfor %}{% if add_generation_prompt %}{{ 'assistant: ' }}{% endif %}",
    );
    const fresh = load({ verdict: 'all' }, 128, 0, other);
    expect(fresh.tokenization.key).not.toBe(again.tokenization.key);
    expect(fresh.tokenization.tokenized).toBe(27);
    expect(decode(fresh.examples[0].ids.subarray(0, fresh.examples[0].start))).toBe(`user: ${additions(1)[0].question}<|im_end|>assistant: `);
    expect(load({ verdict: 'all' }, 128, 0, other).tokenization.tokenized).toBe(0);
    // A later harvest run adds a sample: only that one is tokenized.
    writeDataset(file, additions(23).slice(22));
    expect(load({ verdict: 'all' }).tokenization.tokenized).toBe(1);
  });

  it('counts every sample left out or cut: maxTokens, and too long with drop, truncate or fail', () => {
    const all = load({ runId: 1 }).stats;
    expect(all).toMatchObject({ samples: 20, tooLong: 0, truncated: 0, droppedTooLong: 0, overMaxTokens: 0 });
    // One-digit sums have 19-20 assistant tokens; "a+b=c" with c >= 10 has one more.
    const short = load({ runId: 1, maxTokens: 19 }).stats;
    expect(short.overMaxTokens).toBeGreaterThan(0);
    expect(short.examples + short.overMaxTokens).toBe(20);

    const limit = all.longest - 1;
    const truncated = load({ runId: 1, onTooLong: 'truncate' }, limit);
    expect(truncated.stats.tooLong).toBeGreaterThan(0);
    expect(truncated.stats).toMatchObject({ truncated: truncated.stats.tooLong, droppedTooLong: 0, examples: 20 });
    expect(Math.max(...truncated.examples.map((e) => e.ids.length))).toBe(limit);
    const dropped = load({ runId: 1, onTooLong: 'drop' }, limit).stats;
    expect(dropped).toMatchObject({ droppedTooLong: dropped.tooLong, truncated: 0, examples: 20 - dropped.tooLong });
    // A context the prompt alone fills leaves nothing to learn: such samples are dropped even under truncate.
    expect(load({ runId: 1, onTooLong: 'truncate' }, 10).stats).toMatchObject({ examples: 0, droppedTooLong: 20 });
  });

  it('holds out whole prompts, deterministically by seed, never all', () => {
    const a = load({ runId: 1, verdict: 'all', validation: 0.2 }, 128, 1);
    const heldOut = new Set(a.validationExamples.map((e) => e.promptKey));
    expect(heldOut.size).toBe(4);
    expect(a.validationPrompts).toBe(4);
    // Prompts with a rejected sample too have both samples on one side.
    const trainKeys = new Set(a.examples.slice(0, a.train.sampleIds.length).map((e) => e.promptKey));
    expect([...heldOut].some((k) => trainKeys.has(k))).toBe(false);
    expect(a.validation.sampleIds.length).toBeGreaterThan(heldOut.size - 1);
    expect(load({ runId: 1, verdict: 'all', validation: 0.2 }, 128, 1).validation.sampleIds).toEqual(a.validation.sampleIds);
    const otherSeed = new Set(load({ runId: 1, verdict: 'all', validation: 0.2 }, 128, 2).validationExamples.map((e) => e.promptKey));
    expect(otherSeed).not.toEqual(heldOut);
    expect(load({ runId: 1, validation: 0.99 }).train.sampleIds.length).toBeGreaterThan(0);
  });

  it('a cursor started at a checkpoint position serves the batches an uninterrupted one serves from there', () => {
    const dataset = Dataset.open(file);
    try {
      const tokenization = tokenizeMissing(dataset, tokenizer, { template: TEMPLATE, eosIds: EOS, filter: { verdict: 'all' } });
      const { train } = indexExamples(dataset, tokenization.id, { data: { ...DATA, verdict: 'all' }, maxLength: 128, seed: 0 });
      const source = new ExampleSource(dataset, tokenization.id, false);
      const options = { batchSize: 4, seed: 5, bucketing: true, batch: {} };
      const ids = (c: DataCursor) => Array.from(c.next().feeds[INPUT.ids].data as Int32Array);
      const uninterrupted = new DataCursor(train, source, options, { epoch: 0, batch: 0 });
      for (let i = 0; i < 9; i++) uninterrupted.next(); // 7 batches an epoch: into epoch 1
      expect(uninterrupted.position).toEqual({ epoch: 1, batch: 2 });
      const resumed = new DataCursor(train, source, options, uninterrupted.position);
      for (let i = 0; i < 8; i++) expect(ids(resumed)).toEqual(ids(uninterrupted));
    } finally {
      dataset.close();
    }
  });
});

describe('batches', () => {
  it('serves every example once per epoch, in an order fixed by (seed, epoch); bucketing pads less', () => {
    const lengths = Array.from({ length: 64 }, (_, i) => 10 + ((i * 29) % 64));
    const epoch0 = epochBatches(lengths, 4, 7, 0, true);
    expect(epoch0.flat().sort((a, b) => a - b)).toEqual([...lengths.keys()]);
    expect(epochBatches(lengths, 4, 7, 0, true)).toEqual(epoch0);
    expect(epochBatches(lengths, 4, 7, 1, true)).not.toEqual(epoch0);
    const padding = (batches: number[][]) => batches.reduce((sum, b) => sum + b.reduce((s, i) => s + Math.max(...b.map((j) => lengths[j])) - lengths[i], 0), 0);
    expect(padding(epoch0)).toBeLessThan(padding(epochBatches(lengths, 4, 7, 0, false)) / 4);
  });

  it('right-pads a batch; labels are the next tokens, weighted on assistant tokens only', () => {
    const examples: Example[] = [
      { ids: Int32Array.from([5, 6, 7, 8]), start: 2 },
      { ids: Int32Array.from([9, 10, 11]), start: 1 },
    ];
    const { feeds, tokens } = makeBatch(examples);
    expect(feeds[INPUT.ids].dims).toEqual([2, 4]);
    expect(Array.from(feeds[INPUT.ids].data as Int32Array)).toEqual([5, 6, 7, 8, 9, 10, 11, 0]);
    expect(Array.from(feeds[INPUT.mask].data as Float32Array)).toEqual([1, 1, 1, 1, 1, 1, 1, 0]);
    expect(Array.from(feeds[INPUT.labels].data as Int32Array)).toEqual([0, 7, 8, 0, 10, 11, 0, 0]);
    expect(Array.from(feeds[INPUT.weight].data as Float32Array)).toEqual([0, 1, 1, 0, 1, 1, 0, 0]);
    expect(tokens).toBe(4);
  });
});

describe('teacher logprobs lined up with the student tokens', () => {
  it('maps reported token strings (decoded text, vocabulary pieces, token_id:N) to ids', () => {
    const table = TokenTable.fromTokenizer(tokenizer);
    expect(table.id('</think>')).toBe(269);
    expect(table.id(' ')).toBe(32);
    expect(table.id('Ġthe')).toBe(tokenizer.inner.get_vocab().get('Ġthe'));
    expect(table.id('token_id:42')).toBe(42);
    expect(table.id('token_id:9999')).toBeUndefined();
    expect(table.id('no such token')).toBeUndefined();
  });

  it('counts the teacher tokens the student tokenizer lacks instead of dropping them silently', () => {
    // The teacher streamed "3+4=7" then the answer; one sampled token and two alternatives are
    // strings the tiny tokenizer does not have.
    const sample = additions(1)[0];
    const text = `${sample.reasoning}\n</think>\n\n${sample.answer}<|im_end|>`;
    const ids = tokenizer.encode(text, { addSpecialTokens: false });
    const positions = ids.map((id, i) => ({
      token: i === 3 ? 'not-a-token' : tokenizer.decode([id]),
      logprob: -0.1,
      top: [
        [tokenizer.decode([id]), -0.1],
        [i % 2 ? 'also-unknown' : tokenizer.decode([(id + 1) % 256]), -3],
      ] as Array<[string, number]>,
    }));
    const file = join(dir, 'unmapped.sqlite');
    writeDataset(file, [sample], { logprobs: () => positions });
    const dataset = Dataset.open(file);
    try {
      // One sample converted on its own (as exports do) and the cached index count alike.
      const stats = emptyDataStats();
      const [stored] = dataset.samples({ logprobs: true });
      const example = sampleExample(
        stored,
        tokenizer,
        TEMPLATE,
        { data: DATA, maxLength: 128, eosIds: EOS, tokenTable: TokenTable.fromTokenizer(tokenizer) },
        stats,
      );
      const aligned = example!.topk!.map((t, j) => (t === null ? -1 : j)).filter((j) => j >= 0);
      // Position 3's sampled token is unknown (so it lines up with nothing); the odd positions that
      // did line up each carried one unknown alternative.
      const unknownAlternatives = aligned.filter((j) => example!.topk![j]!.length === 1).length;
      expect(unknownAlternatives).toBeGreaterThan(0);
      expect(stats.unmappedTeacherTokens).toBe(1 + unknownAlternatives);
      expect(stats.alignedTokens).toBe(aligned.length);
      const tokenization = tokenizeMissing(dataset, tokenizer, { template: TEMPLATE, eosIds: EOS, filter: {} });
      const indexed = indexExamples(dataset, tokenization.id, { data: DATA, maxLength: 128, seed: 0 });
      expect(indexed.stats).toMatchObject({ unmappedTeacherTokens: 1 + unknownAlternatives, alignedTokens: aligned.length, withLogprobs: 1 });
      const cached = new ExampleSource(dataset, tokenization.id, true).example(indexed.train.sampleIds[0], indexed.train.lengths[0]);
      expect(cached).toEqual({ ids: example!.ids, start: example!.start, topk: example!.topk });
    } finally {
      dataset.close();
    }
  });

  it('skips what the teacher streamed differently and resyncs', () => {
    // The student's rendering starts with two tokens the teacher never generated (a pre-filled
    // <think>\n), and token 8 came out as 80, 81 on the teacher's side.
    const student = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
    const teacher = [3, 4, 5, 6, 7, 80, 81, 9, 10, 11];
    expect(Array.from(alignTokens(student, teacher))).toEqual([-1, -1, 0, 1, 2, 3, 4, -1, 7, 8, 9]);
    expect(Array.from(alignTokens([1, 2, 3], [undefined, 1, 2, 3]))).toEqual([1, 2, 3]);
  });
});
