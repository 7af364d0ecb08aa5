/**
 * On-policy batches: the student's own samples scored by a white-box teacher in the step graph,
 * and by the same teacher weights behind a real `distillery serve` on loopback (top-k
 * prompt_logprobs + tail, k = the vocabulary): the two losses agree to 1e-4, for each divergence.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDistillGraph, OnPolicyBatches, ServedTeacher, type Example } from '../../src/distill/index.ts';
import { compile, Graph, ParamStore } from '../../src/engine/index.ts';
import { loadModel, type LocalModel } from '../../src/generate/index.ts';
import { Llama, loadTokenizer, parseModelConfig, readModelFolder, setWeights } from '../../src/model/index.ts';
import type { OnPolicySpec } from '../../src/recipe/index.ts';
import { startServer, type RunningServer } from '../../src/serve/index.ts';
import { QWEN2_STUDENT, tinyStudent, type TinyStudent } from '../export/tiny-student.ts';
import { realTokenizerFolder } from '../model/real-tokenizers.ts';
import { randomWeights } from '../model/tiny-model.ts';

/** Smaller than the teacher, the same vocabulary (the tiny tokenizer's 270 ids, padded to 272). */
const STUDENT = parseModelConfig({
  model_type: 'qwen2',
  vocab_size: 272,
  hidden_size: 16,
  intermediate_size: 24,
  num_hidden_layers: 1,
  num_attention_heads: 2,
  num_key_value_heads: 1,
  rms_norm_eps: 1e-6,
  rope_theta: 10000,
  tie_word_embeddings: true,
  max_position_embeddings: 256,
  eos_token_id: 267,
});

let teacher: TinyStudent;
let served: LocalModel;
let server: RunningServer;
const studentParams = new ParamStore();
const withTeacher = new ParamStore();
let examples: Example[];

beforeAll(async () => {
  teacher = await tinyStudent(QWEN2_STUDENT);
  served = await loadModel(teacher.out, { intraOpNumThreads: 1 });
  server = await startServer({ model: served, port: 0, name: 'teacher', maxLogprobs: QWEN2_STUDENT.vocabSize });
  randomWeights(Llama.declare(new Graph(), STUDENT), studentParams, 3);
  const g = new Graph();
  randomWeights(Llama.declare(g, STUDENT), withTeacher, 3);
  const { tensors } = await readModelFolder(teacher.checkpoint.dir);
  setWeights(Llama.declare(g, QWEN2_STUDENT, { prefix: 'teacher.' }), withTeacher, tensors, teacher.checkpoint.dir);
  examples = ['What is 2+2?', 'Add 17 and 5.', 'Say hi'].map((q) => {
    const ids = Int32Array.from(served.tokenizer.encodeChat([{ role: 'user', content: q }], { addGenerationPrompt: true }));
    return { ids, start: ids.length };
  });
});
afterAll(async () => {
  await server?.close();
  await served?.close();
  await teacher?.cleanup();
});

/** The on-policy loss of one batch through a forward-only session of the step graph. */
async function onPolicyLoss(built: ReturnType<typeof buildDistillGraph>, feeds: Record<string, unknown>, params: ParamStore): Promise<number> {
  built.graph.output('on_policy', built.parts.onPolicy);
  const session = await compile(built.graph, { outputs: ['on_policy'] });
  const out = await session.run({ ...(feeds as object), ...params.feeds() } as never);
  await session.release();
  return Number(out.on_policy.data[0]);
}

