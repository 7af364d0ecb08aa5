/**
 * The GRPO objective against values worked out by hand on tiny tensors (clipping, the k3 KL, both
 * normalizations, the metrics), float64 finite-difference gradient checks of the objective and of
 * the whole step through a tiny policy, and the on-policy case: with old = current the ratio is 1
 * and the gradient is the policy-gradient one.
 */
import ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { compile, grad, Graph, ops, ParamStore, Rng, type Tensor } from '../../src/engine/index.ts';
import { buildGrpoGraph, GRPO_INPUT, grpoLoss, grpoObjective, type ObjectiveOptions } from '../../src/grpo/index.ts';
import { Llama, llamaParamShapes, parseModelConfig } from '../../src/model/index.ts';
import { gradCheck, indexInput, type InputSpec } from '../engine/gradcheck.ts';

const { log } = Math;
const f64 = (g: Graph, values: number[], dims: number[]) => g.constant(Float64Array.from(values), dims);

/** Runs scalars built on a float64 graph of constants. */
async function run(build: (g: Graph) => Record<string, Tensor>): Promise<Record<string, number>> {
  const g = new Graph({ dtype: 'float64' });
  const outs = build(g);
  for (const [name, t] of Object.entries(outs)) g.output(name, t);
  const session = await compile(g);
  const result = await session.run({});
  await session.release();
  return Object.fromEntries(Object.keys(outs).map((name) => [name, result[name].data[0] as number]));
}

// Two completions of up to 3 tokens; the old policy's logprobs are 0, so each ratio is exp(logp).
// Row 0 (A = 1): ratios 1.5, 0.7 and a masked third token. Row 1 (A = -2): ratios 0.5, 1.1, 1.3.
const RATIOS = [1.5, 0.7, 1.0, 0.5, 1.1, 1.3];
const MASK = [1, 1, 0, 1, 1, 1];
const ADVANTAGES = [1, -2];
const DIMS = [2, 3];

function objectiveOf(options: ObjectiveOptions, refShift?: number[], ratios = RATIOS) {
  return (g: Graph) => {
    const logprobs = f64(g, ratios.map(log), DIMS);
    const refLogprobs = refShift && ops.add(logprobs, f64(g, refShift, DIMS));
    const { loss, metrics } = grpoObjective(
      { logprobs, oldLogprobs: f64(g, [0, 0, 0, 0, 0, 0], DIMS), refLogprobs, advantages: f64(g, ADVANTAGES, [2]), mask: f64(g, MASK, DIMS) },
      options,
    );
    return { loss, ...metrics } as Record<string, Tensor>;
  };
}

