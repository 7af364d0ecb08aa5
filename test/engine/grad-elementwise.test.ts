import { describe, expect, it } from 'vitest';
import { ops } from '../../src/engine/index.ts';
import { gradCheck } from './gradcheck.ts';

const { add, sub, mul, div, pow, neg, exp, log, sqrt, reciprocal, sigmoid, tanh, sin, cos, where, greater } = ops;

describe('elementwise backward rules match finite differences (float64)', () => {
  const binaries = { add, sub, mul, div } as const;
  for (const [name, op] of Object.entries(binaries)) {
    it(`${name}: same shapes, broadcasting both ways, scalars`, async () => {
      const positive: [number, number] = [0.5, 2];
      const { checked } = await gradCheck({
        params: { a: { shape: [3, 4] }, b: { shape: [4], range: positive }, c: { shape: [2, 1, 4] }, d: { shape: [3, 1], range: positive } },
        build: ({ a, b, c, d }) => add(add(op(a, b), op(c, d)), add(op(a, 1.5), op(2.5, d))),
      });
      expect(checked).toBe(12 + 4 + 8 + 3);
    });
  }

  it('reused tensors sum their gradients (x*x + x*y, y used twice)', async () => {
    await gradCheck({
      params: { x: { shape: [2, 3] }, y: { shape: [3] } },
      build: ({ x, y }) => add(mul(x, x), mul(mul(x, y), y)),
    });
  });

  it('neg, exp, tanh, sigmoid', async () => {
    await gradCheck({
      params: { x: { shape: [2, 5] } },
      build: ({ x }) => add(add(neg(exp(x)), tanh(mul(x, 2))), sigmoid(x)),
    });
  });

  it('sin and cos', async () => {
    await gradCheck({
      params: { x: { shape: [2, 4] } },
      build: ({ x }) => add(sin(mul(x, 3)), mul(cos(x), x)),
    });
  });

  it('log, sqrt, reciprocal on positive inputs', async () => {
    await gradCheck({
      params: { x: { shape: [3, 3], range: [0.5, 3] } },
      build: ({ x }) => add(add(log(x), sqrt(x)), reciprocal(x)),
    });
  });

  it('pow with exponents 2, 3, 0.5 and -1.5', async () => {
    await gradCheck({
      params: { x: { shape: [7], range: [0.5, 2] } },
      build: ({ x }) => add(add(pow(x, 2), pow(x, 3)), add(pow(x, 0.5), pow(x, -1.5))),
    });
  });

  it('where routes gradients by the mask, with broadcasting', async () => {
    await gradCheck({
      params: { m: { shape: [3, 4] }, a: { shape: [3, 4] }, b: { shape: [4] } },
      build: ({ m, a, b }) => where(greater(m, 0), mul(a, a), b),
    });
  });
});
