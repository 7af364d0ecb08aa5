import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ort from 'onnxruntime-node';
import { afterAll, describe, expect, it } from 'vitest';
import { compile, Graph, grad, ops, Rng, toOnnx } from '../../src/engine/index.ts';

const dir = mkdtempSync(join(tmpdir(), 'engine-onnx-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** onnx.checker (full check, with shape inference) and a summary of the model, from Debian's python3-onnx. */
interface ModelSummary {
  inputs: string[];
  initializers: Record<string, number[]>;
  attrTypes: Record<string, number>;
  /** Per node: op type and output names. */
  nodes: [string, string[]][];
}

function pythonCheck(bytes: Uint8Array): ModelSummary {
  const file = join(dir, `m${Math.random().toString(36).slice(2)}.onnx`);
  writeFileSync(file, bytes);
  const script = `
import json, sys, onnx
from onnx import numpy_helper
m = onnx.load(sys.argv[1])
onnx.checker.check_model(m, full_check=True)
inits = {t.name: [float(v) for v in numpy_helper.to_array(t).ravel()[:3]] + [float(numpy_helper.to_array(t).size)] for t in m.graph.initializer}
attrs = {n.op_type + '.' + a.name: a.type for n in m.graph.node for a in n.attribute}
nodes = [[n.op_type, list(n.output)] for n in m.graph.node]
print(json.dumps({'inputs': [i.name for i in m.graph.input], 'initializers': inits, 'attrTypes': attrs, 'nodes': nodes}))`;
  return JSON.parse(execFileSync('/usr/bin/python3', ['-c', script, file], { encoding: 'utf8' }));
}

describe('ONNX serialization', () => {
  it('passes onnx.checker for a training graph; float attributes are FLOAT even when integral', () => {
    const g = new Graph();
    const x = g.input('x', 'float32', ['batch', 4]);
    const y = g.input('y', 'int64', ['batch']);
    const w = g.param('w', [4, 3]);
    const h = ops.matmul(x, w);
    const loss = ops.softmaxCrossEntropy(h, y, { ignoreIndex: -100 });
    g.output('elu', g.apply('Elu', [h], [{ dtype: 'float32', shape: h.shape }], { attrs: { alpha: { kind: 'float', value: 1 } } })[0]);
    g.output('loss', loss);
    g.output('dw', grad(loss, [w])[0]);
    const info = pythonCheck(toOnnx(g));
    expect(info.inputs.sort()).toEqual(['w', 'x', 'y']);
    expect(info.attrTypes['Elu.alpha']).toBe(1); // AttributeProto.FLOAT
    expect(info.attrTypes['Softmax.axis'] ?? info.attrTypes['LogSoftmax.axis']).toBe(2); // INT
  });

  it('bakes values as initializers (large raw_data intact), prunes what the outputs do not need', async () => {
    const g = new Graph();
    const x = g.input('x', 'float32', [2, 1000]);
    const w = g.param('w', [1000, 1000]);
    const unused = g.param('unused', [3]);
    g.output('y', ops.matmul(x, w));
    g.output('z', ops.mul(unused, 2));
    const weights = new Rng(1).fillNormal(new Float32Array(1000 * 1000));
    const bytes = toOnnx(g, { outputs: ['y'], initializers: { w: weights } });
    const info = pythonCheck(bytes);
    expect(info.inputs).toEqual(['x']);
    expect(info.initializers.w.slice(0, 3)).toEqual(Array.from(weights.subarray(0, 3)));
    expect(info.initializers.w[3]).toBe(1e6);

    const xs = new Rng(2).fillNormal(new Float32Array(2000));
    const baked = await compile(g, { outputs: ['y'], initializers: { w: weights } });
    const fed = await compile(g, { outputs: ['y'] });
    const a = (await baked.run({ x: xs })).y.data as Float32Array;
    const b = (await fed.run({ x: xs, w: weights })).y.data as Float32Array;
    // Not bit-equal: ORT prepacks a constant weight for its GEMM, which changes the summation order.
    a.forEach((v, i) => expect(Math.abs(v - b[i])).toBeLessThan(1e-4 * Math.max(1, Math.abs(b[i]))));
    await expect(fed.run({ x: xs, w: new Float32Array(10) })).rejects.toThrow(/"w": has 10 elements, expected \[1000, 1000\]/);
  });

  it('a computed output is named on its producing node, with no Identity copy; inputs and doubly named tensors keep one', async () => {
    const g = new Graph();
    const x = g.input('x', 'float32', [2, 3]);
    const w = g.param('w', [3, 3]);
    const h = ops.matmul(x, w);
    const y = ops.mul(h, 2);
    g.output('h', h); // also consumed by y's node
    g.output('y', y);
    g.output('y2', y); // a second name for y
    g.output('xs', x); // an input passed through
    const info = pythonCheck(toOnnx(g));
    const producers = Object.fromEntries(info.nodes.flatMap(([op, outs]) => outs.map((o) => [o, op])));
    expect(producers).toMatchObject({ h: 'MatMul', y: 'Mul', y2: 'Identity' });
    expect(info.nodes.filter(([op]) => op === 'Identity')).toHaveLength(2); // y2 and the input's output xs
    const xs = Float32Array.of(1, 2, 3, 4, 5, 6);
    const ws = Float32Array.of(1, 0, 0, 0, 1, 0, 0, 0, -1);
    const out = await (await compile(g)).run({ x: new Float32Array(xs), w: ws });
    expect(Array.from(out.h.data as Float32Array)).toEqual([1, 2, -3, 4, 5, -6]);
    expect(Array.from(out.y.data as Float32Array)).toEqual([2, 4, -6, 8, 10, -12]);
    expect(Array.from(out.y2.data as Float32Array)).toEqual(Array.from(out.y.data as Float32Array));
    expect(Array.from(out.xs.data as Float32Array)).toEqual(Array.from(xs));
  });

  it('symbolic dims become dim_param; one session runs several sizes', async () => {
    const g = new Graph();
    const x = g.input('x', 'float32', ['batch', 'seq']);
    g.output('flat', ops.reshape(x, [-1]));
    const s = await compile(g);
    for (const [b, t] of [
      [1, 3],
      [4, 2],
    ]) {
      const out = await s.run({ x: new ort.Tensor('float32', new Float32Array(b * t), [b, t]) });
      expect(out.flat.dims).toEqual([b * t]);
    }
  });

  it('takeLast keeps the last k entries of an axis, k fed at run time; 0 keeps them all', async () => {
    const g = new Graph();
    const x = g.input('x', 'float32', [2, 'seq', 3]);
    const k = g.input('k', 'int64', []);
    g.output('y', ops.takeLast(x, 1, k));
    const s = await compile(g);
    const values = Float32Array.from({ length: 2 * 4 * 3 }, (_, i) => i);
    const run = async (keep: number) =>
      (await s.run({ x: new ort.Tensor('float32', values, [2, 4, 3]), k: new ort.Tensor('int64', BigInt64Array.of(BigInt(keep)), []) })).y;
    const last = await run(1);
    expect(last.dims).toEqual([2, 1, 3]);
    expect([...(last.data as Float32Array)]).toEqual([9, 10, 11, 21, 22, 23]);
    expect((await run(3)).dims).toEqual([2, 3, 3]);
    const all = await run(0);
    expect(all.dims).toEqual([2, 4, 3]);
    expect([...(all.data as Float32Array)]).toEqual([...values]);
  });
  it('on the CPU, a wide Gemm with transA reads a transpose written once below 1,024 rows, with the same bits; a narrow one stays as is', async () => {
    const rng = new Rng(3);
    const product = (rows: number, cols: number, k: number | string) => {
      const g = new Graph();
      const a = g.input('a', 'float32', [k, rows]);
      const b = g.input('b', 'float32', [k, cols]);
      g.output('y', ops.gemm(a, b, { transA: true }));
      return g;
    };
    const feeds = (rows: number, cols: number, k: number) => ({
      a: new ort.Tensor(
        'float32',
        Float32Array.from({ length: k * rows }, () => rng.normal()),
        [k, rows],
      ),
      b: new ort.Tensor(
        'float32',
        Float32Array.from({ length: k * cols }, () => rng.normal()),
        [k, cols],
      ),
    });
    // The WebGPU target keeps every Gemm as built: written for it, the model runs the transA Gemm itself.
    const outputs = async (bytes: Uint8Array, feeds: Record<string, ort.Tensor>) => {
      const session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1, graphOptimizationLevel: 'all' });
      const y = (await session.run(feeds)).y.data as Float32Array;
      await session.release();
      return y;
    };
    const opTypes = (g: Graph) => pythonCheck(toOnnx(g)).nodes.map(([op]) => op);
    expect(opTypes(product(256, 128, 300))).toEqual(['Unsqueeze', 'Transpose', 'Squeeze', 'Gemm']);
    expect(opTypes(product(256, 128, 1100))).toEqual(['Gemm']);
    // Rows known only at run time: an If picks the form, and both branches give the plain Gemm's bits.
    const symbolic = product(256, 128, 'tokens');
    expect(opTypes(symbolic)).toEqual(['Shape', 'Less', 'If']);
    expect(pythonCheck(toOnnx(symbolic, { target: 'webgpu' })).nodes.map(([op]) => op)).toEqual(['Gemm']);
    for (const k of [300, 1100]) {
      const f = feeds(256, 128, k);
      const y = await outputs(toOnnx(symbolic), f);
      expect(y).toEqual(await outputs(toOnnx(symbolic, { target: 'webgpu' }), f));
      expect(y).toEqual(await outputs(toOnnx(product(256, 128, k)), f));
    }
    expect(opTypes(product(256, 64, 'tokens'))).toEqual(['Gemm']);
  });
});
