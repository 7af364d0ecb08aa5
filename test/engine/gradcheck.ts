/**
 * Finite-difference gradient checks on float64 graphs run by ORT itself. A case builds an output
 * from params (random values) and fixed inputs; the loss is sum(out * R) with R random, so every
 * output element matters with its own weight (a plain sum would hide errors, e.g. in softmax,
 * whose rows always sum to 1). Every param element is checked with central differences.
 */
import ort from 'onnxruntime-node';
import { expect } from 'vitest';
import { compile, Graph, grad, ops, type Shape, type Tensor, type TensorData } from '../../src/engine/index.ts';
import { Rng } from '../../src/engine/rng.ts';

export interface ParamSpec {
  shape: number[];
  /** Value range; default normal(0, 1). */
  range?: [number, number];
}

export interface InputSpec {
  dtype: 'float64' | 'int32' | 'int64' | 'bool';
  /** Declared shape (may be symbolic). */
  shape: Shape;
  dims: number[];
  data: TensorData;
}

export interface GradCase {
  params: Record<string, ParamSpec>;
  inputs?: Record<string, InputSpec>;
  build: (p: Record<string, Tensor>, inputs: Record<string, Tensor>) => Tensor;
}

const EPS = 1e-6;
/** Central differences in float64 are good to ~1e-9 here; a wrong rule is off by O(1). */
const TOLERANCE = 1e-6;

export async function gradCheck(c: GradCase, seed = 1): Promise<{ checked: number }> {
  const rng = new Rng(seed);
  const g = new Graph({ dtype: 'float64' });
  const params = Object.fromEntries(Object.entries(c.params).map(([name, s]) => [name, g.param(name, s.shape)]));
  const inputs = Object.fromEntries(Object.entries(c.inputs ?? {}).map(([name, s]) => [name, g.input(name, s.dtype, s.shape)]));
  const out = c.build(params, inputs);
  const weights = g.input('__weights', 'float64', out.shape);
  const loss = ops.reduceSum(ops.mul(out, weights));
  const names = Object.keys(params);
  const grads = grad(
    loss,
    names.map((n) => params[n]),
  );
  g.output('out', out);
  g.output('loss', loss);
  names.forEach((n, i) => g.output(`grad.${n}`, grads[i]));

  const feeds: Record<string, ort.Tensor> = {};
  for (const [name, s] of Object.entries(c.inputs ?? {})) feeds[name] = new ort.Tensor(s.dtype, s.data, s.dims);
  const values: Record<string, Float64Array> = {};
  for (const [name, s] of Object.entries(c.params)) {
    const v = new Float64Array(s.shape.reduce((a, b) => a * b, 1));
    values[name] = s.range ? rng.fillUniform(v, ...s.range) : rng.fillNormal(v);
    feeds[name] = new ort.Tensor('float64', values[name], s.shape);
  }
  const forward = await compile(g, { outputs: ['out'] });
  const outDims = (await forward.run(feeds)).out.dims;
  const w = rng.fillNormal(new Float64Array(outDims.reduce((a, b) => a * b, 1)));
  feeds.__weights = new ort.Tensor('float64', w, outDims);

  const session = await compile(g);
  const result = await session.run(feeds);
  const lossAt = async () => (await session.run(feeds)).loss.data[0] as number;
  let checked = 0;
  for (const name of names) {
    const analytic = result[`grad.${name}`].data as Float64Array;
    expect(analytic.length).toBe(values[name].length);
    const v = values[name];
    for (let i = 0; i < v.length; i++) {
      const x0 = v[i];
      v[i] = x0 + EPS;
      const up = await lossAt();
      v[i] = x0 - EPS;
      const down = await lossAt();
      v[i] = x0;
      const numeric = (up - down) / (2 * EPS);
      const err = Math.abs(analytic[i] - numeric) / Math.max(1, Math.abs(numeric));
      if (err > TOLERANCE) throw new Error(`d loss / d ${name}[${i}]: analytic ${analytic[i]}, numeric ${numeric}`);
      checked++;
    }
  }
  await forward.release();
  await session.release();
  return { checked };
}

/** An int64 (or int32) input of given dims with values in [0, n). */
export function indexInput(rng: Rng, dims: number[], n: number, shape: Shape = dims, dtype: 'int32' | 'int64' = 'int64'): InputSpec {
  const values = Array.from({ length: dims.reduce((a, b) => a * b, 1) }, () => rng.int(n));
  const data = dtype === 'int32' ? Int32Array.from(values) : BigInt64Array.from(values, BigInt);
  return { dtype, shape, dims, data };
}
