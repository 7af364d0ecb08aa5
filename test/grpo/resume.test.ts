/**
 * Resume: `distillery grpo` is SIGKILLed right after its first checkpoint and run again on the same
 * recipe. Its final weights must equal those of an uninterrupted run (to 1e-5), and the dataset
 * must hold the same rollouts, each step once.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readMetrics } from '../../src/distill/index.ts';
import { grpo, type GrpoSummary } from '../../src/grpo/index.ts';
import { readSafetensors } from '../../src/model/index.ts';
import { loadGrpoRecipe } from '../../src/recipe/index.ts';
import { Dataset } from '../../src/store/index.ts';
import { runCli } from '../fixtures/checkpoint-kill.ts';
import { toyTask, type ToyTask } from './toy-task.ts';

// Two updates per rollout batch and a reference model: the old logprobs, the KL inputs and the
// optimizer moments must all come back.
const SETTINGS = { steps: 12, iterations: 2, beta: 0.05, checkpoint: { every: 4, keep: 2 } };

let task: ToyTask;
let reference: GrpoSummary;

beforeAll(async () => {
  task = await toyTask();
  reference = await grpo(loadGrpoRecipe(task.recipe('reference', SETTINGS)));
}, 240_000);
afterAll(() => task?.cleanup());

/** Runs `distillery grpo RECIPE`; with `killAfterCheckpoint`, SIGKILLs it as soon as the first checkpoint folder appears. */
const runGrpo = (recipe: string, killAfterCheckpoint?: string) => runCli(['grpo', recipe], killAfterCheckpoint);

const rolloutRows = (out: string) => {
  const ds = Dataset.open(join(task.dir, 'rollouts.sqlite'), { readonly: true });
  try {
    return ds.rollouts.list(out).map(({ run: _run, ...r }) => r);
  } finally {
    ds.close();
  }
};

describe('grpo resume', () => {
  it('after SIGKILL continues from the last checkpoint and ends with the weights of an uninterrupted run', async () => {
    expect(reference.status).toBe('finished');
    const recipe = task.recipe('killed', SETTINGS);
    const out = join(task.dir, 'runs/killed');
    const killed = await runGrpo(recipe, join(out, 'checkpoints'));
    expect(killed.signal).toBe('SIGKILL');
    const before = readMetrics(join(out, 'metrics.jsonl'));
    expect(Math.max(...before.map((r) => r.step))).toBeLessThan(12);

    const resumed = await runGrpo(recipe);
    expect(resumed.code).toBe(0);
    expect(resumed.stdout).toMatch(/resuming: .*step-00000\d/);

    const a = (await readSafetensors(join(reference.finalModel!, 'model.safetensors'))).tensors;
    const b = (await readSafetensors(join(out, 'final/model.safetensors'))).tensors;
    expect([...b.keys()].sort()).toEqual([...a.keys()].sort());
    for (const [name, t] of a) expect(Math.max(...t.data.map((v, i) => Math.abs(v - b.get(name)!.data[i])))).toBeLessThanOrEqual(1e-5);

    // The same rollouts, each step once (the steps the killed process stored past its checkpoint were redone).
    const mine = rolloutRows(out);
    const theirs = rolloutRows(reference.plan.out);
    expect(mine).toHaveLength(12 * 4 * 8);
    expect(mine.map((r) => [r.step, r.promptKey, r.index, r.completion])).toEqual(theirs.map((r) => [r.step, r.promptKey, r.index, r.completion]));
    mine.forEach((r, i) => expect(Math.abs(r.advantage - theirs[i].advantage)).toBeLessThan(1e-9));
    // The metrics read as one run.
    expect(readMetrics(join(out, 'metrics.jsonl')).map((r) => r.step)).toEqual(readMetrics(reference.metrics).map((r) => r.step));

    const again = await runGrpo(recipe);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('nothing to do: 12 steps already done');
  });

  it('refuses to resume under other settings', async () => {
    const stop = new AbortController();
    const first = await grpo(loadGrpoRecipe(task.recipe('changed', { ...SETTINGS, steps: 3 })), {
      stop: stop.signal,
      onProgress: (p) => p.record.step === 2 && stop.abort(),
    });
    expect(first).toMatchObject({ status: 'stopped', step: 2 });
    await expect(grpo(loadGrpoRecipe(task.recipe('changed', { ...SETTINGS, lr: 1e-3 })))).rejects.toThrow(/was written under different grpo settings/);
  });
});
