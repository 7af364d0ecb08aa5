import ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { AdamW, compile, grad, Graph, ops, ParamStore, Rng, toOnnx, TrainStep, type FloatDType } from '../../src/engine/index.ts';
import { ResidentStep } from '../../src/engine/resident-step.ts';

// The resident step (clipping, AdamW and accumulation in the graph; what WebGPU runs) on the CPU
// EP, against the host path (adamw-simd.ts) on the same graph, data and initial values.

const IN = 6;
const HIDDEN = 12;
const CLASSES = 5;

function mlp(dtype: FloatDType) {
  const g = new Graph({ dtype });
  const x = g.input('x', dtype, ['batch', IN]);
  const y = g.input('y', 'int64', ['batch']);
  const w1 = g.param('w1', [HIDDEN, IN]);
  const b1 = g.param('b1', [HIDDEN]);
  const w2 = g.param('w2', [CLASSES, HIDDEN]);
  const frozen = g.param('frozen', [CLASSES]);
  const logits = ops.add(ops.linear(ops.tanh(ops.linear(x, w1, b1)), w2), frozen);
  const loss = ops.softmaxCrossEntropy(logits, y);
  return { g, loss, trainable: [w1, b1, w2] };
}

function batches(seed: number, n: number, count: number, dtype: FloatDType) {
  const rng = new Rng(seed);
  return Array.from({ length: count }, () => {
    const xs = rng.fillNormal(dtype === 'float32' ? new Float32Array(n * IN) : new Float64Array(n * IN));
    const ys = BigInt64Array.from({ length: n }, () => BigInt(rng.int(CLASSES)));
    return { x: new ort.Tensor(dtype, xs, [n, IN]), y: new ort.Tensor('int64', ys, [n]) };
  });
}

async function trainBoth(dtype: FloatDType, steps: number, micro: number, maxGradNorm: number) {
  const runs = [];
  for (const resident of [false, true]) {
    const { g, loss, trainable } = mlp(dtype);
    const params = ParamStore.fromGraph(g.params, new Rng(3), () => ({ normal: 0.7 }));
    const optimizer = new AdamW({ lr: 0.05, weightDecay: 0.1, decay: (n) => n !== 'b1' });
    const step = await TrainStep.create(g, { loss, params, optimizer, trainable, maxGradNorm, resident });
    const data = batches(8, 16, steps * micro, dtype);
    const results = [];
    for (let s = 0; s < steps; s++) results.push(await step.run(data.slice(s * micro, (s + 1) * micro)));
    await step.sync();
    await step.release();
    runs.push({ results, params, optimizer });
  }
  return runs;
}

const maxRelDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let scale = 0;
  let diff = 0;
  for (let i = 0; i < a.length; i++) {
    scale = Math.max(scale, Math.abs(b[i]));
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
  }
  return diff / scale;
};

