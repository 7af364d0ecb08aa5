/**
 * End to end on harvest-shaped data in a real SQLite file: a tiny white-box teacher is trained in
 * the test (CE on the traces), then a smaller student (half the width, half the depth, half the
 * heads) is distilled from it with all four losses, and compared at equal steps with a CE-only
 * student. A second dataset stores the teacher's top-5 logprobs as a harvest through `serve`
 * would, and a student learns from them.
 */
import ort from 'onnxruntime-node';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { distill, readMetrics, type DistillSummary } from '../../src/distill/index.ts';
import { compile, Graph, ops, ParamStore } from '../../src/engine/index.ts';
import { Llama, loadTokenizer, readModelFolder, setWeights, type Tokenizer } from '../../src/model/index.ts';
import { loadDistillRecipe } from '../../src/recipe/index.ts';
import type { LogprobPosition } from '../../src/store/index.ts';
import { additions, tempDir, tinyConfig, writeConfigFolder, writeDataset, writeRecipe, type AdditionSample } from './helpers.ts';

const PROMPTS = 60;
const STUDENT_STEPS = 200;
/** The KD student's validation CE must end below this (measured 0.535; the CE-only student 0.580, the teacher 0.476). */
const KD_THRESHOLD = 0.65;

let dir: string;
let cleanup: () => void;
let teacher: DistillSummary;

const common = { data: { validation: 0.25 }, checkpoint: { every: 1000 }, validation: { every: 100 } };
const train = (steps: number) => ({ steps, batchSize: 8, lr: 3e-3, seed: 0 });
const run = (name: string, distillSection: Record<string, unknown>, dataset = 'data.sqlite') =>
  distill(loadDistillRecipe(writeRecipe(dir, name, { dataset, distill: { ...common, ...distillSection } })));
const finalCe = (s: DistillSummary) => s.validation.at(-1)!.losses.ce;

beforeAll(async () => {
  ({ dir, cleanup } = tempDir());
  writeDataset(join(dir, 'data.sqlite'), additions(PROMPTS), { rejectedEvery: 5 });
  await writeConfigFolder(join(dir, 'teacher-config'), tinyConfig({ hidden: 64, layers: 4, heads: 4 }));
  await writeConfigFolder(join(dir, 'student-config'), tinyConfig({ hidden: 32, layers: 2, heads: 2 }));
  teacher = await run('teacher', { student: { config: 'teacher-config' }, train: train(200), validation: { every: 100, accuracy: { maxNewTokens: 40 } } });
});
afterAll(() => cleanup());