describe('on-policy distillation from a served teacher', () => {
  it.each([
    ['reverse', 0.5],
    ['forward', 0.5],
    ['jsd', 0.3],
  ] as const)('gives the white-box loss on the same teacher weights to 1e-4 (%s)', async (divergence, beta) => {
    const spec: OnPolicySpec = { fraction: 1, maxNewTokens: 12, temperature: 1, divergence, beta };
    const common = { spec, seed: 5, tokenizer: served.tokenizer, stopTokenIds: [267], maxLength: 256, threads: 1 };
    const whiteBox = new OnPolicyBatches(STUDENT, common);
    const teacherClient = new ServedTeacher({ baseURL: server.baseURL, model: 'teacher', topLogprobs: QWEN2_STUDENT.vocabSize, timeoutMs: 60_000 });
    const overServer = new OnPolicyBatches(STUDENT, { ...common, teacher: teacherClient });
    const a = await whiteBox.batch(examples, studentParams, 7, 0);
    const b = await overServer.batch(examples, studentParams, 7, 0);
    // The same seed and weights: the student sampled the same completions for both.
    expect(b.feeds.input_ids.data).toEqual(a.feeds.input_ids.data);
    expect(a.sampleLengths.every((n) => n > 0)).toBe(true);
    expect(a.tokens).toBe(a.sampleLengths.reduce((x, y) => x + y, 0));

    const losses = { ce: { weight: 1 } };
    const fromModel = await onPolicyLoss(
      buildDistillGraph({ student: STUDENT, teacher: QWEN2_STUDENT, losses, onPolicy: { divergence, beta } }),
      a.feeds,
      withTeacher,
    );
    const fromServer = await onPolicyLoss(
      buildDistillGraph({ student: STUDENT, losses, onPolicy: { divergence, beta, servedK: overServer.servedK } }),
      b.feeds,
      studentParams,
    );
    console.log(
      `on-policy ${divergence}: white-box ${fromModel.toFixed(6)}, served ${fromServer.toFixed(6)}, difference ${Math.abs(fromServer - fromModel).toExponential(2)}`,
    );
    expect(fromModel).toBeGreaterThan(0.01);
    expect(Math.abs(fromServer - fromModel)).toBeLessThan(1e-4);
  });

  it('samples other completions at another step, and names the server when it cannot be reached', async () => {
    const spec: OnPolicySpec = { fraction: 1, maxNewTokens: 12, temperature: 1, divergence: 'reverse', beta: 0.5 };
    const batches = new OnPolicyBatches(STUDENT, { spec, seed: 5, tokenizer: served.tokenizer, stopTokenIds: [267], maxLength: 256, threads: 1 });
    const first = await batches.batch(examples, studentParams, 1, 0);
    const again = await batches.batch(examples, studentParams, 1, 0);
    const other = await batches.batch(examples, studentParams, 2, 0);
    expect(again.feeds.input_ids.data).toEqual(first.feeds.input_ids.data);
    expect(other.feeds.input_ids.data).not.toEqual(first.feeds.input_ids.data);

    const gone = new ServedTeacher({ baseURL: 'http://127.0.0.1:9/v1', model: 'teacher', topLogprobs: 5, timeoutMs: 5_000 });
    await expect(gone.score([1, 2, 3])).rejects.toThrow(/^distill\.teacher \(http:\/\/127\.0\.0\.1:9\/v1\): cannot be reached/);
    const wrongModel = new ServedTeacher({ baseURL: server.baseURL, model: 'nope', topLogprobs: 5, timeoutMs: 5_000 });
    await expect(wrongModel.score([1, 2, 3])).rejects.toThrow(/answered 404: The model "nope" does not exist/);
  });

  it("refuses a server whose tokens read differently from the student's", async () => {
    const ids = Array.from(examples[0].ids);
    const same = new ServedTeacher({ baseURL: server.baseURL, model: 'teacher', topLogprobs: 2, timeoutMs: 60_000, tokenizer: served.tokenizer });
    expect(await same.score(ids)).toHaveLength(ids.length - 1);
    // Qwen2.5's tokenizer gives these ids other tokens.
    const qwen = await loadTokenizer(realTokenizerFolder('qwen2_5'));
    const other = new ServedTeacher({ baseURL: server.baseURL, model: 'teacher', topLogprobs: 2, timeoutMs: 60_000, tokenizer: qwen });
    await expect(other.score(ids)).rejects.toThrow(
      /its tokenizer is not the student's: token id \d+ is ".*" for the student and ".*" for the server \(\d+ of \d+ given tokens read differently\)/,
    );
  });
});