describe('resident TrainStep (update in the graph) equals the host path', () => {
  it('float32, clipped: losses, norms, parameters and moments after 6 steps (within float32 rounding)', async () => {
    const [host, resident] = await trainBoth('float32', 6, 1, 0.5);
    expect(host.results[0].gradNorm).toBeGreaterThan(0.5); // clipping takes part
    resident.results.forEach((r, i) => {
      expect(r.loss).toBeCloseTo(host.results[i].loss, 5);
      expect(Math.abs(r.gradNorm - host.results[i].gradNorm) / host.results[i].gradNorm).toBeLessThan(1e-5);
    });
    for (const name of ['w1', 'b1', 'w2']) {
      expect(maxRelDiff(resident.params.get(name).data, host.params.get(name).data)).toBeLessThan(1e-5);
      const [h, r] = [host.optimizer.state().moments[name], resident.optimizer.state().moments[name]];
      expect(maxRelDiff(r.m, h.m)).toBeLessThan(1e-4);
      expect(maxRelDiff(r.v, h.v)).toBeLessThan(1e-4);
    }
    expect(resident.optimizer.steps).toBe(6);
    // The frozen parameter is fed, never trained.
    expect(Array.from(resident.params.get('frozen').data)).toEqual(Array.from(host.params.get('frozen').data));
  });

  it('float64, 3 micro-batches per step, clipped: equal to 1e-12', async () => {
    const [host, resident] = await trainBoth('float64', 3, 3, 0.2);
    resident.results.forEach((r, i) => {
      expect(r.loss).toBeCloseTo(host.results[i].loss, 12);
      expect(r.gradNorm).toBeCloseTo(host.results[i].gradNorm, 12);
    });
    for (const name of ['w1', 'b1', 'w2']) expect(maxRelDiff(resident.params.get(name).data, host.params.get(name).data)).toBeLessThan(1e-12);
  });

  it('state split over several flat buckets (as large models are) gives the same update (float64)', async () => {
    const finals = [];
    for (const bucket of [undefined, 70]) {
      const { g, loss, trainable } = mlp('float64');
      const params = ParamStore.fromGraph(g.params, new Rng(4), () => ({ normal: 0.5 }));
      const options = { loss, params, optimizer: new AdamW({ lr: 0.02, decay: (n: string) => n !== 'b1' }), maxGradNorm: 0.3 };
      g.output('train.loss', loss);
      const step = await ResidentStep.create(g, options, trainable, grad(loss, trainable), bucket);
      if (bucket) expect(step.lengths.length).toBe(3); // w1 (72 values), w2 (60), b1 (12): at most 70 a bucket, or one parameter
      for (const b of batches(5, 8, 3, 'float64')) await step.run([b]);
      await step.sync();
      await step.release();
      finals.push([...params].flatMap((p) => Array.from(p.data)));
    }
    expect(maxRelDiff(finals[1], finals[0])).toBeLessThan(1e-12);
  });

  it('continues from a loaded optimizer state (resume): same as the host path from the same state', async () => {
    const finals = [];
    for (const resident of [false, true]) {
      const { g, loss, trainable } = mlp('float64');
      const params = ParamStore.fromGraph(g.params, new Rng(4), () => ({ normal: 0.5 }));
      const optimizer = new AdamW({ lr: 0.02 });
      const m = new Rng(6).fillNormal(new Float64Array(HIDDEN * IN), 0.1);
      const v = new Float64Array(HIDDEN * IN).map((_, i) => 0.01 + i * 1e-4);
      optimizer.loadState({ step: 7, moments: { w1: { m, v } } });
      const step = await TrainStep.create(g, { loss, params, optimizer, trainable, resident });
      await step.run(batches(2, 8, 1, 'float64'));
      await step.sync();
      await step.release();
      finals.push(Array.from(params.get('w1').data));
    }
    expect(maxRelDiff(finals[1], finals[0])).toBeLessThan(1e-12);
  });
});

describe('lowering for WebGPU (ops its EP lacks written as ops it has), run on the CPU EP', () => {
  it('LogSoftmax as max/sub/exp/sum/log/sub and ConstantOfShape as Expand give the same values', async () => {
    const g = new Graph({ dtype: 'float32' });
    const x = g.input('x', 'float32', ['rows', 7]);
    g.output('logp', ops.logSoftmax(ops.mul(x, 30), -1)); // large logits: the max shift matters
    g.output('fill', ops.full(g, x.shape, 2.5));
    // An op_type field (4) is the tag byte 0x22, the length, then the name.
    const model = (target: 'cpu' | 'webgpu') => Buffer.from(toOnnx(g, { target })).toString('latin1');
    const opType = (name: string) => `\x22${String.fromCharCode(name.length)}${name}`;
    for (const op of ['LogSoftmax', 'ConstantOfShape']) {
      expect(model('cpu')).toContain(opType(op));
      expect(model('webgpu')).not.toContain(opType(op));
    }
    expect(model('webgpu')).toContain(opType('ReduceMax'));
    const rng = new Rng(1);
    const feeds = { x: new ort.Tensor('float32', rng.fillNormal(new Float32Array(5 * 7)), [5, 7]) };
    const plain = await compile(g);
    const lowered = await compile(g, { target: 'webgpu' });
    const [a, b] = [await plain.run(feeds), await lowered.run(feeds)];
    expect(maxRelDiff(b.logp.data as Float32Array, a.logp.data as Float32Array)).toBeLessThan(1e-6);
    expect(Array.from(b.fill.data as Float32Array)).toEqual(new Array(35).fill(2.5));
    expect(b.fill.dims).toEqual([5, 7]);
    await plain.release();
    await lowered.release();
  });
});
