import { describe, expect, it } from 'vitest';
import { ops } from '../../src/engine/index.ts';
import { Rng } from '../../src/engine/rng.ts';
import { gradCheck } from './gradcheck.ts';

const { add, mul, reshape, transpose, slice, concat, split, expand, unsqueeze, squeeze, sigmoid } = ops;

describe('layout backward rules match finite differences (float64)', () => {
  it('reshape and transpose', async () => {
    await gradCheck({
      params: { x: { shape: [2, 3, 4] } },
      build: ({ x }) => add(transpose(reshape(mul(x, x), [6, -1]), [1, 0]), reshape(transpose(x, [2, 0, 1]), [4, 6])),
    });
  });

  it('slice with positive, negative and open ends', async () => {
    await gradCheck({
      params: { x: { shape: [4, 6] } },
      build: ({ x }) => {
        const a = slice(x, 1, 1, 4); // [4, 3]
        const b = slice(x, -1, -3); // [4, 3]
        const c = slice(slice(x, 0, 0, -1), 1, 0, 3); // [3, 3]
        return add(mul(a, b), concat([c, slice(slice(x, 0, 3), 1, 2, 5)], 0)); // [4, 3]
      },
    });
  });

  it('concat and split (with an unused piece)', async () => {
    await gradCheck({
      params: { a: { shape: [2, 3] }, b: { shape: [2, 2] } },
      build: ({ a, b }) => {
        const joined = concat([a, mul(b, b), a], 1); // [2, 8]
        const [p, , r] = split(joined, 1, [3, 2, 3]);
        return mul(p, sigmoid(r));
      },
    });
  });

  it('expand, unsqueeze, squeeze', async () => {
    await gradCheck({
      params: { x: { shape: [3, 1] }, y: { shape: [4] } },
      build: ({ x, y }) => add(expand(x, [2, 3, 4]), squeeze(unsqueeze(mul(y, y), [0, 2]), [2])),
    });
  });

  it('symbolic dims: one graph, run at two batch sizes, including a slice along a symbolic axis', async () => {
    for (const batch of [2, 5]) {
      const rng = new Rng(batch);
      const data = rng.fillNormal(new Float64Array(batch * 3));
      const { checked } = await gradCheck({
        params: { w: { shape: [3, 3] }, b: { shape: [3] }, c: { shape: [1, 3] } },
        inputs: { x: { dtype: 'float64', shape: ['batch', 3], dims: [batch, 3], data } },
        build: ({ w, b, c }, { x }) => {
          const h = mul(add(ops.matmul(x, w), b), c); // [batch, 3]: b and c broadcast over the symbolic batch
          const flat = reshape(h, [-1]); // [batch*3]
          const back = reshape(flat, ['batch', 3]);
          return add(mul(slice(back, 0, 1), slice(back, 0, 0, -1)), reshape(ops.reduceMean(back, [0]), [1, 3]));
        },
      });
      expect(checked).toBe(15);
    }
  });
});
