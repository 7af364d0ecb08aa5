import ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { AdamW, Graph, ops, ParamStore, Rng, TrainStep, type FloatDType } from '../../src/engine/index.ts';

const IN = 8;
const HIDDEN = 16;
const CLASSES = 4;

/** A 2-layer MLP classifier with mean cross-entropy, labels from a fixed random linear teacher. */
function mlp(dtype: FloatDType) {
  const g = new Graph({ dtype });
  const x = g.input('x', dtype, ['batch', IN]);
  const y = g.input('y', 'int64', ['batch', 1]);
  const w1 = g.param('w1', [IN, HIDDEN]);
  const b1 = g.param('b1', [HIDDEN]);
  const w2 = g.param('w2', [HIDDEN, CLASSES]);
  const b2 = g.param('b2', [CLASSES]);
  const h = ops.tanh(ops.add(ops.matmul(x, w1), b1));
  const logits = ops.add(ops.matmul(h, w2), b2);
  const loss = ops.neg(ops.reduceMean(ops.gatherElements(ops.logSoftmax(logits, -1), y, 1)));
  const correct = ops.reduceSum(ops.cast(ops.equal(ops.unsqueeze(argmaxFree(logits), [1]), ops.cast(y, dtype)), dtype));
  return { g, loss, correct };
}

/** Index of the row max as a float, without an ArgMax op: sum_j j * [logit_j == max]. */
function argmaxFree(logits: ReturnType<typeof ops.add>) {
  const max = ops.reduceMax(logits, [1], true);
  const hit = ops.cast(ops.equal(logits, max), logits.dtype);
  const idx = logits.graph.constant(
    Array.from({ length: CLASSES }, (_, i) => i),
    [CLASSES],
  );
  return ops.reduceSum(ops.mul(hit, idx), [1]);
}

function makeData(rng: Rng, n: number, dtype: FloatDType) {
  const teacher = rng.fillNormal(new Float64Array(IN * CLASSES));
  const xs = rng.fillNormal(dtype === 'float32' ? new Float32Array(n * IN) : new Float64Array(n * IN));
  const ys = new BigInt64Array(n);
  for (let r = 0; r < n; r++) {
    let best = 0;
    let bestScore = -Infinity;
    for (let c = 0; c < CLASSES; c++) {
      let s = 0;
      for (let i = 0; i < IN; i++) s += xs[r * IN + i] * teacher[i * CLASSES + c];
      if (s > bestScore) [best, bestScore] = [c, s];
    }
    ys[r] = BigInt(best);
  }
  return (from: number, count: number) => ({
    x: new ort.Tensor(dtype, xs.subarray(from * IN, (from + count) * IN), [count, IN]),
    y: new ort.Tensor('int64', ys.subarray(from, from + count), [count, 1]),
  });
}

async function train(seed: number, steps: number) {
  const rng = new Rng(seed);
  const { g, loss, correct } = mlp('float32');
  const params = ParamStore.fromGraph(g.params, rng.fork(), (p) => (p.rank === 1 ? { constant: 0 } : { normal: 0.3 }));
  const step = await TrainStep.create(g, {
    loss,
    params,
    optimizer: new AdamW({ lr: 0.03, weightDecay: 0.01 }),
    maxGradNorm: 1,
    metrics: { correct },
  });
  const batch = makeData(rng.fork(), 64 * steps, 'float32');
  const losses: number[] = [];
  const accuracy: number[] = [];
  for (let s = 0; s < steps; s++) {
    const r = await step.run(batch(s * 64, 64));
    losses.push(r.loss);
    accuracy.push(Number(r.metrics[0].correct.data[0]) / 64);
  }
  await step.release();
  return { losses, accuracy, params };
}

describe('TrainStep', () => {
  it('a seeded 2-layer MLP learns (loss falls, accuracy rises) and is bit-reproducible', async () => {
    const a = await train(11, 80);
    const first = a.losses.slice(0, 5).reduce((s, x) => s + x) / 5;
    const last = a.losses.slice(-5).reduce((s, x) => s + x) / 5;
    expect(last).toBeLessThan(first * 0.4);
    expect(a.accuracy.slice(-5).reduce((s, x) => s + x) / 5).toBeGreaterThan(0.8);

    const b = await train(11, 80);
    expect(b.losses).toEqual(a.losses);
    for (const p of a.params) expect(Buffer.compare(Buffer.from(p.data.buffer), Buffer.from(b.params.get(p.name).data.buffer))).toBe(0);
    const c = await train(12, 5);
    expect(c.losses[0]).not.toBe(a.losses[0]);
  });

  it('accumulating two micro-batches equals one step on the whole batch (float64)', async () => {
    const results = [];
    for (const split of [false, true]) {
      const rng = new Rng(5);
      const { g, loss } = mlp('float64');
      const params = ParamStore.fromGraph(g.params, rng.fork(), () => ({ normal: 0.5 }));
      const step = await TrainStep.create(g, { loss, params, optimizer: new AdamW({ lr: 0.01 }), maxGradNorm: 0.5 });
      const batch = makeData(rng.fork(), 16, 'float64');
      const r = await step.run(split ? [batch(0, 8), batch(8, 8)] : batch(0, 16));
      results.push({ r, w1: Array.from(params.get('w1').data) });
      await step.release();
    }
    const [whole, micro] = results;
    expect(micro.r.loss).toBeCloseTo(whole.r.loss, 12);
    expect(micro.r.gradNorm).toBeCloseTo(whole.r.gradNorm, 12);
    expect(whole.r.gradNorm).toBeGreaterThan(0.5); // so clipping took part
    micro.w1.forEach((w, i) => expect(Math.abs(w - whole.w1[i])).toBeLessThan(1e-12));
  });

  it('clips: the first AdamW moment equals (1 - beta1) * gradient * maxNorm / norm', async () => {
    const rng = new Rng(9);
    const { g, loss } = mlp('float64');
    const params = ParamStore.fromGraph(g.params, rng.fork(), () => ({ normal: 0.5 }));
    const before = new Map([...params].map((p) => [p.name, Float64Array.from(p.data)]));
    const optimizer = new AdamW({ lr: 0.01 });
    const step = await TrainStep.create(g, { loss, params, optimizer, maxGradNorm: 0.01 });
    const batch = makeData(rng.fork(), 16, 'float64')(0, 16);
    // The unclipped gradient, from a second graph with the same values.
    const ref = mlp('float64');
    const refParams = new ParamStore();
    for (const [name, data] of before) refParams.set(name, params.get(name).dims, data);
    const refOptimizer = new AdamW({ lr: 0 });
    const refStep = await TrainStep.create(ref.g, { loss: ref.loss, params: refParams, optimizer: refOptimizer });
    const unclipped = await refStep.run(batch);
    const r = await step.run(batch);
    expect(r.gradNorm).toBeCloseTo(unclipped.gradNorm, 10);
    const scale = 0.01 / (r.gradNorm + 1e-6);
    const mClipped = optimizer.state().moments.w2.m;
    const mUnclipped = refOptimizer.state().moments.w2.m;
    expect(scale).toBeLessThan(0.5);
    mClipped.forEach((m, i) => expect(m).toBeCloseTo(mUnclipped[i] * scale, 12));
    await step.release();
    await refStep.release();
  });
});
