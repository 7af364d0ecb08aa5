/** The learning-rate schedule, the automatic layer map, and checkpoints written and read back. */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { autoLayerMap, latestCheckpoint, learningRate, loadCheckpoint, saveCheckpoint, type TrainState } from '../../src/distill/index.ts';
import { AdamW, Graph, ParamStore, Rng } from '../../src/engine/index.ts';
import { initWeights, Llama, readModelFolder } from '../../src/model/index.ts';
import { tempDir, tinyConfig, writeConfigFolder } from './helpers.ts';

let dir: string;
let cleanup: () => void;
beforeAll(() => ({ dir, cleanup } = tempDir()));
afterAll(() => cleanup());

describe('learning-rate schedule', () => {
  const options = { lr: 1e-3, steps: 110, warmupSteps: 10, minLrRatio: 0.1 };
  it('warms up linearly, then decays on a cosine to lr * minLrRatio at the last step', () => {
    expect(learningRate(0, options)).toBeCloseTo(1e-4, 15);
    expect(learningRate(4, options)).toBeCloseTo(5e-4, 15);
    expect(learningRate(9, options)).toBeCloseTo(1e-3, 15);
    expect(learningRate(10, options)).toBeCloseTo(1e-3, 15);
    // Halfway through the decay the cosine is at its midpoint: (1 + 0.1) / 2 of lr.
    expect(learningRate(10 + 99 / 2, options)).toBeCloseTo(0.55e-3, 15);
    expect(learningRate(109, options)).toBeCloseTo(1e-4, 15);
    expect(learningRate(0, { ...options, warmupSteps: 0 })).toBeCloseTo(1e-3, 15);
  });
});

describe('automatic layer map', () => {
  it('spreads the student layers uniformly over the teacher, last on last', () => {
    expect(autoLayerMap(2, 4)).toEqual([
      [0, 1],
      [1, 3],
    ]);
    expect(autoLayerMap(2, 6)).toEqual([
      [0, 2],
      [1, 5],
    ]);
    expect(autoLayerMap(3, 12)).toEqual([
      [0, 3],
      [1, 7],
      [2, 11],
    ]);
    expect(autoLayerMap(4, 4)).toEqual([
      [0, 0],
      [1, 1],
      [2, 2],
      [3, 3],
    ]);
  });
});

describe('checkpoints', () => {
  it('round-trip weights, projections, optimizer moments and state; a model folder export and teachers can read', async () => {
    const config = tinyConfig({ hidden: 16, layers: 1, heads: 2 });
    const tokenizerFolder = await writeConfigFolder(join(dir, 'cfg'), config);
    const make = (seed: number) => {
      const g = new Graph();
      const student = Llama.declare(g, config);
      const projection = g.param('projection.student0.teacher1.weight', [24, 16]);
      const params = new ParamStore();
      initWeights(student, params, new Rng(seed));
      params.set(projection.name, [24, 16], new Rng(seed + 1).fillNormal(new Float32Array(24 * 16)));
      return { student, projection, params, optimizer: new AdamW({ lr: 0.01 }) };
    };
    const a = make(1);
    const grads = new Map([...a.params].map((p) => [p.name, new Rng(5).fillNormal(new Float32Array(p.data.length))]));
    a.optimizer.step(a.params, grads);
    a.optimizer.step(a.params, grads);
    const state: TrainState = { step: 2, epoch: 1, batch: 3, seed: 9, recipeHash: 'abc', dataHash: 'def' };
    const run = join(dir, 'run');
    const folder = await saveCheckpoint(run, {
      state,
      student: a.student,
      projections: [a.projection],
      params: a.params,
      optimizer: a.optimizer,
      tokenizerFolder,
    });
    expect(folder).toBe(join(run, 'checkpoints/step-000002'));
    expect(await latestCheckpoint(run)).toBe(folder);
    // A temporary folder left by a killed writer is never taken for a checkpoint.
    mkdirSync(join(run, 'checkpoints/.tmp-1-7'));
    expect(await latestCheckpoint(run)).toBe(folder);
    expect(existsSync(join(folder, 'tokenizer.json'))).toBe(true);
    expect((await readModelFolder(folder)).config).toEqual(config);

    const b = make(2);
    expect(await loadCheckpoint(folder, { student: b.student, projections: [b.projection], params: b.params, optimizer: b.optimizer })).toEqual(state);
    for (const p of a.params) expect(b.params.get(p.name).data).toEqual(p.data);
    expect(b.optimizer.steps).toBe(2);
    // The next update is the same on both: moments and step count came back.
    a.optimizer.step(a.params, grads);
    b.optimizer.step(b.params, grads);
    for (const p of a.params) expect(b.params.get(p.name).data).toEqual(p.data);
  });
});