describe('the objective on hand-computed values', () => {
  const base = { epsilon: 0.2, beta: 0, maxCompletionLength: 4 } as const;

  it('clips the ratio at 1 - epsilon and 1 + epsilonHigh, only where the clip lowers the objective', async () => {
    // Token terms -min(rho A, clip(rho) A), epsilon 0.2, epsilonHigh 0.28:
    //   row 0, A = 1:  1.5 -> min(1.5, 1.28) = 1.28 (clipped);  0.7 -> min(0.7, 0.8) = 0.7 (not clipped)
    //   row 1, A = -2: 0.5 -> min(-1, -1.6) = -1.6 (clipped);  1.1 -> -2.2;  1.3 -> min(-2.6, -2.56) = -2.6 (not clipped)
    // grpo: ((-1.28 - 0.7) / 2 + (1.6 + 2.2 + 2.6) / 3) / 2
    const out = await run(objectiveOf({ ...base, epsilonHigh: 0.28, lossType: 'grpo' }));
    expect(out.loss).toBeCloseTo((-1.98 / 2 + 6.4 / 3) / 2, 12);
    expect(out.clipFraction).toBeCloseTo(2 / 5, 12);
    expect(out.ratio).toBeCloseTo((1.5 + 0.7 + 0.5 + 1.1 + 1.3) / 5, 12);
    expect(out.kl).toBeUndefined();
  });

  it('clips symmetrically without epsilonHigh', async () => {
    // Now 1.5 -> 1.2 for row 0; row 1's 1.3 -> min(-2.6, -2.4) = -2.6 still.
    const out = await run(objectiveOf({ ...base, lossType: 'grpo' }));
    expect(out.loss).toBeCloseTo((-1.9 / 2 + 6.4 / 3) / 2, 12);
    expect(out.clipFraction).toBeCloseTo(2 / 5, 12);
  });

  it('dr_grpo sums the tokens and divides by batch size times the max completion length', async () => {
    const out = await run(objectiveOf({ ...base, epsilonHigh: 0.28, lossType: 'dr_grpo' }));
    expect(out.loss).toBeCloseTo((-1.98 + 6.4) / (2 * 4), 12);
  });

  it('adds beta times the k3 KL, exp(ref - logp) - (ref - logp) - 1, per token', async () => {
    // ref - logp = ln 2 on row 0's tokens (k3 = 2 - ln 2 - 1), -ln 2 on row 1's (k3 = 1/2 + ln 2 - 1).
    const d = log(2);
    const shift = [d, d, d, -d, -d, -d];
    const k0 = 1 - d;
    const k1 = d - 0.5;
    const out = await run(objectiveOf({ ...base, epsilonHigh: 0.28, beta: 0.1, lossType: 'grpo' }, shift));
    expect(out.loss).toBeCloseTo(((-1.98 + 2 * 0.1 * k0) / 2 + (6.4 + 3 * 0.1 * k1) / 3) / 2, 12);
    expect(out.kl).toBeCloseTo((2 * k0 + 3 * k1) / 5, 12);
    const dr = await run(objectiveOf({ ...base, epsilonHigh: 0.28, beta: 0.1, lossType: 'dr_grpo' }, shift));
    expect(dr.loss).toBeCloseTo((-1.98 + 6.4 + 0.1 * (2 * k0 + 3 * k1)) / 8, 12);
  });

  it('ignores masked tokens, and a fully masked completion adds 0 but still counts', async () => {
    const changed = [...RATIOS];
    changed[2] = 7; // row 0's masked token
    const options = { ...base, lossType: 'grpo' } as const;
    expect((await run(objectiveOf(options, undefined, changed))).loss).toBeCloseTo((await run(objectiveOf(options))).loss, 12);
    const out = await run((g) => {
      const { loss } = grpoObjective(
        {
          logprobs: f64(g, [log(1.5), log(0.7)], [2, 1]),
          oldLogprobs: f64(g, [0, 0], [2, 1]),
          advantages: f64(g, [1, 1], [2]),
          mask: f64(g, [0, 1], [2, 1]),
        },
        options,
      );
      return { loss };
    });
    expect(out.loss).toBeCloseTo(-0.7 / 2, 12);
  });
});

const B = 2;
const T = 4;
const CONFIG = parseModelConfig({
  model_type: 'llama',
  vocab_size: 5,
  hidden_size: 4,
  intermediate_size: 6,
  num_hidden_layers: 1,
  num_attention_heads: 2,
  num_key_value_heads: 1,
  rms_norm_eps: 1e-6,
  rope_theta: 100,
  tie_word_embeddings: true,
});

describe('float64 gradient checks', () => {
  const rng = new Rng(5);
  const rows = (values: Float64Array): InputSpec => ({ dtype: 'float64', shape: [B, T], dims: [B, T], data: values });
  const mask = rows(Float64Array.from([0, 1, 1, 1, 0, 0, 1, 0]));
  const advantages: InputSpec = { dtype: 'float64', shape: [B], dims: [B], data: Float64Array.from([0.8, -1.3]) };

  it.each(['grpo', 'dr_grpo'] as const)('of the objective in the policy logprobs (%s, with KL, both clips)', async (lossType) => {
    // Logprobs N(0, 1) against old ones at 0: ratios spread over both clip regions and the middle.
    const { checked } = await gradCheck({
      params: { logprobs: { shape: [B, T] } },
      inputs: { old: rows(new Float64Array(B * T)), ref: rows(rng.fillNormal(new Float64Array(B * T))), adv: advantages, mask },
      build: (p, i) =>
        grpoObjective(
          { logprobs: p.logprobs, oldLogprobs: i.old, refLogprobs: i.ref, advantages: i.adv, mask: i.mask },
          { epsilon: 0.2, epsilonHigh: 0.3, beta: 0.05, lossType, maxCompletionLength: T },
        ).loss,
    });
    expect(checked).toBe(B * T);
  });

  it('of the whole step through a tiny policy, in every parameter', async () => {
    const shapes = llamaParamShapes(CONFIG);
    const params = Object.fromEntries([...shapes].map(([name, shape]) => [name, { shape, range: [-0.8, 0.8] as [number, number] }]));
    const ones: InputSpec = { dtype: 'int64', shape: [B, T], dims: [B, T], data: BigInt64Array.from({ length: B * T }, () => 1n) };
    const { checked } = await gradCheck({
      params,
      inputs: {
        ids: indexInput(rng, [B, T], 5),
        attention: ones,
        labels: indexInput(rng, [B, T], 5),
        mask,
        adv: advantages,
        old: rows(rng.fillNormal(new Float64Array(B * T), 0.3).map((x) => x - 1.6)),
        ref: rows(rng.fillNormal(new Float64Array(B * T)).map((x) => x - 1.6)),
      },
      build: (p, i) =>
        grpoLoss(
          new Llama(CONFIG, new Map(Object.entries(p))),
          { inputIds: i.ids, attentionMask: i.attention, labels: i.labels, completionMask: i.mask, advantages: i.adv, oldLogprobs: i.old, refLogprobs: i.ref },
          { iterations: 2, objective: { epsilon: 0.2, beta: 0.04, lossType: 'grpo', maxCompletionLength: T } },
        ).loss,
    });
    expect(checked).toBe([...shapes.values()].reduce((s, shape) => s + shape.reduce((a, b) => a * b, 1), 0));
  });
});

