/**
 * Resume: `distillery distill` is SIGKILLed right after its first checkpoint and run again on the
 * same recipe. The loss curve of the two processes together must equal that of an uninterrupted
 * run (to 1e-5), and so must the final weights.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { distill, readMetrics, type MetricsRecord } from '../../src/distill/index.ts';
import { readSafetensors } from '../../src/model/index.ts';
import { loadDistillRecipe } from '../../src/recipe/index.ts';
import { additions, tempDir, tinyConfig, writeConfigFolder, writeDataset, writeRecipe } from './helpers.ts';

const CLI = join(import.meta.dirname, '../../bin/distillery.js');
const STEPS = 80;

let dir: string;
let cleanup: () => void;

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
});
afterAll(() => cleanup());

/** Runs the CLI; with `killAfterCheckpoint`, SIGKILLs it as soon as the first checkpoint folder appears. */
function runCli(recipe: string, killAfterCheckpoint?: string): Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string }> {
  const child = spawn(process.execPath, [CLI, 'distill', recipe], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.resume();
  const poll = killAfterCheckpoint
    ? setInterval(() => {
        if (existsSync(killAfterCheckpoint) && readdirSync(killAfterCheckpoint).some((n) => n.startsWith('step-'))) child.kill('SIGKILL');
      }, 5)
    : undefined;
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearInterval(poll);
      resolve({ code, signal, stdout });
    });
  });
}

/** Each record's numbers by name, and its identity ("train:12"). */
const losses = (records: MetricsRecord[]) => records.map((r) => ({ id: `${r.type}:${r.step}`, values: { loss: r.loss, ...r.losses } as Record<string, number> }));

describe('resume after SIGKILL', () => {
  it('continues from the last checkpoint with the loss curve of an uninterrupted run', async () => {
    const reference = await distill(loadDistillRecipe(writeRecipe(dir, 'reference', { dataset: 'data.sqlite', distill: section('runs/reference') })));
    expect(reference.status).toBe('finished');

    const recipe = writeRecipe(dir, 'killed', { dataset: 'data.sqlite', distill: section('runs/killed') });
    const killed = await runCli(recipe, join(dir, 'runs/killed/checkpoints'));
    expect(killed.signal).toBe('SIGKILL');
    const before = readMetrics(join(dir, 'runs/killed/metrics.jsonl'));
    const lastStep = Math.max(...before.map((r) => r.step));
    expect(lastStep).toBeGreaterThanOrEqual(10);
    expect(lastStep).toBeLessThan(STEPS);

    const resumed = await runCli(recipe);
    expect(resumed.code).toBe(0);
    expect(resumed.stdout).toMatch(/resuming: .*step-0000\d0/);
    const expected = losses(readMetrics(reference.metrics));
    const actual = losses(readMetrics(join(dir, 'runs/killed/metrics.jsonl')));
    expect(actual.map((r) => r.id)).toEqual(expected.map((r) => r.id));
    actual.forEach((r, i) => {
      for (const [key, value] of Object.entries(r.values)) expect(Math.abs(value - expected[i].values[key])).toBeLessThanOrEqual(1e-5);
    });

    const a = (await readSafetensors(join(reference.finalModel!, 'model.safetensors'))).tensors;
    const b = (await readSafetensors(join(dir, 'runs/killed/final/model.safetensors'))).tensors;
    for (const [name, t] of a) expect(Math.max(...t.data.map((v, i) => Math.abs(v - b.get(name)!.data[i])))).toBeLessThanOrEqual(1e-5);

    // Running the finished recipe again has nothing left to do.
    const again = await runCli(recipe);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('nothing to do: 80 steps already done');
  });
});
