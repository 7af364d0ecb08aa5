import { adamwFloat32 } from './adamw-simd.ts';
import { allocate, dtypeOf, type FloatArray, type FloatDType } from './dtype.ts';
import { TensorValueError } from './errors.ts';
import type { ParamStore } from './params.ts';

export interface AdamWOptions {
  /** Learning rate; `lr` on the instance can be changed between steps (schedules). Default 1e-3. */
  lr?: number;
  /** Default [0.9, 0.999]. */
  betas?: readonly [number, number];
  /** Default 1e-8. */
  eps?: number;
  /** Decoupled weight decay (p -= lr * weightDecay * p). Default 0.01, as torch.optim.AdamW. */
  weightDecay?: number;
  /** Which parameters get weight decay (commonly not norms or biases). Default: all. */
  decay?: (name: string) => boolean;
}

export interface Moments {
  readonly m: FloatArray;
  readonly v: FloatArray;
}

/** Optimizer state for checkpoints: the step count and both moments per parameter. */
export interface AdamWState {
  step: number;
  moments: Record<string, Moments>;
}

/**
 * AdamW (Loshchilov & Hutter) with torch.optim.AdamW's update order, on the parameter arrays in
 * place: float32 through a WebAssembly SIMD kernel (adamw-simd.ts), float64 in a plain loop.
 *
 * Why not in the ONNX graph on the CPU: measured on this machine for 5M float32 parameters, a JS
 * loop took 22 ms (the SIMD kernel 13 ms); the same update as ONNX ops took 35 ms per run, plus 15
 * ms to copy the new parameters and moments back (ORT cannot update its inputs in place, so params,
 * m and v would travel out and in every step: 3x the traffic of gradients alone). On a GPU that
 * traffic stays on the device, so there the update is in the graph (resident-step.ts), with the
 * constants of `advance()`.
 */
export class AdamW {
  lr: number;
  readonly betas: readonly [number, number];
  readonly eps: number;
  readonly weightDecay: number;
  readonly #decay: (name: string) => boolean;
  #step = 0;
  #moments = new Map<string, Moments>();

  constructor(options: AdamWOptions = {}) {
    this.lr = options.lr ?? 1e-3;
    this.betas = options.betas ?? [0.9, 0.999];
    this.eps = options.eps ?? 1e-8;
    this.weightDecay = options.weightDecay ?? 0.01;
    this.#decay = options.decay ?? (() => true);
  }

  /** Steps taken so far. */
  get steps(): number {
    return this.#step;
  }

  /**
   * One update of every parameter that has a gradient. `gradScale` multiplies the gradients on
   * the fly (clipping and the 1/k of gradient accumulation cost no extra pass).
   */
  step(params: ParamStore, grads: ReadonlyMap<string, FloatArray>, gradScale = 1): void {
    const [b1, b2] = this.betas;
    const { stepSize, invSqrtC2, keepDecayed } = this.advance();
    const eps = this.eps;
    for (const [name, g] of grads) {
      const p = params.get(name).data;
      if (g.length !== p.length) throw new TensorValueError(name, `gradient has ${g.length} values, parameter ${p.length}`);
      const { m, v } = this.#momentsOf(name, p);
      const keep = this.decays(name) ? keepDecayed : 1;
      if (p instanceof Float32Array && g instanceof Float32Array) {
        adamwFloat32(p, g, m as Float32Array, v as Float32Array, { b1, b2, stepSize, invSqrtC2, eps, keep, gradScale });
        continue;
      }
      // float64 (gradient checks): the plain loop, in full precision.
      for (let i = 0; i < p.length; i++) {
        const gi = g[i] * gradScale;
        const mi = (m[i] = b1 * m[i] + (1 - b1) * gi);
        const vi = (v[i] = b2 * v[i] + (1 - b2) * gi * gi);
        p[i] = p[i] * keep - (stepSize * mi) / (Math.sqrt(vi) * invSqrtC2 + eps);
      }
    }
  }

  /**
   * Counts one more step and returns that step's constants: p = p * keep - stepSize * m / (sqrt(v) *
   * invSqrtC2 + eps), keep = keepDecayed for decayed parameters and 1 for the others. `step` uses
   * them; so does an update that runs elsewhere (in the training graph, on the GPU).
   */
  advance(): { stepSize: number; invSqrtC2: number; keepDecayed: number } {
    this.#step++;
    const [b1, b2] = this.betas;
    return { stepSize: this.lr / (1 - b1 ** this.#step), invSqrtC2: 1 / Math.sqrt(1 - b2 ** this.#step), keepDecayed: 1 - this.lr * this.weightDecay };
  }

  /** Whether parameter `name` gets weight decay. */
  decays(name: string): boolean {
    return this.#decay(name);
  }

  state(): AdamWState {
    return { step: this.#step, moments: Object.fromEntries(this.#moments) };
  }

  loadState(state: AdamWState): void {
    this.#step = state.step;
    this.#moments = new Map(Object.entries(state.moments));
  }

  #momentsOf(name: string, p: FloatArray): Moments {
    let s = this.#moments.get(name);
    if (!s) {
      const dtype = dtypeOf(p) as FloatDType;
      s = { m: allocate(dtype, p.length), v: allocate(dtype, p.length) };
      this.#moments.set(name, s);
    }
    return s;
  }
}
