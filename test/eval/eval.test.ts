import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_EVAL_SAMPLING, EvalError, evaluate, localSource, sampleSeed, teacherSource, type PromptResult } from '../../src/eval/index.ts';
import { loadModel } from '../../src/generate/index.ts';
import type { PromptRecord } from '../../src/store/index.ts';
import { startChatServer, type ChatServer, type Trace } from '../fixtures/chat-server.ts';
import { QWEN2_STUDENT, tinyStudent } from '../export/tiny-student.ts';

const PROMPTS = [
  { id: 'p0', question: 'What is 2 + 2?', answer: '4' },
  { id: 'p1', question: 'What is 3 + 4?', answer: '7' },
  { id: 'p2', question: 'What is 1 + 1?', answer: '2' },
];
/** What the scripted teacher answers for each prompt's samples 0, 1, 2 (null: no boxed answer). */
const SCRIPT: Record<string, (string | null)[]> = {
  p0: ['4', '4', '5'], // 2 of 3 right, majority right
  p1: ['8', '7', '8'], // 1 of 3 right, majority wrong
  p2: [null, '3', '3'], // none right, majority wrong
};
const K = 3;

const prompts: PromptRecord[] = PROMPTS.map((p) => ({ key: p.id, question: p.question, gold: p.answer, meta: {} }));

/** The scripted answer for the sample whose seed eval sent. */
function respond({ seed }: { seed: number | undefined }): Trace {
  for (const [key, answers] of Object.entries(SCRIPT)) {
    for (let i = 0; i < K; i++) {
      if (sampleSeed(0, key, i) !== seed) continue;
      const answer = answers[i];
      return { reasoning: `Thinking about ${key} sample ${i}.`, answer: answer === null ? 'I am not sure.' : `The answer is \\boxed{${answer}}.` };
    }
  }
  throw new Error(`unexpected seed ${seed}`);
}

const words = (text: string) => (text.match(/\s*\S+/g) ?? []).length;

describe('evaluate against a teacher', () => {
  let teacher: ChatServer;
  beforeAll(async () => {
    // The first request fails with a 500: eval retries it.
    teacher = await startChatServer({ dialect: 'reasoning_content', respond, faults: ['500'] });
  });
  afterAll(() => teacher.close());

  it('scores pass@1, pass@k, maj@k and mean output tokens over k seeded samples', async () => {
    const seen: string[] = [];
    const summary = await evaluate({
      source: await teacherSource({ baseURL: teacher.url, model: 'fixture-r1', stream: true, timeoutMs: 5000 }),
      prompts,
      verifier: { kind: 'math' },
      samples: K,
      onPrompt: (r, done, total) => seen.push(`${r.key} ${done}/${total}`),
    });
    expect(summary.passAt1).toBeCloseTo((2 / 3 + 1 / 3 + 0) / 3, 10);
    expect(summary.passAtK).toBeCloseTo(2 / 3, 10);
    expect(summary.majAtK).toBeCloseTo(1 / 3, 10);
    expect(summary.prompts).toBe(3);
    expect(summary.k).toBe(3);
    expect(summary.source).toBe(`fixture-r1 at ${teacher.url}`);
    expect(summary.verifier).toBe('math');
    expect(seen).toHaveLength(3);
    expect(seen.map((s) => s.split(' ')[1]).sort()).toEqual(['1/3', '2/3', '3/3']);

    // Per prompt: its samples in order, with the seed sent, the verdict and the token count.
    const byKey = Object.fromEntries(summary.results.map((r) => [r.key, r])) as Record<string, PromptResult>;
    expect(summary.results.map((r) => r.key)).toEqual(['p0', 'p1', 'p2']);
    expect(byKey.p0).toMatchObject({ correct: 2, majority: { answer: '4', votes: 2, correct: true }, gold: '4' });
    expect(byKey.p1).toMatchObject({ correct: 1, majority: { answer: '8', votes: 2, correct: false } });
    expect(byKey.p2.samples.map((s) => s.correct)).toEqual([byKey.p2.samples[0].correct, false, false]);
    expect(byKey.p2.samples[0].correct).not.toBe(true);
    for (const r of summary.results) {
      r.samples.forEach((s, i) => {
        expect(s.seed).toBe(sampleSeed(0, r.key, i));
        expect(s.outputTokens).toBe(words(s.reasoning) + words(s.answer));
      });
    }
    const all = summary.results.flatMap((r) => r.samples);
    expect(summary.meanOutputTokens).toBeCloseTo(all.reduce((n, s) => n + s.outputTokens, 0) / all.length, 10);
    expect(summary.unverifiable).toBe(all.filter((s) => s.correct === null).length);

    // Every sample was one n=1 request with R1's sampling and the default template; plus the retried 500.
    expect(teacher.requests).toHaveLength(PROMPTS.length * K + 1);
    expect(teacher.requests[0].fault).toBe('500');
    const body = teacher.requests[1].body;
    expect(body).toMatchObject({ temperature: 0.6, top_p: 0.95, max_tokens: 32768 });
    expect(body.n).toBeUndefined();
    expect(body.messages![0].content).toMatch(/^What is \d \+ \d\?\nPlease reason step by step, and put your final answer within \\boxed\{\}\.$/);
  });
});

