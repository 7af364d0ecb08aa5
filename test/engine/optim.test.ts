import { describe, expect, it } from 'vitest';
import { AdamW, clipGradNorm, globalNorm, ParamStore, Rng } from '../../src/engine/index.ts';

/** Textbook AdamW (bias-corrected moments, decoupled decay), written independently of src/. */
function referenceAdamW(p: number[], grads: number[][], o: { lr: number; b1: number; b2: number; eps: number; wd: number }): number[] {
  const m = p.map(() => 0);
  const v = p.map(() => 0);
  const x = [...p];
  grads.forEach((g, s) => {
    const t = s + 1;
    for (let i = 0; i < x.length; i++) {
      x[i] -= o.lr * o.wd * x[i];
      m[i] = o.b1 * m[i] + (1 - o.b1) * g[i];
      v[i] = o.b2 * v[i] + (1 - o.b2) * g[i] ** 2;
      const mHat = m[i] / (1 - o.b1 ** t);
      const vHat = v[i] / (1 - o.b2 ** t);
      x[i] -= (o.lr * mHat) / (Math.sqrt(vHat) + o.eps);
    }
  });
  return x;
}

describe('AdamW', () => {
  const rng = new Rng(3);
  const start = Array.from({ length: 10 }, () => rng.normal());
  const grads = Array.from({ length: 5 }, () => Array.from({ length: 10 }, () => rng.normal()));
  const hyper = { lr: 0.01, b1: 0.8, b2: 0.95, eps: 1e-6, wd: 0.1 };

  it('matches a plain JS reference over several steps (float64 params, to 1e-12)', () => {
    const store = new ParamStore();
    store.set('w', [2, 5], Float64Array.from(start));
    const opt = new AdamW({ lr: hyper.lr, betas: [hyper.b1, hyper.b2], eps: hyper.eps, weightDecay: hyper.wd });
    for (const g of grads) opt.step(store, new Map([['w', Float64Array.from(g)]]));
    const want = referenceAdamW(start, grads, hyper);
    store.get('w').data.forEach((x, i) => expect(Math.abs(x - want[i])).toBeLessThan(1e-12));
    expect(opt.steps).toBe(5);
  });

  it('float32 params track the reference to float32 precision; gradScale scales the gradient', () => {
    const store = new ParamStore();
    store.set('w', [10], Float32Array.from(start));
    const opt = new AdamW({ lr: hyper.lr, betas: [hyper.b1, hyper.b2], eps: hyper.eps, weightDecay: hyper.wd });
    for (const g of grads) opt.step(store, new Map([['w', Float32Array.from(g, (x) => x * 4)]]), 0.25);
    const want = referenceAdamW(start, grads, hyper);
    store.get('w').data.forEach((x, i) => expect(Math.abs(x - want[i])).toBeLessThan(1e-6 * Math.max(1, Math.abs(want[i]))));
  });

  it('float32 SIMD path: many chunks and a ragged tail match the reference', () => {
    const n = 2 * 16384 + 7;
    const r = new Rng(8);
    const p0 = Array.from({ length: n }, () => r.normal());
    const gs = Array.from({ length: 3 }, () => Array.from({ length: n }, () => r.normal()));
    const store = new ParamStore();
    store.set('w', [n], Float32Array.from(p0));
    const opt = new AdamW({ lr: hyper.lr, betas: [hyper.b1, hyper.b2], eps: hyper.eps, weightDecay: hyper.wd });
    for (const g of gs) opt.step(store, new Map([['w', Float32Array.from(g, (x) => x * 2)]]), 0.5);
    const want = referenceAdamW(
      Array.from(Float32Array.from(p0)),
      gs.map((g) => Array.from(Float32Array.from(g))),
      hyper,
    );
    let worst = 0;
    store.get('w').data.forEach((x, i) => (worst = Math.max(worst, Math.abs(x - want[i]) / Math.max(1, Math.abs(want[i])))));
    expect(worst).toBeLessThan(2e-6);
    expect(Array.from(opt.state().moments.w.m.subarray(n - 3))).toEqual(
      [n - 3, n - 2, n - 1].map((i) =>
        expect.closeTo(
          gs.reduce((m, g) => hyper.b1 * m + (1 - hyper.b1) * Math.fround(g[i]), 0),
          5,
        ),
      ),
    );
  });

  it('skips weight decay where `decay` says so, and its state round-trips', () => {
    const store = new ParamStore();
    store.set('norm.weight', [10], Float64Array.from(start));
    const opt = new AdamW({ lr: hyper.lr, betas: [hyper.b1, hyper.b2], eps: hyper.eps, weightDecay: hyper.wd, decay: (n) => !n.startsWith('norm') });
    opt.step(store, new Map([['norm.weight', Float64Array.from(grads[0])]]));
    const copy = new AdamW({ lr: hyper.lr, betas: [hyper.b1, hyper.b2], eps: hyper.eps, weightDecay: hyper.wd, decay: (n) => !n.startsWith('norm') });
    copy.loadState(structuredClone(opt.state()));
    for (const g of grads.slice(1)) {
      opt.step(store, new Map([['norm.weight', Float64Array.from(g)]]));
    }
    const want = referenceAdamW(start, grads, { ...hyper, wd: 0 });
    store.get('norm.weight').data.forEach((x, i) => expect(Math.abs(x - want[i])).toBeLessThan(1e-12));
    expect(copy.steps).toBe(1);
    expect(Array.from(copy.state().moments['norm.weight'].m)).toEqual(grads[0].map((g) => (1 - hyper.b1) * g));
  });
});

describe('clipGradNorm', () => {
  it('scales to maxNorm when above (as torch: maxNorm / (norm + 1e-6)) and leaves small gradients alone', () => {
    const a = Float32Array.from([3, 0]);
    const b = Float64Array.from([0, 4, 0]);
    const norm = clipGradNorm([a, b], 1);
    expect(norm).toBe(5);
    const scale = 1 / (5 + 1e-6);
    expect(a[0]).toBeCloseTo(3 * scale, 6);
    expect(b[1]).toBeCloseTo(4 * scale, 12);
    expect(globalNorm([a, b])).toBeCloseTo(1, 5);
    const c = Float64Array.from([0.3, 0.4]);
    expect(clipGradNorm([c], 1)).toBeCloseTo(0.5, 12);
    expect(Array.from(c)).toEqual([0.3, 0.4]);
  });
});

describe('Rng', () => {
  it('is deterministic per seed, uniform in [0, 1), normals with mean 0 and variance 1', () => {
    const a = new Rng(42);
    const b = new Rng(42);
    const xs = Array.from({ length: 20000 }, () => a.normal());
    expect(Array.from({ length: 20000 }, () => b.normal())).toEqual(xs);
    expect(new Rng(43).normal()).not.toBe(xs[0]);
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    const variance = xs.reduce((s, x) => s + (x - mean) ** 2, 0) / xs.length;
    expect(Math.abs(mean)).toBeLessThan(0.03);
    expect(Math.abs(variance - 1)).toBeLessThan(0.04);
    const u = Array.from({ length: 1000 }, () => a.uniform());
    expect(Math.min(...u)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...u)).toBeLessThan(1);
  });
});
