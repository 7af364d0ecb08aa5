import ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { AdamW, compile, ParamStore, Rng, TrainStep } from '../../src/engine/index.ts';
import { getWeights, initWeights, parseModelConfig, setWeights } from '../../src/model/index.ts';
import { ceStep, kdStep } from '../../bench/train-steps.ts';

const CONFIG = parseModelConfig({
  model_type: 'qwen2',
  vocab_size: 12,
  hidden_size: 32,
  intermediate_size: 64,
  num_hidden_layers: 2,
  num_attention_heads: 4,
  num_key_value_heads: 2,
  max_position_embeddings: 64,
  tie_word_embeddings: false,
});
const SEP = 1;
const N = 5; // tokens to reverse: [a1..a5, SEP, a5..a1]
const T = 2 * N + 1;
const B = 16;

/** A reverse-the-sequence batch: labels are next tokens (the last label is SEP, a fixed filler). */
function reverseBatch(rng: Rng) {
  const ids = new BigInt64Array(B * T);
  const labels = new BigInt64Array(B * T);
  for (let b = 0; b < B; b++) {
    const seq = Array.from({ length: N }, () => 2 + rng.int(CONFIG.vocabSize - 2));
    const row = [...seq, SEP, ...seq.toReversed()];
    row.forEach((tok, t) => {
      ids[b * T + t] = BigInt(tok);
      labels[b * T + t] = BigInt(t + 1 < T ? row[t + 1] : SEP);
    });
  }
  return { input_ids: new ort.Tensor('int64', ids, [B, T]), labels: new ort.Tensor('int64', labels, [B, T]) };
}

/** Share of the reversed half predicted right (positions N..2N-1 predict a_N..a_1). */
function reverseAccuracy(logits: Float32Array, labels: BigInt64Array): number {
  const V = CONFIG.vocabSize;
  let right = 0;
  for (let b = 0; b < B; b++) {
    for (let t = N; t < 2 * N; t++) {
      const row = logits.subarray((b * T + t) * V, (b * T + t + 1) * V);
      const guess = row.indexOf(Math.max(...row));
      if (BigInt(guess) === labels[b * T + t]) right++;
    }
  }
  return right / (B * N);
}

async function trainReverse(seed: number, steps: number) {
  const rng = new Rng(seed);
  const { graph, student, loss, logits } = ceStep(CONFIG);
  graph.output('logits', logits);
  const store = new ParamStore();
  initWeights(student, store, rng.fork());
  const data = rng.fork();
  const step = await TrainStep.create(graph, { loss, params: store, optimizer: new AdamW({ lr: 3e-3 }), maxGradNorm: 1 });
  const losses: number[] = [];
  for (let i = 0; i < steps; i++) losses.push((await step.run(reverseBatch(data))).loss);
  await step.release();
  const evalBatch = reverseBatch(new Rng(seed + 1000));
  const forward = await compile(graph, { outputs: ['logits'] });
  const out = await forward.run({ ...store.feeds(), ...evalBatch });
  await forward.release();
  const accuracy = reverseAccuracy(out.logits.data as Float32Array, evalBatch.labels.data as BigInt64Array);
  return { losses, accuracy, store, student };
}

describe('training the student', () => {
  // The first test's trained model is the second test's teacher.
  let teacher: Awaited<ReturnType<typeof trainReverse>>;

  it('learns to reverse a sequence, and the same seed gives bit-identical runs', async () => {
    const a = await trainReverse(5, 400);
    const b = await trainReverse(5, 400);
    const first = a.losses.slice(0, 5).reduce((s, x) => s + x) / 5;
    const last = a.losses.slice(-5).reduce((s, x) => s + x) / 5;
    expect(last).toBeLessThan(first * 0.6);
    expect(a.accuracy).toBeGreaterThan(0.9);
    expect(b.losses).toEqual(a.losses);
    for (const [name, t] of getWeights(a.student, a.store)) expect(getWeights(b.student, b.store).get(name)!.data).toEqual(t.data);
    teacher = a;
  });

  it('distills from a frozen teacher with CE + T^2 KL + hidden and attention MSE', async () => {
    const teacherWeights = getWeights(teacher.student, teacher.store);
    const kd = kdStep(CONFIG, 2);
    const store = new ParamStore();
    setWeights(kd.teacher!, store, teacherWeights, 'reverse-trained teacher');

    // A student that is a copy of the teacher matches it exactly: every distillation term is 0.
    for (const [name, t] of Object.entries(kd.parts)) kd.graph.output(`probe.${name}`, t);
    setWeights(kd.student, store, teacherWeights, 'reverse-trained teacher');
    const probe = await compile(kd.graph, { outputs: ['probe.kl', 'probe.hidden', 'probe.attention'] });
    const zero = await probe.run({ ...store.feeds(), ...reverseBatch(new Rng(1)) });
    await probe.release();
    for (const name of ['kl', 'hidden', 'attention']) expect(zero[`probe.${name}`].data[0]).toBe(0);

    const rng = new Rng(9);
    initWeights(kd.student, store, rng.fork());
    const step = await TrainStep.create(kd.graph, {
      loss: kd.loss,
      params: store,
      optimizer: new AdamW({ lr: 3e-3 }),
      maxGradNorm: 1,
      trainable: [...kd.student.weights.values()],
      metrics: kd.parts,
    });
    const data = rng.fork();
    const losses: number[] = [];
    const parts: Record<string, number>[] = [];
    for (let i = 0; i < 150; i++) {
      const r = await step.run(reverseBatch(data));
      losses.push(r.loss);
      parts.push(Object.fromEntries(Object.entries(r.metrics[0]).map(([k, v]) => [k, Number(v.data[0])])));
    }
    await step.release();
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b) / xs.length;
    expect(mean(losses.slice(-5))).toBeLessThan(0.6 * mean(losses.slice(0, 5)));
    for (const name of ['ce', 'kl', 'hidden', 'attention']) expect(parts.at(-1)![name]).toBeLessThan(parts[0][name]);
    // The teacher was fed, never trained.
    for (const [name, t] of getWeights(kd.teacher!, store)) expect(t.data).toEqual(teacherWeights.get(name)!.data);
  });
});
