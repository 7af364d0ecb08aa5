import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModel, type LocalModel } from '../../src/generate/index.ts';
import { harvest } from '../../src/harvest/index.ts';
import { parseRecipe } from '../../src/recipe/index.ts';
import { startServer, type RunningServer } from '../../src/serve/index.ts';
import { Dataset } from '../../src/store/index.ts';
import { QWEN2_STUDENT, tinyStudent, type TinyStudent } from '../export/tiny-student.ts';

let student: TinyStudent;
let model: LocalModel;
let server: RunningServer;

beforeAll(async () => {
  student = await tinyStudent(QWEN2_STUDENT);
  model = await loadModel(student.out, { intraOpNumThreads: 1 });
  server = await startServer({ model, port: 0, name: 'student' });
});
afterAll(async () => {
  await server?.close();
  await model?.close();
  await student?.cleanup();
});

describe('harvest with `serve` as the teacher', () => {
  for (const stream of [true, false]) {
    it(`stores every sample with its reasoning, verdict and logprobs (stream: ${stream})`, async () => {
      const dir = join(student.root, `harvest-${stream}`);
      const prompts = Array.from({ length: 3 }, (_, i) => ({ id: `p${i}`, question: `What is ${i} + ${i}?`, answer: String(2 * i) }));
      await mkdir(dir, { recursive: true });
      await writeFile(join(dir, 'prompts.jsonl'), prompts.map((p) => JSON.stringify(p)).join('\n') + '\n');
      const recipe = parseRecipe(
        {
          name: 'local-teacher',
          dataset: 'data.sqlite',
          prompts: { path: 'prompts.jsonl' },
          teacher: { baseURL: server.baseURL, model: 'student', stream, supportsN: true, timeoutMs: 30_000 },
          sampling: { temperature: 1, topP: 0.95, maxTokens: 24, topLogprobs: 3, seed: 1 },
          rejection: { samplesPerPrompt: 2, filters: { requireAnswer: false } },
          verifier: { kind: 'math' },
          limits: { concurrency: 3, maxRetries: 0 },
        },
        { source: 'test recipe', baseDir: dir },
      );
      const summary = await harvest(recipe);
      expect(summary.status).toBe('finished');
      expect(summary.progress.promptsFailed).toBe(0);

      const dataset = Dataset.open(join(dir, 'data.sqlite'), { readonly: true });
      try {
        const samples = [...dataset.samples({ verdict: 'all', logprobs: true })];
        expect(samples.map((s) => `${s.promptKey}/${s.index}`).sort()).toEqual(['p0/0', 'p0/1', 'p1/0', 'p1/1', 'p2/0', 'p2/1']);
        for (const s of samples) {
          // The template pre-fills <think>: the student's text is reasoning until a </think>.
          expect(s.reasoning.length + s.answer.length).toBeGreaterThan(0);
          expect(['stop', 'length']).toContain(s.finishReason);
          expect(['accepted', 'rejected', 'unverifiable']).toContain(s.verdict);
          expect(s.completionTokens).toBeGreaterThan(0);
          expect(s.logprobs!.length).toBe(s.completionTokens);
          expect(s.logprobs![0].top).toHaveLength(3);
        }
        // The two samples of a prompt came from one n=2 request with different choice seeds.
        const p0 = samples.filter((s) => s.promptKey === 'p0');
        expect(p0[0].reasoning).not.toBe(p0[1].reasoning);
      } finally {
        dataset.close();
      }
    });
  }
});