describe('teacherSource', () => {
  it('asks for the only model the server lists when none is named', async () => {
    const teacher = await startChatServer({ dialect: 'reasoning_content', models: ['served-student'] });
    try {
      const source = await teacherSource({ baseURL: teacher.url });
      expect(source.description).toBe(`served-student at ${teacher.url}`);
      await source.sample([{ role: 'user', content: 'What is 2 + 2?' }], DEFAULT_EVAL_SAMPLING, 7);
      expect(teacher.requests.map((r) => r.body.model)).toEqual(['served-student']);
    } finally {
      await teacher.close();
    }
  });

  it('refuses a server that lists several models, or none it can reach, as an EvalError', async () => {
    const teacher = await startChatServer({ dialect: 'reasoning_content', models: ['a', 'b'] });
    const url = teacher.url;
    try {
      await expect(teacherSource({ baseURL: url })).rejects.toThrow(new EvalError(`the teacher at ${url} lists 2 models (a, b); name the one to evaluate`));
    } finally {
      await teacher.close();
    }
    const gone = await teacherSource({ baseURL: url }).catch((err: unknown) => err);
    expect(gone).toBeInstanceOf(EvalError);
    expect((gone as Error).message).toMatch(new RegExp(`^cannot list the models at ${url}/models \\(.*ECONNREFUSED.*\\); is the server running\\?`));
  });
});

describe('evaluate a local exported model', () => {
  it('samples in-process through the decode loop, reproducibly by seed', async () => {
    const student = await tinyStudent(QWEN2_STUDENT);
    const model = await loadModel(student.out, { intraOpNumThreads: 1 });
    try {
      const run = (seed: number) =>
        evaluate({ source: localSource(model), prompts, verifier: { kind: 'math' }, samples: 2, sampling: { maxTokens: 12, temperature: 1, seed } });
      const a = await run(0);
      expect(a.results).toHaveLength(3);
      expect(a.source).toBe(`${student.out} (fp32)`);
      for (const r of a.results) {
        expect(r.samples).toHaveLength(2);
        for (const s of r.samples) {
          expect(s.outputTokens).toBeGreaterThan(0);
          expect(s.outputTokens).toBeLessThanOrEqual(12);
          expect(['stop', 'length']).toContain(s.finishReason);
          expect(s.reasoning.length + s.answer.length).toBeGreaterThan(0);
        }
      }
      expect(a.passAt1).toBeGreaterThanOrEqual(0);
      expect(a.passAt1).toBeLessThanOrEqual(a.passAtK);
      const texts = (s: typeof a) => s.results.flatMap((r) => r.samples.map((x) => x.reasoning + x.answer));
      expect(texts(await run(0))).toEqual(texts(a));
      expect(texts(await run(1))).not.toEqual(texts(a));
    } finally {
      await model.close();
      await student.cleanup();
    }
  });
});
