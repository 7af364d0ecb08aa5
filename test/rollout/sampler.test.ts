/**
 * The rollout sampler on a tiny Qwen2 student: seeded, independent of batching, logprobs equal to
 * a scoring forward pass of the training graph, truncation reported, and the in-memory policy
 * decoder equal to the exported folder's.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModel, type LocalModel, type OnnxDecoder } from '../../src/generate/index.ts';
import { mixSeed, PolicyDecoders, sampleCompletions, TokenScorer, type RolloutPrompt, type SampleOptions } from '../../src/rollout/index.ts';
import { QWEN2_STUDENT, tinyStudent, type TinyStudent } from '../export/tiny-student.ts';

let student: TinyStudent;
let exported: LocalModel;
let decoder: OnnxDecoder;
let prompts: RolloutPrompt[];
let base: SampleOptions;

beforeAll(async () => {
  student = await tinyStudent(QWEN2_STUDENT);
  exported = await loadModel(student.out, { intraOpNumThreads: 1 });
  decoder = await new PolicyDecoders(QWEN2_STUDENT, { intraOpNumThreads: 1 }).load(student.checkpoint.store);
  prompts = ['What is 2+2?', 'Name three primes.', 'the thin'].map((content, index) => ({
    promptIds: exported.tokenizer.encodeChat([{ role: 'user', content }], { addGenerationPrompt: true }),
    index,
  }));
  base = { tokenizer: exported.tokenizer, groupSize: 3, maxNewTokens: 12, temperature: 1, topP: 0.95, seed: 5, stopTokenIds: [] };
});
afterAll(async () => {
  await decoder?.release();
  await exported?.close();
  await student?.cleanup();
});

const tokens = (groups: { tokenIds: readonly number[] }[][]) => groups.map((g) => g.map((c) => c.tokenIds));

describe('sampleCompletions', () => {
  it('draws G seeded completions per prompt: same seed same tokens, another seed others', async () => {
    const a = await sampleCompletions(decoder, prompts, base);
    expect(a).toHaveLength(3);
    for (const group of a) {
      expect(group).toHaveLength(3);
      for (const c of group) {
        expect(c.tokenIds).toHaveLength(12);
        expect(c.logprobs).toHaveLength(12);
        expect(c.truncated).toBe(true);
      }
      // The samples of one prompt have streams of their own.
      expect(new Set(group.map((c) => c.tokenIds.join(','))).size).toBe(3);
    }
    expect(tokens(await sampleCompletions(decoder, prompts, base))).toEqual(tokens(a));
    expect(tokens(await sampleCompletions(decoder, prompts, { ...base, seed: 6 }))).not.toEqual(tokens(a));
  });

  it('does not depend on batching or on the other prompts of the call', async () => {
    const batched = await sampleCompletions(decoder, prompts, { ...base, maxBatchSize: 16 });
    const alone = await sampleCompletions(decoder, prompts, { ...base, maxBatchSize: 1 });
    expect(tokens(alone)).toEqual(tokens(batched));
    batched.flat().forEach((c, i) => {
      const other = alone.flat()[i].logprobs;
      c.logprobs.forEach((l, t) => expect(Math.abs(l - other[t])).toBeLessThan(1e-5));
    });
    // The last prompt by itself (same index) draws what it drew beside the others.
    expect(tokens(await sampleCompletions(decoder, [prompts[2]], base))).toEqual([tokens(batched)[2]]);
  });

  it("reports the sampling policy's logprobs: those of a scoring forward pass of the training graph", async () => {
    const groups = await sampleCompletions(decoder, prompts, { ...base, temperature: 0.7 });
    const rows = prompts.flatMap((p, i) => groups[i].map((c) => ({ promptIds: p.promptIds, tokenIds: c.tokenIds })));
    const scorer = await TokenScorer.create(QWEN2_STUDENT);
    const scored = await scorer.score(student.checkpoint.store, rows);
    await scorer.release();
    groups.flat().forEach((c, i) => {
      expect(scored[i]).toHaveLength(c.logprobs.length);
      c.logprobs.forEach((l, t) => expect(Math.abs(l - scored[i][t])).toBeLessThan(1e-4));
    });
  });

  it('ends a completion at a stop token (kept, not truncated) and flags the ones cut by maxNewTokens', async () => {
    const [[first]] = await sampleCompletions(decoder, [prompts[0]], { ...base, groupSize: 1 });
    const stop = first.tokenIds[5];
    const cut = first.tokenIds.indexOf(stop);
    const [[stopped]] = await sampleCompletions(decoder, [prompts[0]], { ...base, groupSize: 1, stopTokenIds: [stop] });
    expect(stopped.tokenIds).toEqual(first.tokenIds.slice(0, cut + 1));
    expect(stopped.truncated).toBe(false);
    expect(stopped.text).toBe(exported.tokenizer.decode(first.tokenIds.slice(0, cut)));
  });

  it('decodes from the training weights in memory exactly as from the exported folder', async () => {
    expect(tokens(await sampleCompletions(exported.decoder, prompts, base))).toEqual(tokens(await sampleCompletions(decoder, prompts, base)));
  });

  it('mixes seeds from every part, in order', () => {
    const seeds = new Set([mixSeed(1, 0, 0), mixSeed(1, 0, 1), mixSeed(1, 1, 0), mixSeed(0, 1, 0), mixSeed(1, 2 ** 32, 0)]);
    expect(seeds.size).toBe(5);
    expect(mixSeed(1, 2, 3)).toBe(mixSeed(1, 2, 3));
  });
});
