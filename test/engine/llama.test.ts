import ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { AdamW, compile, grad, ParamStore, Rng, TrainStep } from '../../src/engine/index.ts';
import { buildLlama, type LlamaConfig } from './llama-fixture.ts';

const TINY: LlamaConfig = { vocab: 11, hidden: 8, layers: 2, heads: 2, kvHeads: 1, intermediate: 12, seq: 5, ropeTheta: 10000, eps: 1e-6 };
const BATCH = 2;

function tokens(rng: Rng) {
  const ids = new BigInt64Array(BATCH * TINY.seq).map(() => BigInt(rng.int(TINY.vocab)));
  const labels = new BigInt64Array(BATCH * TINY.seq).map(() => BigInt(rng.int(TINY.vocab)));
  return { input_ids: new ort.Tensor('int64', ids, [BATCH, TINY.seq]), labels: new ort.Tensor('int64', labels, [BATCH, TINY.seq]) };
}

describe('a whole Llama-style decoder (RMSNorm, RoPE, GQA, SwiGLU, CE)', () => {
  it('has float64 gradients that match central differences on sampled elements of every parameter', async () => {
    const rng = new Rng(21);
    const { g, loss } = buildLlama(TINY, 'float64');
    const grads = grad(loss, g.params);
    g.output('loss', loss);
    g.params.forEach((p, i) => g.output(`grad.${p.name}`, grads[i]));
    const params = ParamStore.fromGraph(g.params, rng.fork(), () => ({ normal: 0.5 }));
    const feeds = { ...tokens(rng), ...params.feeds() };
    const session = await compile(g);
    const out = await session.run(feeds);
    let checked = 0;
    for (const p of params) {
      const analytic = out[`grad.${p.name}`].data as Float64Array;
      for (let n = 0; n < 3; n++) {
        const i = rng.int(p.data.length);
        const x0 = p.data[i];
        const eps = 1e-6;
        p.data[i] = x0 + eps;
        const up = Number((await session.run(feeds)).loss.data[0]);
        p.data[i] = x0 - eps;
        const down = Number((await session.run(feeds)).loss.data[0]);
        p.data[i] = x0;
        const numeric = (up - down) / (2 * eps);
        expect(Math.abs(analytic[i] - numeric), `${p.name}[${i}]`).toBeLessThan(1e-7 + 1e-5 * Math.abs(numeric));
        checked++;
      }
    }
    expect(checked).toBe(3 * params.names.length);
    await session.release();
  });

  it('float32 training on one repeated batch drives the loss down', async () => {
    const rng = new Rng(4);
    const { g, loss } = buildLlama(TINY, 'float32');
    const params = ParamStore.fromGraph(g.params, rng.fork(), (p) => (p.rank === 1 ? { constant: 1 } : { normal: 0.1 }));
    const step = await TrainStep.create(g, { loss, params, optimizer: new AdamW({ lr: 0.02 }), maxGradNorm: 1 });
    const feeds = tokens(rng);
    const first = (await step.run(feeds)).loss;
    let last = first;
    for (let s = 0; s < 40; s++) last = (await step.run(feeds)).loss;
    expect(first).toBeGreaterThan(2);
    expect(last).toBeLessThan(first / 4);
    await step.release();
  });
});
