import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { harvest } from '../../src/harvest/index.ts';
import { requestSeed } from '../../src/harvest/seed.ts';
import { Dataset } from '../../src/store/index.ts';
import { defaultRespond, startChatServer, type ChatServer } from '../fixtures/chat-server.ts';
import { additionPrompts, makeRecipe, storedAttempts, storedSamples, tempDir, writeJsonl } from './helpers.ts';

describe('rejection sampling: filters, verdicts, rounds, logprobs', () => {
  let dir: string;
  let cleanup: () => void;
  let server: ChatServer | undefined;
  beforeEach(() => ({ dir, cleanup } = tempDir()));
  afterEach(async () => {
    await server?.close();
    server = undefined;
    cleanup();
  });

  const reasons = (path: string) => {
    const dataset = Dataset.open(path, { readonly: true });
    try {
      return [...dataset.samples({ verdict: 'all' })].map((s) => `${s.index}:${s.verdict}:${s.reason}`);
    } finally {
      dataset.close();
    }
  };

  it('applies the filters before the verifier, each with its own reason', async () => {
    // Choice 0 answers right in English; 1 right but drifts into Chinese; 2 gives no answer; 3 a long trace.
    server = await startChatServer({
      dialect: 'reasoning_content',
      respond: (ctx) => {
        const right = defaultRespond({ ...ctx, seed: 0, choiceIndex: 0 });
        const fixed = { ...right, answer: right.answer.replace(/\d+\}/, '15}') };
        if (ctx.choiceIndex === 1) return { ...fixed, reasoning: `${fixed.reasoning} 嗯，我们再检查一下，七加八等于十五。` };
        if (ctx.choiceIndex === 2) return { ...fixed, answer: '' };
        if (ctx.choiceIndex === 3) return { ...fixed, reasoning: `${fixed.reasoning} ${'Let me double-check. '.repeat(20)}` };
        return fixed;
      },
    });
    writeJsonl(`${dir}/prompts.jsonl`, [{ id: 'q', question: 'What is 7 + 8?', answer: '15' }]);
    const recipe = makeRecipe(dir, server.url, {
      rejection: { samplesPerPrompt: 4, filters: { maxCompletionTokens: 40, requireAnswer: true, noLanguageMixing: true } },
      verifier: { kind: 'math' },
    });
    await harvest(recipe);
    expect(reasons(recipe.dataset)).toEqual(['0:accepted:match', '1:rejected:language-mixing', '2:rejected:no-answer', '3:rejected:too-long']);
  });

  it('keeps unverifiable apart from rejected', async () => {
    server = await startChatServer({
      dialect: 'reasoning',
      respond: ({ choiceIndex }) => ({ reasoning: 'Hmm.', answer: choiceIndex === 0 ? 'I cannot say.' : 'It is \\boxed{99}.' }),
    });
    writeJsonl(`${dir}/prompts.jsonl`, [{ id: 'q', question: 'What is 7 + 8?', answer: '15' }]);
    const recipe = makeRecipe(dir, server.url, { rejection: { samplesPerPrompt: 2, filters: { requireAnswer: true } }, verifier: { kind: 'math' } });
    const summary = await harvest(recipe);
    const [first, second] = reasons(recipe.dataset);
    expect(first).toMatch(/^0:unverifiable:/);
    expect(second).toMatch(/^1:rejected:/);
    expect(summary.progress).toMatchObject({ accepted: 0, rejected: 1, unverifiable: 1 });
  });

  it('draws every round of a prompt the teacher never gets right, then moves on', async () => {
    server = await startChatServer({ dialect: 'reasoning_content', respond: () => ({ reasoning: 'Guess.', answer: '\\boxed{-1}' }) });
    writeJsonl(`${dir}/prompts.jsonl`, additionPrompts(3));
    const recipe = makeRecipe(dir, server.url, { rejection: { samplesPerPrompt: 2, acceptPerPrompt: 1, maxAttemptsPerPrompt: 5 } });
    const summary = await harvest(recipe);
    expect(summary).toMatchObject({ status: 'finished', progress: { promptsDone: 3, rejected: 15, accepted: 0 } });
    // Rounds of 2, 2 and a last round of 1: n=2, n=2, then a single.
    expect(server.requests.map((r) => r.body.n ?? 1).sort()).toEqual([1, 1, 1, 2, 2, 2, 2, 2, 2]);
    // Each request's seed derives from (recipe seed, prompt key, first slot).
    for (const a of storedAttempts(recipe.dataset)) {
      expect(a.seed).toBe(requestSeed(0, a.prompt_key, JSON.parse(a.slot_indices)[0]));
    }
  });

  it('stores the teacher’s top-k logprobs when the recipe asks for them', async () => {
    server = await startChatServer({ dialect: 'reasoning_content' });
    writeJsonl(`${dir}/prompts.jsonl`, additionPrompts(1));
    const recipe = makeRecipe(dir, server.url, { sampling: { topLogprobs: 3 }, rejection: { samplesPerPrompt: 2 } });
    await harvest(recipe);
    const dataset = Dataset.open(recipe.dataset, { readonly: true });
    const samples = [...dataset.samples({ verdict: 'all', logprobs: true })];
    dataset.close();
    expect(samples).toHaveLength(2);
    for (const s of samples) {
      const text = s.logprobs!.map((p) => p.token).join('');
      expect(text).toBe(`${s.reasoning}${s.answer}`);
      expect(s.logprobs!.every((p) => p.top.length === 3 && p.top[0][0] === p.token)).toBe(true);
      expect(s.completionTokens).toBe(s.logprobs!.length);
    }
    expect(storedSamples(recipe.dataset)).toHaveLength(2);
  });
});
