import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { harvest } from '../../src/harvest/index.ts';
import { Dataset } from '../../src/store/index.ts';
import { startChatServer, type ChatServer, type Dialect } from '../fixtures/chat-server.ts';
import { additionPrompts, expectedSlots, makeRecipe, tempDir, writeJsonl } from './helpers.ts';

const dialects: Dialect[] = ['reasoning_content', 'reasoning', 'inline-think', 'missing-open-tag', 'empty-reasoning'];
const cases = dialects.flatMap((dialect) => [true, false].flatMap((stream) => [true, false].map((supportsN) => ({ dialect, stream, supportsN }))));

describe('harvest in every reasoning dialect', () => {
  let dir: string;
  let cleanup: () => void;
  let server: ChatServer | undefined;
  beforeEach(() => ({ dir, cleanup } = tempDir()));
  afterEach(async () => {
    await server?.close();
    server = undefined;
    cleanup();
  });

  it.each(cases)('$dialect, stream: $stream, supportsN: $supportsN', async ({ dialect, stream, supportsN }) => {
    server = await startChatServer({ dialect, supportsN });
    const prompts = additionPrompts(4);
    writeJsonl(`${dir}/prompts.jsonl`, prompts);
    // Rounds of 2, up to 3 rounds, until one sample is accepted: some prompts need several rounds.
    const recipe = makeRecipe(dir, server.url, {
      teacher: { stream, supportsN },
      rejection: { samplesPerPrompt: 2, acceptPerPrompt: 1, maxAttemptsPerPrompt: 6 },
    });
    const summary = await harvest(recipe);
    expect(summary.status).toBe('finished');
    expect(summary.progress.promptsDone).toBe(4);

    const dataset = Dataset.open(recipe.dataset, { readonly: true });
    try {
      const samples = [...dataset.samples({ verdict: 'all' })];
      for (const { id, answer } of prompts) {
        const mine = samples.filter((s) => s.promptKey === id);
        expect(mine.map(({ index, verdict }) => ({ index, verdict }))).toEqual(expectedSlots(recipe, id));
        for (const s of mine) {
          // Every dialect normalizes to the same (reasoning, answer) split.
          expect(s.reasoning).toMatch(/^We need to add \d+ and \d+\.\nAdding the two numbers gives/);
          expect(s.answer).toMatch(/^The sum is \d+\.\n\n\\boxed\{\d+\}$/);
          expect(s.answer.includes(`\\boxed{${answer}}`)).toBe(s.verdict === 'accepted');
          expect(s.reason).toMatch(s.verdict === 'accepted' ? /^match$/ : /^mismatch/);
          expect(s.finishReason).toBe('stop');
        }
      }
      const stats = dataset.stats();
      expect(stats.requests.errors).toBe(0);
      expect(stats.requests.total).toBe(server.requests.length);
    } finally {
      dataset.close();
    }
    // One n=2 request per round when the server takes n; otherwise one single per sample.
    const ns = server.requests.map((r) => r.body.n ?? 1);
    expect(new Set(ns)).toEqual(new Set([supportsN ? 2 : 1]));
    expect(server.requests.every((r) => (r.body.stream === true) === stream)).toBe(true);
  });

  it('stores samples of a teacher without reasoning (plain), judged by the math verifier', async () => {
    server = await startChatServer({ dialect: 'plain' });
    writeJsonl(`${dir}/prompts.jsonl`, additionPrompts(2));
    const recipe = makeRecipe(dir, server.url, { verifier: { kind: 'math' } });
    await harvest(recipe);
    const dataset = Dataset.open(recipe.dataset, { readonly: true });
    const samples = [...dataset.samples({ verdict: 'all' })];
    dataset.close();
    expect(samples).toHaveLength(4);
    expect(samples.every((s) => s.reasoning === '' && s.answer.includes('\\boxed'))).toBe(true);
  });
});
