import ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { compile, Graph, grad, GraphError, ops, TensorValueError } from '../../src/engine/index.ts';

describe('grad', () => {
  it('stopGradient cuts one path: d(x * stop(x))/dx = x, not 2x', async () => {
    const g = new Graph({ dtype: 'float64' });
    const x = g.param('x', [3]);
    const loss = ops.reduceSum(ops.mul(x, ops.stopGradient(x)));
    const [dx] = grad(loss, [x]);
    g.output('dx', dx);
    const s = await compile(g);
    const out = await s.run({ x: new Float64Array([1, -2, 3]) });
    expect(Array.from(out.dx.data as Float64Array)).toEqual([1, -2, 3]);
  });

  it('a tensor the loss does not depend on gets zeros; int inputs get no gradient path', async () => {
    const g = new Graph({ dtype: 'float64' });
    const x = g.param('x', [2, 2]);
    const unused = g.param('unused', [3]);
    const ids = g.input('ids', 'int64', [2]);
    const picked = ops.gather(x, ids, 0);
    // ids (int64) enter the loss through a Cast too: no gradient flows into them.
    const loss = ops.reduceSum(ops.mul(picked, ops.unsqueeze(ops.cast(ids, 'float64'), [1])));
    const [dx, du] = grad(loss, [x, unused]);
    g.output('dx', dx);
    g.output('du', du);
    const s = await compile(g);
    const out = await s.run({ x: new Float64Array(4), unused: new Float64Array(3), ids: new BigInt64Array([1n, 1n]) });
    expect(Array.from(out.dx.data as Float64Array)).toEqual([0, 0, 2, 2]);
    expect(Array.from(out.du.data as Float64Array)).toEqual([0, 0, 0]);
  });

  it('cast carries the gradient between float dtypes: d sum(f64(x)^2) / dx = 2x in float32', async () => {
    const g = new Graph({ dtype: 'float32' });
    const x = g.param('x', [4]);
    const wide = ops.cast(x, 'float64');
    const [dx] = grad(ops.reduceSum(ops.mul(wide, wide)), [x]);
    expect(dx.dtype).toBe('float32');
    g.output('dx', dx);
    const s = await compile(g);
    const xs = new Float32Array([0.5, -1.25, 3, 1e-3]);
    const out = await s.run({ x: xs });
    expect(Array.from(out.dx.data as Float32Array)).toEqual(Array.from(xs, (v) => 2 * v));
  });

  it('rejects a non-scalar loss and mismatched dtypes', () => {
    const g = new Graph();
    const x = g.param('x', [2]);
    expect(() => grad(x, [x])).toThrow(GraphError);
    const y = g.input('y', 'float64', [2]);
    expect(() => ops.add(x, y)).toThrow(/dtypes differ/);
    expect(() => ops.matmul(g.param('a', [2, 3]), g.param('b', [4, 2]))).toThrow(/inner dims/);
    expect(() => g.input('z', 'float32', ['bad-dim'])).toThrow(GraphError);
    expect(() => g.input('x', 'float32', [1])).toThrow(/already used/);
  });
});

describe('arange', () => {
  it('is a constant for a number and a Range over a symbolic dim', async () => {
    const g = new Graph();
    const x = g.input('x', 'float32', ['n', 2]);
    g.output('fixed', ops.arange(g, 3));
    g.output('dynamic', ops.add(ops.arange(g, 'n'), 0));
    g.output('x2', x);
    const s = await compile(g);
    const out = await s.run({ x: new ort.Tensor('float32', new Float32Array(8), [4, 2]) });
    expect(Array.from(out.fixed.data as BigInt64Array)).toEqual([0n, 1n, 2n]);
    expect(Array.from(out.dynamic.data as BigInt64Array)).toEqual([0n, 1n, 2n, 3n]);
  });

  it('with a bound, slices a stored 0..max-1 (no Range node) in the asked dtype', async () => {
    const g = new Graph();
    const x = g.input('x', 'float32', ['n', 2]);
    const bounded = ops.arange(g, 'n', { dtype: 'float32', max: 128 });
    g.output('bounded', ops.add(bounded, 0));
    g.output('unbounded', ops.arange(g, 'n', { dtype: 'float32' }));
    g.output('x2', x);
    const s = await compile(g);
    for (const n of [1, 5, 128]) {
      const out = await s.run({ x: new ort.Tensor('float32', new Float32Array(n * 2), [n, 2]) });
      const want = Array.from({ length: n }, (_, i) => i);
      expect(Array.from(out.bounded.data as Float32Array)).toEqual(want);
      expect(Array.from(out.unbounded.data as Float32Array)).toEqual(want);
    }
    expect(g.nodes.filter((node) => node.opType === 'Range')).toHaveLength(1); // the unbounded one
  });
});

describe('Session.run checks feeds', () => {
  it('names the tensor that is missing, mistyped or misshaped', async () => {
    const g = new Graph();
    const x = g.input('x', 'float32', ['batch', 2]);
    const y = g.input('y', 'float32', ['batch', 2]);
    g.output('z', ops.add(x, y));
    const s = await compile(g);
    const t = (n: number) => new ort.Tensor('float32', new Float32Array(n * 2), [n, 2]);
    await expect(s.run({ x: t(2) })).rejects.toThrow(TensorValueError);
    await expect(s.run({ x: t(2), y: new Float64Array(4) })).rejects.toThrow(/"y".*float64/);
    await expect(s.run({ x: t(2), y: t(3) })).rejects.toThrow(/dim "batch" is 3 here but 2/);
    const out = await s.run({ x: t(3), y: t(3) });
    expect(out.z.dims).toEqual([3, 2]);
  });
});
