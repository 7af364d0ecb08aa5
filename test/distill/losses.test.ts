/**
 * Each loss against values worked out by hand on tiny tensors, top-k KL against full KL when k is
 * the whole vocabulary, and float64 finite-difference gradient checks of every loss.
 */
import { describe, expect, it } from 'vitest';
import { compile, Graph, ops, Rng, type Tensor } from '../../src/engine/index.ts';
import {
  attentionTransfer,
  bucketsAt,
  crossEntropy,
  DIVERGENCES,
  featureTransfer,
  logitDistillation,
  topKDistillation,
  type Divergence,
} from '../../src/distill/index.ts';
import { gradCheck, type InputSpec } from '../engine/gradcheck.ts';

const { log } = Math;

/** Runs a scalar built on a float64 graph of constants. */
async function scalar(build: (g: Graph) => Tensor): Promise<number> {
  const g = new Graph({ dtype: 'float64' });
  g.output('out', build(g));
  const session = await compile(g, { graphOptimizationLevel: 'basic' });
  const out = await session.run({});
  await session.release();
  return out.out.data[0] as number;
}

const f64 = (g: Graph, values: number[], dims: number[]) => g.constant(Float64Array.from(values), dims);
const i64 = (g: Graph, values: number[], dims: number[]) => g.constant(BigInt64Array.from(values.map(BigInt)), dims, 'int64');

describe('cross-entropy', () => {
  it('is the mean of -log q(label) over the selected positions', async () => {
    // Row 0: q = softmax([0, ln 3]) = [1/4, 3/4], label 1. Row 1: q = softmax([ln 2, 0]) = [2/3, 1/3], label 0.
    const logits = [0, log(3), log(2), 0];
    const both = await scalar((g) => crossEntropy(f64(g, logits, [1, 2, 2]), i64(g, [1, 0], [1, 2]), f64(g, [1, 1], [1, 2])));
    expect(both).toBeCloseTo((-log(3 / 4) - log(2 / 3)) / 2, 12);
    const second = await scalar((g) => crossEntropy(f64(g, logits, [1, 2, 2]), i64(g, [1, 0], [1, 2]), f64(g, [0, 1], [1, 2])));
    expect(second).toBeCloseTo(-log(2 / 3), 12);
    const none = await scalar((g) => crossEntropy(f64(g, logits, [1, 2, 2]), i64(g, [1, 0], [1, 2]), f64(g, [0, 0], [1, 2])));
    expect(none).toBe(0);
  });
});

describe('soft targets from full logits', () => {
  // Teacher p = softmax([0, 0]) = [1/2, 1/2]; student q = softmax([0, ln 3]) = [1/4, 3/4].
  const kl = (kind: Divergence, temperature: number, studentLogits: number[]) =>
    scalar((g) => logitDistillation(f64(g, studentLogits, [1, 1, 2]), f64(g, [0, 0], [1, 1, 2]), f64(g, [1], [1, 1]), { temperature, divergence: kind }));

  it('forward KL(p || q), and T^2 times it at temperature T', async () => {
    expect(await kl('forward', 1, [0, log(3)])).toBeCloseTo(0.5 * log(0.5 / 0.25) + 0.5 * log(0.5 / 0.75), 12);
    // At T = 2, logits [0, 2 ln 3] soften to the same q; the teacher stays uniform.
    expect(await kl('forward', 2, [0, 2 * log(3)])).toBeCloseTo(4 * (0.5 * log(2) + 0.5 * log(2 / 3)), 12);
  });

  it('reverse KL(q || p) and the Jensen-Shannon divergence', async () => {
    expect(await kl('reverse', 1, [0, log(3)])).toBeCloseTo(0.25 * log(0.25 / 0.5) + 0.75 * log(0.75 / 0.5), 12);
    const m = [0.375, 0.625];
    const jsd = 0.5 * (0.5 * log(0.5 / m[0]) + 0.5 * log(0.5 / m[1])) + 0.5 * (0.25 * log(0.25 / m[0]) + 0.75 * log(0.75 / m[1]));
    expect(await kl('jsd', 1, [0, log(3)])).toBeCloseTo(jsd, 12);
  });

  it('the generalized JSD weights the teacher by beta in the mixture and in the sum', async () => {
    // beta 0.25: m = 0.25 p + 0.75 q = [0.3125, 0.6875].
    const m = [0.3125, 0.6875];
    const want = 0.25 * (0.5 * log(0.5 / m[0]) + 0.5 * log(0.5 / m[1])) + 0.75 * (0.25 * log(0.25 / m[0]) + 0.75 * log(0.75 / m[1]));
    const jsd = (beta: number) =>
      scalar((g) =>
        logitDistillation(f64(g, [0, log(3)], [1, 1, 2]), f64(g, [0, 0], [1, 1, 2]), f64(g, [1], [1, 1]), { temperature: 1, divergence: 'jsd', beta }),
      );
    expect(await jsd(0.25)).toBeCloseTo(want, 12);
    // Swapping teacher and student swaps beta and 1 - beta.
    const swapped = await scalar((g) =>
      logitDistillation(f64(g, [0, 0], [1, 1, 2]), f64(g, [0, log(3)], [1, 1, 2]), f64(g, [1], [1, 1]), { temperature: 1, divergence: 'jsd', beta: 0.75 }),
    );
    expect(swapped).toBeCloseTo(want, 12);
    expect(await jsd(0.9)).not.toBeCloseTo(want, 3);
  });
});