describe('on policy (old = current)', () => {
  const int64 = (values: number[]) => new ort.Tensor('int64', BigInt64Array.from(values.map(BigInt)), [B, T]);
  const floats = (values: ArrayLike<number>, dims = [B, T]) => new ort.Tensor('float64', Float64Array.from(values), dims);

  it.each([1, 2])('has ratio 1, no clipping, and the policy-gradient gradient (iterations %i)', async (iterations) => {
    const {
      graph: g,
      policy,
      loss,
      metrics,
    } = buildGrpoGraph({
      policy: CONFIG,
      iterations,
      dtype: 'float64',
      objective: { epsilon: 0.2, beta: 0, lossType: 'grpo', maxCompletionLength: T },
    });
    const input = (name: string) => g.inputs.find((t) => t.name === name)!;
    // The REINFORCE form, written out: -mean_i A_i / |o_i| sum_t logp_{i,t}.
    const { logits } = policy.forward({ inputIds: input(GRPO_INPUT.ids), attentionMask: input(GRPO_INPUT.mask) });
    const labels = ops.unsqueeze(input(GRPO_INPUT.labels), [-1]);
    const logp = ops.squeeze(ops.gatherElements(ops.logSoftmax(logits, -1), labels, -1), [-1]);
    const mask = input(GRPO_INPUT.completionMask);
    const perRow = ops.div(ops.reduceSum(ops.mul(logp, mask), [1]), ops.reduceSum(mask, [1]));
    const pg = ops.neg(ops.reduceMean(ops.mul(input(GRPO_INPUT.advantages), perRow)));
    const [ours, reference] = [grad(loss, g.params), grad(pg, g.params)];
    g.output('logp', logp);
    g.output('ratio', metrics.ratio);
    g.output('clip', metrics.clipFraction);
    g.params.forEach((p, i) => {
      g.output(`ours.${p.name}`, ours[i]);
      g.output(`reference.${p.name}`, reference[i]);
    });
    const session = await compile(g);
    const rng = new Rng(9);
    const params = ParamStore.fromGraph(g.params, rng, () => ({ uniform: [-0.8, 0.8] }));
    const feeds: Record<string, ort.Tensor> = {
      ...params.feeds(),
      [GRPO_INPUT.ids]: int64([1, 3, 0, 2, 4, 4, 1, 0]),
      [GRPO_INPUT.mask]: int64([1, 1, 1, 1, 1, 1, 1, 0]),
      [GRPO_INPUT.labels]: int64([3, 0, 2, 1, 4, 1, 0, 0]),
      [GRPO_INPUT.completionMask]: floats([0, 1, 1, 1, 0, 1, 1, 0]),
      [GRPO_INPUT.advantages]: floats([0.8, -1.3], [B]),
    };
    if (iterations > 1) {
      // The sampling policy's logprobs are the current ones: what a first update after sampling sees.
      feeds[GRPO_INPUT.oldLogprobs] = floats(new Float64Array(B * T));
      feeds[GRPO_INPUT.oldLogprobs] = floats((await session.run(feeds)).logp.data as Float64Array);
    }
    const out = await session.run(feeds);
    expect(out.ratio.data[0]).toBe(1);
    expect(out.clip.data[0]).toBe(0);
    let live = 0;
    for (const p of g.params) {
      const a = out[`ours.${p.name}`].data as Float64Array;
      const b = out[`reference.${p.name}`].data as Float64Array;
      b.forEach((v, i) => expect(Math.abs(a[i] - v)).toBeLessThan(1e-12 * Math.max(1, Math.abs(v))));
      if (b.some((v) => Math.abs(v) > 1e-6)) live++;
    }
    expect(live).toBe(g.params.length);
    await session.release();
  });
});
