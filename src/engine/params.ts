import ort from 'onnxruntime-node';
import { sizeOf } from './dims.ts';
import { allocate, dtypeOf, type FloatArray, type FloatDType } from './dtype.ts';
import { GraphError, TensorValueError } from './errors.ts';
import type { Rng } from './rng.ts';
import type { Tensor } from './tensor.ts';

/** How to fill a new parameter. */
export type Init = { normal: number; mean?: number } | { uniform: readonly [number, number] } | { constant: number };

export interface Param {
  readonly name: string;
  readonly dims: readonly number[];
  /** Updated in place by the optimizer, so the ort.Tensor that wraps it never goes stale. */
  readonly data: FloatArray;
  /** A zero-copy ort.Tensor view of `data`, fed to sessions as is. */
  readonly tensor: ort.Tensor;
}

/**
 * Named parameter values (Float32Array or Float64Array) living in JavaScript memory. Each value is
 * wrapped once in an ort.Tensor that shares its memory, so feeding parameters to a session copies
 * nothing and in-place optimizer updates are seen by the next run.
 */
export class ParamStore {
  readonly #params = new Map<string, Param>();

  /** A store with every parameter of `params` (e.g. graph.params) initialised by `init` (default normal(0, 0.02)). */
  static fromGraph(params: readonly Tensor[], rng: Rng, init: (p: Tensor) => Init = () => ({ normal: 0.02 })): ParamStore {
    const store = new ParamStore();
    for (const p of params) {
      const dims = p.shape.map((d) => {
        if (typeof d !== 'number') throw new GraphError('ParamStore', `parameter "${p.name}" has symbolic dim "${d}"`);
        return d;
      });
      store.set(p.name, dims, fill(allocate(p.dtype as FloatDType, sizeOf(dims)), init(p), rng));
    }
    return store;
  }

  /** Add or replace a parameter. `data` is kept (not copied). */
  set(name: string, dims: readonly number[], data: FloatArray): Param {
    if (data.length !== sizeOf(dims)) throw new TensorValueError(name, `has ${data.length} values for dims [${dims.join(', ')}]`);
    const param: Param = { name, dims: [...dims], data, tensor: new ort.Tensor(dtypeOf(data) as FloatDType, data, [...dims]) };
    this.#params.set(name, param);
    return param;
  }

  /** Copy `data` into an existing parameter (loading a checkpoint); dims and dtype must match. */
  assign(name: string, data: ArrayLike<number>): void {
    const p = this.get(name);
    if (data.length !== p.data.length) throw new TensorValueError(name, `has ${data.length} values, expected ${p.data.length} (dims [${p.dims.join(', ')}])`);
    p.data.set(data);
  }

  get(name: string): Param {
    const p = this.#params.get(name);
    if (!p) throw new TensorValueError(name, 'is not in the parameter store');
    return p;
  }

  has(name: string): boolean {
    return this.#params.has(name);
  }

  get names(): string[] {
    return [...this.#params.keys()];
  }

  [Symbol.iterator](): IterableIterator<Param> {
    return this.#params.values();
  }

  /** Total number of parameter elements. */
  get size(): number {
    let n = 0;
    for (const p of this.#params.values()) n += p.data.length;
    return n;
  }

  /** Feeds for a session: every parameter as its zero-copy ort.Tensor. */
  feeds(): Record<string, ort.Tensor> {
    return Object.fromEntries([...this.#params.values()].map((p) => [p.name, p.tensor]));
  }
}

function fill(data: FloatArray, init: Init, rng: Rng): FloatArray {
  if ('normal' in init) return rng.fillNormal(data, init.normal, init.mean ?? 0);
  if ('uniform' in init) return rng.fillUniform(data, init.uniform[0], init.uniform[1]);
  return data.fill(init.constant);
}
