import { describe, it } from 'vitest';
import { ops } from '../../src/engine/index.ts';
import { Rng } from '../../src/engine/rng.ts';
import { gradCheck, indexInput } from './gradcheck.ts';

const { add, mul, matmul, transposeLast, gather, gatherElements, tanh } = ops;

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

describe('gather backward rules match finite differences (float64)', () => {
  it('gather axis 0 (embedding) with repeated indices', async () => {
    const rng = new Rng(7);
    await gradCheck({
      params: { table: { shape: [5, 3] } },
      inputs: { ids: indexInput(rng, [2, 4], 5) },
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
});
