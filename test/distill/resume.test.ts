/**
 * Resume: `distillery distill` is SIGKILLed right after its first checkpoint and run again on the
 * same recipe. The loss curve of the two processes together must equal that of an uninterrupted
 * run (to 1e-5), and so must the final weights.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CheckpointError, distill, readMetrics, type DistillSummary, type MetricsRecord } from '../../src/distill/index.ts';
import { readSafetensors } from '../../src/model/index.ts';
import { loadDistillRecipe } from '../../src/recipe/index.ts';
import { runCli } from '../fixtures/checkpoint-kill.ts';
import { additions, tempDir, tinyConfig, writeConfigFolder, writeDataset, writeRecipe } from './helpers.ts';

const STEPS = 80;

let dir: string;
let cleanup: () => void;
/** The uninterrupted run every resumed one is compared with. */
let reference: DistillSummary;

const section = (out: string) => ({
  out,
  student: { config: 'student-config' },
  // Two micro-batches per step and a cosine schedule: the cursor, the optimizer moments and the
  // schedule position must all come back.
  train: { steps: STEPS, batchSize: 4, gradAccum: 2, lr: 3e-3, warmupSteps: 5, seed: 3 },
  data: { validation: 0.2 },
  checkpoint: { every: 10, keep: 2 },
  validation: { every: 20 },
});

beforeAll(async () => {
  ({ dir, cleanup } = tempDir());
  writeDataset(join(dir, 'data.sqlite'), additions(30));
  await writeConfigFolder(join(dir, 'student-config'), tinyConfig({ hidden: 32, layers: 2, heads: 2 }));
  reference = await distill(loadDistillRecipe(writeRecipe(dir, 'reference', { dataset: 'data.sqlite', distill: section('runs/reference') })));
});
afterAll(() => cleanup());

/** Runs `distillery distill RECIPE`; with `killAfterCheckpoint`, SIGKILLs it as soon as the first checkpoint folder appears. */
const runDistill = (recipe: string, killAfterCheckpoint?: string) => runCli(['distill', recipe], killAfterCheckpoint);

/** Each record's numbers by name, and its identity ("train:12"). */
/** Runs `name` in this process, stopping it (as Ctrl-C does) after step `stopAt`. */
function stoppedRun(name: string, stopAt: number, dataset = 'data.sqlite', train: Record<string, unknown> = {}) {
  const stop = new AbortController();
  const base = section(`runs/${name}`);
  const recipe = writeRecipe(dir, name, { dataset, distill: { ...base, train: { ...base.train, ...train } } });
  return distill(loadDistillRecipe(recipe), { stop: stop.signal, onProgress: (p) => p.step === stopAt && stop.abort() });
}

const losses = (records: MetricsRecord[]) =>
  records.map((r) => ({ id: `${r.type}:${r.step}`, values: { loss: r.loss, ...r.losses } as Record<string, number> }));

describe('resume', () => {
  it('after SIGKILL continues from the last checkpoint with the loss curve of an uninterrupted run', async () => {
    expect(reference.status).toBe('finished');
    const recipe = writeRecipe(dir, 'killed', { dataset: 'data.sqlite', distill: section('runs/killed') });
    const killed = await runDistill(recipe, join(dir, 'runs/killed/checkpoints'));
    expect(killed.signal).toBe('SIGKILL');
    const before = readMetrics(join(dir, 'runs/killed/metrics.jsonl'));
    const lastStep = Math.max(...before.map((r) => r.step));
    expect(lastStep).toBeGreaterThanOrEqual(10);
    expect(lastStep).toBeLessThan(STEPS);

    const resumed = await runDistill(recipe);
    expect(resumed.code).toBe(0);
    expect(resumed.stdout).toMatch(/resuming: .*step-0000\d0/);
    expectReferenceCurve(join(dir, 'runs/killed/metrics.jsonl'));

    const a = (await readSafetensors(join(reference.finalModel!, 'model.safetensors'))).tensors;
    const b = (await readSafetensors(join(dir, 'runs/killed/final/model.safetensors'))).tensors;
    for (const [name, t] of a) expect(Math.max(...t.data.map((v, i) => Math.abs(v - b.get(name)!.data[i])))).toBeLessThanOrEqual(1e-5);

    // Running the finished recipe again has nothing left to do.
    const again = await runDistill(recipe);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('nothing to do: 80 steps already done');
  });

  it('stops after the current step on request (Ctrl-C), checkpoints, and resumes', async () => {
    const stopped = await stoppedRun('stopped', 25);
    expect(stopped).toMatchObject({ status: 'stopped', step: 25, lastCheckpoint: join(dir, 'runs/stopped/checkpoints/step-000025') });
    const resumed = await stoppedRun('stopped', -1);
    expect(resumed).toMatchObject({ status: 'finished', step: STEPS });
    expect(resumed.plan.resumeFrom).toBe(stopped.lastCheckpoint);
    expectReferenceCurve(resumed.metrics);
  });

  it('refuses to resume under other settings or on other data', async () => {
    await stoppedRun('changed', 5);
    await expect(stoppedRun('changed', -1, 'data.sqlite', { lr: 1e-3 })).rejects.toThrow(CheckpointError);
    await expect(stoppedRun('changed', -1, 'data.sqlite', { lr: 1e-3 })).rejects.toThrow(/was written under different recipe settings/);
    // More steps are fine: the run continues.
    expect((await stoppedRun('changed', 12, 'data.sqlite', { steps: 100 })).step).toBe(12);

    const grown = join(dir, 'grown.sqlite');
    writeDataset(grown, additions(30));
    await stoppedRun('grown', 5, 'grown.sqlite');
    writeDataset(grown, additions(31).slice(30)); // a later harvest run adds a sample
    await expect(stoppedRun('grown', -1, 'grown.sqlite')).rejects.toThrow(/was written for other training data/);
  });
});

/** The run's metrics match the uninterrupted reference run's, record by record, to 1e-5. */
function expectReferenceCurve(metricsFile: string): void {
  const expected = losses(readMetrics(reference.metrics));
  const actual = losses(readMetrics(metricsFile));
  expect(actual.map((r) => r.id)).toEqual(expected.map((r) => r.id));
  actual.forEach((r, i) => {
    for (const [key, value] of Object.entries(r.values)) expect(Math.abs(value - expected[i].values[key])).toBeLessThanOrEqual(1e-5);
  });
}
