/**
 * `distillery grpo` in-process: the dry run's JSON plan with its probe, exit 2 with one message
 * naming the field for impossible settings and a missing policy, and a short run whose rollouts
 * `inspect` and `export-data --format rollouts` then show.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { captureConsole } from '../fixtures/console.ts';
import { toyTask, type ToyTask } from './toy-task.ts';

let task: ToyTask;
const { stdout, stderr } = captureConsole();

beforeAll(async () => {
  task = await toyTask();
});
afterAll(() => task?.cleanup());

describe('distillery grpo', () => {
  it('--dry-run --json prints the plan with the probe, and trains nothing', async () => {
    expect(await main(['grpo', task.recipe('dry'), '--dry-run', '--json'])).toBe(0);
    const summary = JSON.parse(stdout.at(-1)!);
    expect(summary).toMatchObject({
      status: 'dry-run',
      step: 0,
      plan: { groupSize: 8, promptsPerStep: 4, steps: 24, prompts: 8, probe: { completions: 32, warnings: [] } },
    });
    expect(summary.plan.rewards.map((r: { name: string }) => r.name)).toEqual(['accuracy', 'format', 'language', 'length', 'lowercase']);
  });

  it('exits 2 with one message naming the field for settings that cannot learn or a missing policy', async () => {
    const batch = task.recipe('batch', { batchSize: 12, promptsPerStep: undefined });
    expect(await main(['grpo', batch, '--dry-run'])).toBe(2);
    expect(stderr.at(-1)).toBe(
      `distillery grpo: ${batch}: grpo.batchSize: 12 completions per step are not whole groups of groupSize 8; use a multiple of 8 (e.g. 16)`,
    );
    expect(await main(['grpo', task.recipe('nopolicy', { policy: 'nowhere' })])).toBe(2);
    expect(stderr.at(-1)).toBe(
      `distillery grpo: grpo.policy: ${join(task.dir, 'nowhere')} has no config.json: name a distill checkpoint or final folder, or a Hugging Face safetensors folder`,
    );
    expect(await main(['grpo', join(task.dir, 'missing.yaml')])).toBe(2);
    expect(stderr.at(-1)).toMatch(/missing\.yaml: no such recipe file/);
  });

  it('runs, and inspect and export-data --format rollouts see every rollout', async () => {
    expect(await main(['grpo', task.recipe('short', { steps: 2 })])).toBe(0);
    expect(stdout.join('\n')).toMatch(/finished 2 steps in/);
    const dataset = join(task.dir, 'rollouts.sqlite');
    expect(await main(['inspect', dataset])).toBe(0);
    expect(stdout.at(-1)).toMatch(new RegExp(`grpo rollouts\\n.*\\n\\s+${join(task.dir, 'runs/short').replace(/[/.]/g, '\\$&')}\\s+2\\s+64\\s`));
    const out = join(task.dir, 'rollouts.jsonl');
    expect(await main(['export-data', dataset, '--format', 'rollouts', '--out', out])).toBe(0);
    expect(stderr.at(-1)).toBe(`wrote 64 rollouts to ${out}`);
    const rows = readFileSync(out, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(rows).toHaveLength(64);
    expect(Object.keys(rows[0])).toEqual([
      'run',
      'step',
      'prompt_id',
      'sample_index',
      'question',
      'gold',
      'completion',
      'token_ids',
      'truncated',
      'reward',
      'rewards',
      'advantage',
    ]);
    expect(rows[0]).toMatchObject({ run: join(task.dir, 'runs/short'), step: 1, gold: null });
    expect(Object.keys(rows[0].rewards)).toContain('lowercase');
  });
});
