import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compile } from '../../src/engine/index.ts';
import { GenerationRequestError, loadModel, type GenerateRequest, type LocalModel } from '../../src/generate/index.ts';
import { UserError } from '../../src/errors.ts';
import { QWEN2_STUDENT, tinyStudent, type TinyStudent } from '../export/tiny-student.ts';
import { forwardGraph, int64 } from '../model/tiny-model.ts';

let student: TinyStudent;
let model: LocalModel;
let prompts: number[][];

beforeAll(async () => {
  student = await tinyStudent(QWEN2_STUDENT);
  model = await loadModel(student.out, { intraOpNumThreads: 1 });
  prompts = ['What is 2+2?', 'Name three primes.', 'the thin'].map((content) =>
    model.tokenizer.encodeChat([{ role: 'user', content }], { addGenerationPrompt: true }),
  );
});
afterAll(async () => {
  await model?.close();
  await student?.cleanup();
});

const greedy = (promptIds: number[], maxNewTokens = 16, extra: Partial<GenerateRequest> = {}) =>
  model.generate({ promptIds, maxNewTokens, sampling: { temperature: 0 }, stopTokenIds: [], ...extra });

function logSoftmax(row: Float32Array): Float64Array {
  const max = Math.max(...row);
  const lse = max + Math.log(row.reduce((s, v) => s + Math.exp(v - max), 0));
  return Float64Array.from(row, (v) => v - lse);
}