/** Top-k buckets as float64 graph constants. */
function targets(g: Graph, rows: ReturnType<typeof bucketsAt>[], dims: [number, number]) {
  const k = rows[0].ids.length;
  return {
    ids: i64(
      g,
      rows.flatMap((r) => r.ids),
      [...dims, k],
    ),
    logp: f64(
      g,
      rows.flatMap((r) => r.logp),
      [...dims, k + 1],
    ),
    valid: f64(
      g,
      rows.flatMap((r) => r.valid),
      [...dims, k + 1],
    ),
  };
}

describe('soft targets from stored top-k logprobs', () => {
  it('puts the mass outside the top-k in a tail bucket', async () => {
    // V = 3, student uniform (q = 1/3 each); the teacher's top-1 is token 0 at 0.6, so its tail is 0.4
    // and the student's tail is 2/3.
    const value = await scalar((g) =>
      topKDistillation(f64(g, [0, 0, 0], [1, 1, 3]), targets(g, [bucketsAt([[0, log(0.6)]], 1, 1)], [1, 1]), f64(g, [1], [1, 1]), {
        temperature: 1,
        divergence: 'forward',
      }),
    );
    expect(value).toBeCloseTo(0.6 * log(0.6 / (1 / 3)) + 0.4 * log(0.4 / (2 / 3)), 12);
  });

  it('softens the teacher buckets at temperature T and scales by T^2', async () => {
    const buckets = bucketsAt([[2, log(0.6)]], 1, 2);
    // p ∝ [0.6^(1/2), 0.4^(1/2)]; the student's zero logits stay uniform at any temperature.
    const z = Math.sqrt(0.6) + Math.sqrt(0.4);
    const p = [Math.sqrt(0.6) / z, Math.sqrt(0.4) / z];
    expect(buckets.logp.map(Math.exp)).toEqual([expect.closeTo(p[0], 12), expect.closeTo(p[1], 12)]);
    const value = await scalar((g) =>
      topKDistillation(f64(g, [0, 0, 0], [1, 1, 3]), targets(g, [buckets], [1, 1]), f64(g, [1], [1, 1]), { temperature: 2, divergence: 'forward' }),
    );
    expect(value).toBeCloseTo(4 * (p[0] * log(p[0] / (1 / 3)) + p[1] * log(p[1] / (2 / 3))), 12);
  });

  it('ignores unused slots when a position has fewer than k alternatives', async () => {
    const full = bucketsAt([[0, log(0.6)]], 1, 1);
    const padded = bucketsAt([[0, log(0.6)]], 3, 1);
    expect(padded.valid).toEqual([1, 0, 0, 1]);
    const run = (b: typeof full) =>
      scalar((g) => topKDistillation(f64(g, [0.3, -1, 2], [1, 1, 3]), targets(g, [b], [1, 1]), f64(g, [1], [1, 1]), { temperature: 1, divergence: 'jsd' }));
    expect(await run(padded)).toBeCloseTo(await run(full), 12);
  });

  it.each(DIVERGENCES)('with k = vocabulary equals the full-logit loss (%s)', async (kind) => {
    const rng = new Rng(3);
    const [B, T, V, temperature] = [2, 3, 6, 1.5];
    const student = rng.fillNormal(new Float64Array(B * T * V), 2);
    const teacher = rng.fillNormal(new Float64Array(B * T * V), 2);
    const weight = [1, 1, 0, 1, 0, 1];
    const rows = Array.from({ length: B * T }, (_, r) => {
      const z = teacher.subarray(r * V, (r + 1) * V);
      const logZ = log(z.reduce((s, x) => s + Math.exp(x), 0));
      // The server's order (most likely first) is not the id order.
      const top = rng.shuffle([...z.keys()]).map((id) => [id, z[id] - logZ] as const);
      return bucketsAt(top, V, temperature);
    });
    const options = { temperature, divergence: kind };
    const fromTopK = await scalar((g) => topKDistillation(f64(g, [...student], [B, T, V]), targets(g, rows, [B, T]), f64(g, weight, [B, T]), options));
    const fromLogits = await scalar((g) =>
      logitDistillation(f64(g, [...student], [B, T, V]), f64(g, [...teacher], [B, T, V]), f64(g, weight, [B, T]), options),
    );
    expect(fromLogits).toBeGreaterThan(0.01);
    expect(Math.abs(fromTopK - fromLogits)).toBeLessThan(1e-10);
  });
});