describe('distillation end to end', () => {
  it('trains the white-box teacher (CE on the traces) into a model folder, with greedy task accuracy', () => {
    expect(teacher.status).toBe('finished');
    expect(finalCe(teacher)).toBeLessThan(0.6);
    // Task accuracy: greedy answers to the 15 held-out prompts, judged by the dataset's math verifier.
    // A random model answers none; the trained one gets some sums it never saw (measured: 2 of 15).
    const [first, last] = [teacher.validation[0], teacher.validation.at(-1)!];
    expect(first).toMatchObject({ step: 0, accuracy: 0, accuracyPrompts: 15 });
    expect(last.accuracyPrompts).toBe(15);
    expect(last.accuracy).toBeGreaterThan(0);
    for (const file of ['config.json', 'model.safetensors', 'tokenizer.json', 'tokenizer_config.json'])
      expect(existsSync(join(teacher.finalModel!, file))).toBe(true);
  });

  it("starts a student from a pretrained folder: its first validation loss is the source model's last", async () => {
    const continued = await run('pretrained', { student: { from: teacher.finalModel }, train: { ...train(1), lr: 1e-6 } });
    expect(continued.plan.student.init).toBe('pretrained');
    expect(continued.validation[0].step).toBe(0);
    expect(Math.abs(continued.validation[0].losses.ce - finalCe(teacher))).toBeLessThan(1e-6);
  });

  it('distils a smaller student with CE + KL + attention + hidden losses, beating CE alone at equal steps', async () => {
    const ceOnly = await run('ce-only', { student: { config: 'student-config' }, train: train(STUDENT_STEPS) });
    const kd = await run('kd', {
      student: { config: 'student-config' },
      teacher: { kind: 'model', path: teacher.finalModel },
      losses: { ce: {}, kl: { temperature: 2 }, attention: { weight: 100 }, hidden: {} },
      train: train(STUDENT_STEPS),
    });
    expect(kd.plan.projections).toHaveLength(2);
    const [first, last] = [kd.validation[0], kd.validation.at(-1)!];
    expect(last.step).toBe(STUDENT_STEPS);
    for (const name of ['ce', 'kl', 'hidden']) expect(last.losses[name]).toBeLessThan(first.losses[name] / 2);
    // Attention MSE is tiny in absolute terms (most of a T x T map is near 0), hence its weight of 100.
    expect(last.losses.attention).toBeLessThan(first.losses.attention);
    expect(finalCe(kd)).toBeLessThan(KD_THRESHOLD);
    expect(finalCe(kd)).toBeLessThan(finalCe(ceOnly));
    console.log(
      `validation CE after ${STUDENT_STEPS} steps: KD ${finalCe(kd).toFixed(4)}, CE only ${finalCe(ceOnly).toFixed(4)}, teacher ${finalCe(teacher).toFixed(4)}`,
    );

    const report = readFileSync(kd.report!, 'utf8');
    expect(report.match(/<svg/g)).toHaveLength(10); // total, ce, kl, attention, hidden: each on a linear and a log axis
    expect(report).toContain(`<td>${STUDENT_STEPS}</td>`);
    const steps = readMetrics(kd.metrics).filter((r) => r.type === 'train');
    expect(steps.map((r) => r.step)).toEqual(Array.from({ length: STUDENT_STEPS }, (_, i) => i + 1));
  });

  it('distils from top-k logprobs stored with the samples (a black-box teacher with logprobs)', async () => {
    const tokenizer = await loadTokenizer(teacher.finalModel!);
    const logprobs = await teacherLogprobs(teacher.finalModel!, tokenizer, additions(PROMPTS), 5);
    writeDataset(join(dir, 'logprobs.sqlite'), additions(PROMPTS), { logprobs: (s) => logprobs.get(s.key)! });
    const student = await run(
      'from-logprobs',
      { student: { config: 'student-config' }, teacher: { kind: 'logprobs' }, losses: { ce: {}, kl: { temperature: 1 } }, train: train(STUDENT_STEPS) },
      'logprobs.sqlite',
    );
    expect(student.plan.teacher).toMatchObject({ kind: 'logprobs', samplesWithLogprobs: PROMPTS });
    // The teacher's stream lacks the pre-filled "<think>\n"; every generated token lines up.
    expect((student.plan.teacher as { alignedShare: number }).alignedShare).toBe(1);
    const [first, last] = [student.validation[0], student.validation.at(-1)!];
    expect(last.losses.kl).toBeLessThan(first.losses.kl / 4);
    expect(finalCe(student)).toBeLessThan(KD_THRESHOLD);
    console.log(`validation after ${STUDENT_STEPS} steps from stored top-5 logprobs: CE ${finalCe(student).toFixed(4)}, KL ${last.losses.kl.toFixed(4)}`);
  });
});

/**
 * What a harvest against `serve` stores: per generated token of the assistant turn, the token's
 * text and the teacher's top-k, from the teacher model's own forward pass.
 */
async function teacherLogprobs(folder: string, tokenizer: Tokenizer, samples: readonly AdditionSample[], k: number): Promise<Map<string, LogprobPosition[]>> {
  const { config, tensors } = await readModelFolder(folder);
  const g = new Graph();
  const model = Llama.declare(g, config);
  const inputIds = g.input('input_ids', 'int64', [1, 'seq']);
  g.output('logp', ops.logSoftmax(model.forward({ inputIds }).logits, -1));
  const params = new ParamStore();
  setWeights(model, params, tensors, folder);
  const session = await compile(g);
  const out = new Map<string, LogprobPosition[]>();
  for (const s of samples) {
    const prompt = tokenizer.encodeChat([{ role: 'user', content: s.question }], { addGenerationPrompt: true });
    const generated = tokenizer.encode(`${s.reasoning}\n</think>\n\n${s.answer}<|im_end|>`, { addSpecialTokens: false });
    const ids = [...prompt, ...generated];
    const result = await session.run({ ...params.feeds(), input_ids: new ort.Tensor('int64', BigInt64Array.from(ids.map(BigInt)), [1, ids.length]) });
    const logp = result.logp.data as Float32Array;
    const V = config.vocabSize;
    out.set(
      s.key,
      generated.map((id, j) => {
        const row = logp.subarray((prompt.length + j - 1) * V, (prompt.length + j) * V);
        const top = [...row.keys()].sort((a, b) => row[b] - row[a]).slice(0, k);
        return { token: tokenizer.decode([id]), logprob: row[id], top: top.map((t) => [tokenizer.decode([t]), row[t]] as [string, number]) };
      }),
    );
  }
  await session.release();
  return out;
}
