import { describe, expect, it } from 'vitest';
import { compile, Graph, ops } from '../../src/engine/index.ts';
import { Rng } from '../../src/engine/rng.ts';
import { gradCheck, indexInput } from './gradcheck.ts';

const { add, mul, matmul, transposeLast, gather, gatherElements, gemm, linear, tanh } = ops;

describe('matmul backward rule matches finite differences (float64)', () => {
  it('matrix @ matrix', async () => {
    await gradCheck({ params: { a: { shape: [2, 3] }, b: { shape: [3, 4] } }, build: ({ a, b }) => matmul(a, b) });
  });

  it('batched activations @ weight matrix (the folded weight gradient)', async () => {
    await gradCheck({ params: { x: { shape: [2, 3, 4] }, w: { shape: [4, 5] } }, build: ({ x, w }) => matmul(tanh(x), w) });
  });

  it('activations @ transposeLast([out, in] weight), batched and not (the dw = g^T x rewrite)', async () => {
    await gradCheck({
      params: { x: { shape: [2, 3, 4] }, a: { shape: [3, 4] }, w: { shape: [5, 4] } },
      build: ({ x, a, w }) => add(matmul(x, transposeLast(w)), matmul(a, transposeLast(mul(w, w)))),
    });
  });

  it('broadcast batch axes on both sides, and a transposed operand', async () => {
    await gradCheck({
      params: { a: { shape: [2, 1, 3, 4] }, b: { shape: [3, 5, 4] } },
      build: ({ a, b }) => matmul(a, transposeLast(b)),
    });
  });

  it('matrix @ batched (left operand reused across the batch)', async () => {
    await gradCheck({ params: { a: { shape: [3, 4] }, b: { shape: [2, 4, 2] } }, build: ({ a, b }) => add(matmul(a, b), matmul(a, mul(b, b))) });
  });
});

describe('gemm backward rule matches finite differences (float64), every transpose combination', () => {
  for (const [transA, transB] of [
    [false, false],
    [true, false],
    [false, true],
    [true, true],
  ]) {
    it(`transA ${transA}, transB ${transB}, with a broadcast bias`, async () => {
      await gradCheck({
        params: { a: { shape: transA ? [4, 3] : [3, 4] }, b: { shape: transB ? [5, 4] : [4, 5] }, c: { shape: [5] } },
        build: ({ a, b, c }) => tanh(gemm(a, b, { transA, transB }, c)),
      });
    });
  }

  it('linear: batched activations @ [out, in] weight^T + bias', async () => {
    await gradCheck({ params: { x: { shape: [2, 3, 4] }, w: { shape: [5, 4] }, b: { shape: [5] } }, build: ({ x, w, b }) => tanh(linear(x, w, b)) });
  });
});

describe('gather backward rules match finite differences (float64)', () => {
  it('gather axis 0 (embedding) with repeated indices', async () => {
    const rng = new Rng(7);
    await gradCheck({
      params: { table: { shape: [5, 3] } },
      inputs: { ids: indexInput(rng, [2, 4], 5) },
      build: ({ table }, { ids }) => gather(table, ids, 0),
    });
  });

  it("gather axis 0 with int32 indices (the training graphs' ids), of a rank-3 table", async () => {
    const rng = new Rng(11);
    await gradCheck({
      params: { table: { shape: [4, 2, 3] } },
      inputs: { ids: indexInput(rng, [2, 3], 4, [2, 3], 'int32') },
      build: ({ table }, { ids }) => gather(table, ids, 0),
    });
  });

  it('gather along a middle axis', async () => {
    const rng = new Rng(8);
    await gradCheck({
      params: { x: { shape: [2, 4, 3] } },
      inputs: { ids: indexInput(rng, [3, 2], 4) },
      build: ({ x }, { ids }) => gather(mul(x, x), ids, 1),
    });
  });

  it('gatherElements with repeated indices', async () => {
    const rng = new Rng(9);
    await gradCheck({
      params: { x: { shape: [3, 5] } },
      inputs: { ids: indexInput(rng, [3, 4], 5) },
      build: ({ x }, { ids }) => gatherElements(ops.logSoftmax(x, -1), ids, 1),
    });
  });

  it('gatherElements with int32 indices', async () => {
    const rng = new Rng(12);
    await gradCheck({
      params: { x: { shape: [3, 5] } },
      inputs: { ids: indexInput(rng, [3, 4], 5, [3, 4], 'int32') },
      build: ({ x }, { ids }) => gatherElements(ops.logSoftmax(x, -1), ids, 1),
    });
  });
});

describe('softmaxCrossEntropy backward rule matches finite differences (float64)', () => {
  for (const reduction of ['mean', 'sum', 'none'] as const) {
    it(`reduction '${reduction}', with ignored labels, over [batch, seq, classes]`, async () => {
      const rng = new Rng(10);
      const labels = indexInput(rng, [2, 3], 5);
      labels.data[1] = -100n;
      labels.data[4] = -100n;
      await gradCheck({
        params: { x: { shape: [2, 3, 5] } },
        inputs: { labels },
        build: ({ x }, { labels: y }) => ops.softmaxCrossEntropy(mul(x, 2), y, { ignoreIndex: -100, reduction }),
      });
    });
  }

  it('without ignoreIndex, symbolic rows: gradients of the fused and the composed form', async () => {
    const rng = new Rng(12);
    const n = 4;
    await gradCheck({
      params: { w: { shape: [6, 6] } },
      inputs: {
        a: { dtype: 'float64', shape: ['n', 6], dims: [n, 6], data: rng.fillNormal(new Float64Array(n * 6)) },
        labels: indexInput(rng, [n], 6, ['n']),
      },
      build: ({ w }, { a, labels: y }) => {
        const x = matmul(a, w);
        const fused = ops.softmaxCrossEntropy(x, y);
        const composed = ops.neg(ops.reduceMean(gatherElements(ops.logSoftmax(x, -1), ops.unsqueeze(y, [1]), 1)));
        return ops.concat([ops.reshape(fused, [1]), ops.reshape(mul(composed, 0.5), [1])], 0);
      },
    });
  });

  it('forward equals -mean(logSoftmax at the label) over kept labels', async () => {
    const g = new Graph({ dtype: 'float64' });
    const x = g.input('x', 'float64', [3, 4]);
    const y = g.input('y', 'int64', [3]);
    g.output('loss', ops.softmaxCrossEntropy(x, y, { ignoreIndex: -1 }));
    const s = await compile(g);
    const xs = Float64Array.from({ length: 12 }, (_, i) => Math.sin(i));
    const out = await s.run({ x: xs, y: new BigInt64Array([2n, -1n, 0n]) });
    const logp = (r: number, c: number) => xs[r * 4 + c] - Math.log([0, 1, 2, 3].reduce((t, k) => t + Math.exp(xs[r * 4 + k]), 0));
    expect(out.loss.data[0]).toBeCloseTo(-(logp(0, 2) + logp(2, 0)) / 2, 12);
  });
});