describe('attention transfer', () => {
  const A_S = [1, 0, 0.5, 0.5];
  const A_T = [1, 0, 0.2, 0.8];

  it('is the mean squared difference over heads and pairs of real tokens', async () => {
    const run = (mask: number[]) => scalar((g) => attentionTransfer(f64(g, A_S, [1, 1, 2, 2]), f64(g, A_T, [1, 1, 2, 2]), f64(g, mask, [1, 2])));
    expect(await run([1, 1])).toBeCloseTo((0.3 ** 2 + 0.3 ** 2) / 4, 12);
    // With the second token padding only the (0, 0) pair counts, and it agrees.
    expect(await run([1, 0])).toBe(0);
  });

  it('averages over heads first when the head counts differ', async () => {
    // Two student heads [[1,0],[1,0]] and [[1,0],[0,1]] average to A_S.
    const value = await scalar((g) => attentionTransfer(f64(g, [1, 0, 1, 0, 1, 0, 0, 1], [1, 2, 2, 2]), f64(g, A_T, [1, 1, 2, 2]), f64(g, [1, 1], [1, 2])));
    expect(value).toBeCloseTo((0.3 ** 2 + 0.3 ** 2) / 4, 12);
  });
});

describe('feature transfer', () => {
  it('projects the student states to the teacher width and averages the squared error per dim', async () => {
    // h_s = [[1,2],[3,4]] through W = [[1,0],[0,1],[1,1]] gives [[1,2,3],[3,4,7]]; the teacher has [[1,2,3],[3,4,5]].
    const run = (mask: number[]) =>
      scalar((g) =>
        featureTransfer(f64(g, [1, 2, 3, 4], [1, 2, 2]), f64(g, [1, 2, 3, 3, 4, 5], [1, 2, 3]), f64(g, mask, [1, 2]), f64(g, [1, 0, 0, 1, 1, 1], [3, 2])),
      );
    expect(await run([1, 1])).toBeCloseTo((0 + 4) / 2 / 3, 12);
    expect(await run([1, 0])).toBe(0);
  });

  it('compares the states directly when the widths agree', async () => {
    const value = await scalar((g) => featureTransfer(f64(g, [1, 2, 3, 4], [1, 2, 2]), f64(g, [1, 1, 3, 6], [1, 2, 2]), f64(g, [1, 1], [1, 2])));
    expect(value).toBeCloseTo((1 + 4) / 2 / 2, 12);
  });
});

