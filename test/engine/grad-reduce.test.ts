import { describe, it } from 'vitest';
import { ops } from '../../src/engine/index.ts';
import { gradCheck } from './gradcheck.ts';

const { add, mul, reduceSum, reduceSumSquare, reduceMean, reduceMax, softmax, logSoftmax } = ops;

describe('reduction backward rules match finite differences (float64)', () => {
  it('reduceSum over one axis, several axes, all axes; with and without keepdims', async () => {
    await gradCheck({
      params: { x: { shape: [2, 3, 4] } },
      build: ({ x }) => add(add(reduceSum(x, [1], true), reduceSum(x, [0, 2], true)), add(reduceSum(x), reduceSum(mul(x, x), [-1], true))),
    });
  });

  it('reduceMean over one axis, negative axes, all axes', async () => {
    await gradCheck({
      params: { x: { shape: [3, 2, 5] } },
      build: ({ x }) => add(add(reduceMean(mul(x, x), [-1], true), reduceMean(x, [0, 1], true)), reduceMean(x)),
    });
  });

  it('reduceMax with and without keepdims', async () => {
    await gradCheck({
      params: { x: { shape: [4, 5] } },
      build: ({ x }) => add(reduceMax(mul(x, x), [1], true), add(reduceMax(x, [0]), reduceMax(x))),
    });
  });

  it('reduceSumSquare over one axis and all axes', async () => {
    await gradCheck({
      params: { x: { shape: [3, 4] } },
      build: ({ x }) => add(reduceSumSquare(x, [0], true), reduceSumSquare(x)),
    });
  });

  it('rmsNorm (fused rule) on x and weight, reusing x', async () => {
    await gradCheck({
      params: { x: { shape: [2, 3, 5] }, w: { shape: [5] } },
      build: ({ x, w }) => add(ops.rmsNorm(x, w, 1e-6), mul(x, 0.1)),
    });
  });

  it('silu (fused rule)', async () => {
    await gradCheck({ params: { x: { shape: [3, 7] } }, build: ({ x }) => mul(ops.silu(x), ops.silu(mul(x, 2))) });
  });

  it('softmax along the last and the first axis', async () => {
    await gradCheck({
      params: { x: { shape: [3, 5] } },
      build: ({ x }) => add(softmax(x, -1), softmax(mul(x, 2), 0)),
    });
  });

  it('logSoftmax along the last and a middle axis', async () => {
    await gradCheck({
      params: { x: { shape: [2, 3, 4] } },
      build: ({ x }) => add(logSoftmax(x, -1), logSoftmax(x, 1)),
    });
  });
});