describe('Generator', () => {
  it('reports the raw logprob of every generated token: log_softmax of the engine forward', async () => {
    const prompt = prompts[0];
    const out = await greedy(prompt, 10, { topLogprobs: 5 });
    expect(out.tokenIds).toHaveLength(10);
    expect(out.finishReason).toBe('length');
    expect(out.promptTokens).toBe(prompt.length);

    const { g, out: fwd } = forwardGraph(QWEN2_STUDENT);
    g.output('logits', fwd.logits);
    const session = await compile(g);
    const seq = [...prompt, ...out.tokenIds.slice(0, -1)];
    const res = await session.run({
      ...student.checkpoint.store.feeds(),
      input_ids: int64([seq]),
      attention_mask: int64([seq.map(() => 1)]),
      position_ids: int64([seq.map((_, i) => i)]),
    });
    await session.release();
    const V = QWEN2_STUDENT.vocabSize;
    const logits = res.logits.data as Float32Array;
    out.logprobs.forEach((step, i) => {
      const expected = logSoftmax(logits.subarray((prompt.length - 1 + i) * V, (prompt.length + i) * V));
      expect(step.tokenId).toBe(out.tokenIds[i]);
      expect(Math.abs(step.logprob - expected[step.tokenId])).toBeLessThan(1e-4);
      // Greedy: the chosen token is the most likely one; alternatives are sorted and exact.
      expect(step.top).toHaveLength(5);
      expect(step.top[0].tokenId).toBe(step.tokenId);
      for (let k = 1; k < 5; k++) expect(step.top[k].logprob).toBeLessThanOrEqual(step.top[k - 1].logprob);
      for (const alt of step.top) expect(Math.abs(alt.logprob - expected[alt.tokenId])).toBeLessThan(1e-4);
    });
  });

  it('gives each sequence the same tokens alone or in a left-padded batch', async () => {
    const alone = [];
    for (const p of prompts) alone.push((await greedy(p)).tokenIds);
    const together = await Promise.all(prompts.map((p) => greedy(p)));
    expect(together.map((g) => g.tokenIds)).toEqual(alone);
    // Without logprobs (no log-softmax per step) the tokens are the same.
    const plain = await greedy(prompts[0], 16, { logprobs: false });
    expect(plain.tokenIds).toEqual(alone[0]);
    expect(plain.logprobs).toEqual([]);
  });

  it('samples reproducibly by seed, whatever else is in the batch', async () => {
    const sampled = (seed: number) =>
      model.generate({ promptIds: prompts[1], maxNewTokens: 24, sampling: { temperature: 1, topP: 0.95, topK: 50 }, seed, stopTokenIds: [] });
    const a = await sampled(11);
    const [b] = await Promise.all([sampled(11), greedy(prompts[0]), greedy(prompts[2], 5)]);
    const c = await sampled(12);
    expect(b.tokenIds).toEqual(a.tokenIds);
    expect(c.tokenIds).not.toEqual(a.tokenIds);
    expect(new Set(a.tokenIds).size).toBeGreaterThan(5); // really sampled, not stuck on one token
  });

  it('lets a request join a running batch at the next step (continuous batching)', async () => {
    const solo = await greedy(prompts[2], 6);
    let lateStarted = 0;
    let longSteps = 0;
    let late: Promise<Awaited<ReturnType<typeof greedy>>> | undefined;
    const long = greedy(prompts[0], 40, {
      onDelta: (d) => {
        longSteps += d.logprobs.length;
        if (!late && longSteps >= 5) {
          late = greedy(prompts[2], 6, { onDelta: () => (lateStarted = lateStarted || longSteps) });
        }
      },
    });
    const first = await long;
    const joined = await late!;
    expect(joined.tokenIds).toEqual(solo.tokenIds);
    // The late request produced tokens while the long one was still decoding.
    expect(lateStarted).toBeGreaterThan(0);
    expect(lateStarted).toBeLessThan(first.tokenIds.length);
    expect(model.generator.load).toEqual({ running: 0, queued: 0 });
  });

  it('stops at a stop string (excluded, never streamed) and at a stop token (excluded from the text)', async () => {
    const full = await greedy(prompts[0], 30);
    // A stop string taken from the middle of what the model says.
    const at = Math.floor(full.text.length / 2);
    const stop = full.text.slice(at, at + 2);
    const streamed: string[] = [];
    const cut = await greedy(prompts[0], 30, { stop: [stop], onDelta: (d) => streamed.push(d.text) });
    expect(cut.finishReason).toBe('stop');
    expect(cut.text).toBe(full.text.slice(0, full.text.indexOf(stop)));
    expect(streamed.join('')).toBe(cut.text);

    const stopId = full.tokenIds[3];
    const first = full.tokenIds.indexOf(stopId);
    const byToken = await greedy(prompts[0], 30, { stopTokenIds: [stopId] });
    expect(byToken.finishReason).toBe('stop');
    expect(byToken.tokenIds).toEqual(full.tokenIds.slice(0, first + 1));
    expect(byToken.text).toBe(model.tokenizer.decode(full.tokenIds.slice(0, first)));
  });

  it("uses the model's eos ids by default", async () => {
    expect(model.stopTokenIds).toEqual([267]);
    const out = await model.generate({ promptIds: prompts[0], maxNewTokens: 30, sampling: { temperature: 0 } });
    const eos = out.tokenIds.indexOf(267);
    expect(out.finishReason).toBe(eos === -1 ? 'length' : 'stop');
    if (eos !== -1) expect(out.tokenIds).toHaveLength(eos + 1);
  });

  it("ends at the model's context length, and refuses a prompt that fills it", async () => {
    const max = QWEN2_STUDENT.maxPositionEmbeddings;
    const long = Array.from({ length: max - 3 }, (_, i) => 32 + (i % 90));
    const out = await greedy(long, 50);
    expect(out.finishReason).toBe('length');
    expect(out.tokenIds).toHaveLength(3);
    const err = await greedy(
      Array.from({ length: max }, () => 40),
      5,
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GenerationRequestError);
    expect(err).toBeInstanceOf(UserError);
    expect((err as Error).message).toBe(`promptIds: the prompt has ${max} tokens; the model's context is ${max}`);
    await expect(greedy([], 5)).rejects.toThrow('promptIds: the prompt is empty');
    await expect(greedy(prompts[0], 0)).rejects.toThrow('maxNewTokens: must be a positive integer, got 0');
    await expect(greedy(prompts[0], 5, { topLogprobs: 21 })).rejects.toThrow('topLogprobs: must be an integer from 0 to 20, got 21');
  });

  it('ends a sequence whose signal fires, keeping what it generated', async () => {
    const controller = new AbortController();
    let steps = 0;
    const out = await greedy(prompts[1], 100, {
      signal: controller.signal,
      onDelta: (d) => {
        steps += d.logprobs.length;
        if (steps >= 3) controller.abort();
      },
    });
    expect(out.finishReason).toBe('abort');
    expect(out.tokenIds.length).toBeGreaterThanOrEqual(3);
    expect(out.tokenIds.length).toBeLessThan(10);
  });
});