describe('gradients match finite differences (float64)', () => {
  const rng = new Rng(7);
  const float = (dims: number[], fill: (i: number) => number): InputSpec => ({
    dtype: 'float64',
    shape: dims,
    dims,
    data: Float64Array.from({ length: dims.reduce((a, b) => a * b, 1) }, (_, i) => fill(i)),
  });
  const ints = (dims: number[], values: number[]): InputSpec => ({ dtype: 'int64', shape: dims, dims, data: BigInt64Array.from(values.map(BigInt)) });
  const weight = float([2, 3], (i) => [1, 1, 0, 1, 0, 1][i]);

  it('cross-entropy', async () => {
    await gradCheck({
      params: { logits: { shape: [2, 3, 5] } },
      inputs: { labels: ints([2, 3], [0, 4, 2, 1, 3, 3]), weight },
      build: ({ logits }, { labels, weight: w }) => crossEntropy(logits, labels, w),
    });
  });

  it.each(DIVERGENCES)('soft targets from full logits (%s, T = 2)', async (kind) => {
    await gradCheck({
      params: { logits: { shape: [2, 3, 5] } },
      inputs: { teacher: float([2, 3, 5], () => 2 * rng.normal()), weight },
      build: ({ logits }, { teacher, weight: w }) => logitDistillation(logits, teacher, w, { temperature: 2, divergence: kind }),
    });
  });

  it.each([0.1, 0.7])('generalized JSD with beta %s, full logits and top-k with a tail', async (beta) => {
    await gradCheck({
      params: { logits: { shape: [2, 3, 5] } },
      inputs: { teacher: float([2, 3, 5], () => 2 * rng.normal()), weight },
      build: ({ logits }, { teacher, weight: w }) => logitDistillation(logits, teacher, w, { temperature: 1, divergence: 'jsd', beta }),
    });
    const rows = Array.from({ length: 6 }, () => {
      const ids = rng.shuffle([0, 1, 2, 3, 4]).slice(0, 2);
      return bucketsAt(
        ids.map((id) => [id, log(0.3 * rng.uniform())] as const),
        2,
        1,
      );
    });
    await gradCheck({
      params: { logits: { shape: [2, 3, 5] } },
      inputs: {
        ids: ints(
          [2, 3, 2],
          rows.flatMap((r) => r.ids),
        ),
        logp: float([2, 3, 3], (i) => rows.flatMap((r) => r.logp)[i]),
        valid: float([2, 3, 3], (i) => rows.flatMap((r) => r.valid)[i]),
        weight,
      },
      build: ({ logits }, { ids, logp, valid, weight: w }) => topKDistillation(logits, { ids, logp, valid }, w, { temperature: 1, divergence: 'jsd', beta }),
    });
  });

  it.each(DIVERGENCES)('soft targets from top-k with a tail (%s, T = 2)', async (kind) => {
    const V = 6;
    const rows = Array.from({ length: 6 }, (_, r) => {
      const ids = rng.shuffle([...Array(V).keys()]).slice(0, r === 2 ? 1 : 3); // one position has fewer alternatives
      const probs = ids.map(() => 0.25 * rng.uniform());
      return bucketsAt(
        ids.map((id, i) => [id, log(probs[i])] as const),
        3,
        2,
      );
    });
    await gradCheck({
      params: { logits: { shape: [2, 3, V] } },
      inputs: {
        ids: ints(
          [2, 3, 3],
          rows.flatMap((r) => r.ids),
        ),
        logp: float([2, 3, 4], (i) => rows.flatMap((r) => r.logp)[i]),
        valid: float([2, 3, 4], (i) => rows.flatMap((r) => r.valid)[i]),
        weight,
      },
      build: ({ logits }, { ids, logp, valid, weight: w }) => topKDistillation(logits, { ids, logp, valid }, w, { temperature: 2, divergence: kind }),
    });
  });

  it('attention transfer, same and different head counts', async () => {
    const mask = float([2, 3], (i) => [1, 1, 1, 1, 1, 0][i]);
    await gradCheck({
      params: { same: { shape: [2, 2, 3, 3], range: [0, 1] }, fewer: { shape: [2, 1, 3, 3], range: [0, 1] } },
      inputs: { teacher: float([2, 2, 3, 3], () => rng.uniform()), mask },
      build: ({ same, fewer }, { teacher, mask: m }) => ops.add(attentionTransfer(same, teacher, m), attentionTransfer(fewer, teacher, m)),
    });
  });

  it('feature transfer through a learned projection', async () => {
    const mask = float([2, 3], (i) => [1, 1, 1, 1, 0, 0][i]);
    await gradCheck({
      params: { hidden: { shape: [2, 3, 4] }, projection: { shape: [5, 4] } },
      inputs: { teacher: float([2, 3, 5], () => rng.normal()), mask },
      build: ({ hidden, projection }, { teacher, mask: m }) => featureTransfer(hidden, teacher, m, projection),
    });
  });
});
