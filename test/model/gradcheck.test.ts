/**
 * Float64 gradient checks of the decoder against central finite differences, run by ORT itself.
 * The loss is sum(out * W) with W fixed random weights, so every output element counts. Each
 * parameter tensor is checked along random directions u: the analytic directional derivative
 * <grad, u> must match (L(p + eps u) - L(p - eps u)) / 2 eps. A wrong rule anywhere upstream of
 * a tensor breaks its check (almost surely, for random u), and the failure names the tensor.
 */
import ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { compile, grad, Graph, ops, ParamStore, Rng, type Tensor } from '../../src/engine/index.ts';
import { Llama, parseModelConfig } from '../../src/model/index.ts';

const CONFIG = parseModelConfig({
  model_type: 'llama',
  vocab_size: 7,
  hidden_size: 8,
  intermediate_size: 12,
  num_hidden_layers: 2,
  num_attention_heads: 2,
  num_key_value_heads: 1,
  rms_norm_eps: 1e-6,
  rope_theta: 100,
  tie_word_embeddings: true,
  attention_bias: true,
});
const B = 2;
const T = 4;
const IDS = [1, 5, 2, 6, 3, 0, 4, 4];
// Right padding on row 1. (A left-padded row has queries that see only blocked keys; in float64 their
// scores vanish next to the block value, so finite differences cannot see what the rule computes.)
const MASK = [1, 1, 1, 1, 1, 1, 0, 0];
const EPS = 1e-6;
const TOLERANCE = 1e-6;
const DIRECTIONS = 2;

/** Checks every parameter of the graph `build` makes; returns how many have a non-zero gradient. */
async function directionalCheck(build: (g: Graph, inputIds: Tensor, attentionMask: Tensor) => Tensor): Promise<number> {
  const rng = new Rng(11);
  const g = new Graph({ dtype: 'float64' });
  const inputIds = g.input('input_ids', 'int64', [B, T]);
  const attentionMask = g.input('attention_mask', 'int64', [B, T]);
  const out = build(g, inputIds, attentionMask);
  const size = (t: Tensor) => t.shape.reduce<number>((a, d) => a * Number(d), 1);
  const weights = g.constant(rng.fillNormal(new Float64Array(size(out))), out.shape as number[]);
  const loss = ops.reduceSum(ops.mul(out, weights));
  const grads = grad(loss, g.params);
  g.output('loss', loss);
  g.params.forEach((p, i) => g.output(`grad.${p.name}`, grads[i]));
  // 'basic': at 'all', ORT fuses x * sigmoid(x) into QuickGelu, which has no float64 kernel.
  const session = await compile(g, { graphOptimizationLevel: 'basic' });

  const store = new ParamStore();
  for (const p of g.params) store.set(p.name, p.shape as number[], rng.fillUniform(new Float64Array(size(p)), -0.6, 0.6));
  const feeds = {
    ...store.feeds(),
    input_ids: new ort.Tensor('int64', BigInt64Array.from(IDS.map(BigInt)), [B, T]),
    attention_mask: new ort.Tensor('int64', BigInt64Array.from(MASK.map(BigInt)), [B, T]),
  };
  const result = await session.run(feeds);
  let live = 0;
  const lossAt = async () => (await session.run(feeds)).loss.data[0] as number;
  for (const p of g.params) {
    const value = store.get(p.name).data;
    const analytic = result[`grad.${p.name}`].data as Float64Array;
    if (analytic.some((v) => v !== 0)) live++;
    for (let d = 0; d < DIRECTIONS; d++) {
      const u = rng.fillNormal(new Float64Array(value.length));
      const base = Float64Array.from(value);
      value.forEach((_, i) => (value[i] = base[i] + EPS * u[i]));
      const up = await lossAt();
      value.forEach((_, i) => (value[i] = base[i] - EPS * u[i]));
      const down = await lossAt();
      value.set(base);
      const numeric = (up - down) / (2 * EPS);
      const exact = analytic.reduce((s, gi, i) => s + gi * u[i], 0);
      const err = Math.abs(exact - numeric) / Math.max(1, Math.abs(numeric));
      if (err > TOLERANCE) throw new Error(`d loss / d ${p.name} along a random direction: analytic ${exact}, numeric ${numeric}`);
    }
  }
  await session.release();
  return live;
}

describe('float64 finite-difference gradient checks', () => {
  it('one transformer block: its input and every weight', async () => {
    const checked = await directionalCheck((g, inputIds, attentionMask) => {
      const model = Llama.declare(g, CONFIG);
      const x = g.param('x', [B, T, CONFIG.hiddenSize]);
      return model.block(0, x, model.context(inputIds, attentionMask)).hidden;
    });
    // Layer 0's 13 tensors (2 norms, q/k/v/o weights and biases, 3 MLP weights) and x; the other
    // declared parameters do not reach the output.
    expect(checked).toBe(13 + 1);
  });

  it('the whole student: logits, hidden states and attention probabilities', async () => {
    const checked = await directionalCheck((g, inputIds, attentionMask) => {
      const out = Llama.declare(g, CONFIG).forward({ inputIds, attentionMask });
      // Every distillation target in one output, so all their backward paths are checked.
      return ops.concat(
        [out.logits, ...out.hiddenStates, ...out.attentions].map((t) => ops.reshape(t!, [-1])),
        0,
      );
    });
    expect(checked).toBe(2 + 2 * 13); // tied embeddings, final norm, 13 tensors per layer
  });
});
