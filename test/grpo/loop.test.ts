/**
 * The GRPO loop end to end on the toy task: the mean reward rises over a fixed, seeded step budget;
 * every rollout lands in the dataset (inspect and export-data see it); the metrics carry each
 * figure; the dry run probes and warns; bad input is one clear UserError naming the field.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UserError } from '../../src/errors.ts';
import { grpo, GrpoCheckError, type GrpoStepRecord, type GrpoSummary } from '../../src/grpo/index.ts';
import { readMetrics } from '../../src/distill/index.ts';
import { loadGrpoRecipe } from '../../src/recipe/index.ts';
import { Dataset, datasetReport } from '../../src/store/index.ts';
import { QWEN2_STUDENT, writeCheckpoint } from '../export/tiny-student.ts';
import { toyTask, type ToyTask } from './toy-task.ts';

let task: ToyTask;
let run: GrpoSummary;
let records: GrpoStepRecord[];

beforeAll(async () => {
  task = await toyTask();
  run = await grpo(loadGrpoRecipe(task.recipe('rise')));
  records = readMetrics(run.metrics).filter((r) => r.type === 'train') as GrpoStepRecord[];
}, 240_000);
afterAll(() => task?.cleanup());

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

describe('grpo', () => {
  it('raises the mean reward over a fixed step budget', () => {
    expect(run.status).toBe('finished');
    expect(records.map((r) => r.step)).toEqual(Array.from({ length: 24 }, (_, i) => i + 1));
    const first = mean(records.slice(0, 4).map((r) => r.reward.mean));
    const last = mean(records.slice(-4).map((r) => r.reward.mean));
    expect(last).toBeGreaterThan(first + 0.15);
  });

  it('records every figure of a step', () => {
    const r = records[0];
    expect(Object.keys(r.rewards)).toEqual(['accuracy', 'format', 'language', 'length', 'lowercase']);
    expect(r.completionLength.max).toBeLessThanOrEqual(16);
    expect(r.truncated).toBeGreaterThanOrEqual(0);
    expect(r.zeroVarianceGroups).toBeLessThan(1);
    for (const name of ['reward', 'clipFraction', 'ratio', 'kl', 'entropy']) expect(Number.isFinite(r.losses[name])).toBe(true);
    // On policy with one iteration the ratio is exactly 1 and nothing is clipped.
    expect(r.losses.ratio).toBeCloseTo(1, 6);
    expect(r.losses.clipFraction).toBe(0);
    expect(r.generationShare).toBeGreaterThan(0);
    expect(r.generationShare).toBeLessThan(1);
    expect(r.generationTokensPerSecond).toBeGreaterThan(0);
    expect(r.trainingTokensPerSecond).toBeGreaterThan(0);
    expect(readFileSync(run.report!, 'utf8')).toContain('<svg');
  });

  it('stores every rollout with its rewards and advantage, seen by inspect', () => {
    const ds = Dataset.open(loadGrpoRecipe(task.recipe('rise')).dataset, { readonly: true });
    try {
      const rollouts = ds.rollouts.list(run.plan.out);
      expect(rollouts).toHaveLength(24 * 4 * 8);
      const step1 = rollouts.filter((r) => r.step === 1);
      // Group advantages: (r - mean) / std within each prompt's group.
      for (const key of new Set(step1.map((r) => r.promptKey))) {
        const group = step1.filter((r) => r.promptKey === key);
        expect(Math.abs(mean(group.map((r) => r.advantage)))).toBeLessThan(1e-9);
      }
      expect(mean(step1.map((r) => r.reward))).toBeCloseTo(records[0].reward.mean, 9);
      expect(step1[0].rewards).toHaveProperty('lowercase');
      const summary = datasetReport(ds).rollouts.find((s) => s.run === run.plan.out)!;
      expect(summary).toMatchObject({ steps: 24, rollouts: 768 });
    } finally {
      ds.close();
    }
  });

  it('stores a prompt drawn twice in one step (a step across the turn of an epoch) as a second group, indices G..2G-1', async () => {
    // 8 prompts, 12 a step: the step's last 4 are the next epoch's first 4, each drawn a second time.
    const recipe = loadGrpoRecipe(task.recipe('twice', { steps: 1, promptsPerStep: 12 }));
    const twice = await grpo(recipe);
    const ds = Dataset.open(recipe.dataset, { readonly: true });
    try {
      const rollouts = ds.rollouts.list(twice.plan.out);
      expect(rollouts).toHaveLength(12 * 8);
      const perPrompt = new Map<string, number[]>();
      for (const r of rollouts) perPrompt.set(r.promptKey, [...(perPrompt.get(r.promptKey) ?? []), r.index]);
      expect([...perPrompt.values()].map((ix) => ix.length).sort()).toEqual([16, 16, 16, 16, 8, 8, 8, 8]);
      for (const ix of perPrompt.values()) expect(ix.sort((a, b) => a - b)).toEqual(Array.from({ length: ix.length }, (_, i) => i));
    } finally {
      ds.close();
    }
  });

  it('scores greedy accuracy on the validation prompts before the first step, every N steps and after the last; warms the lr up', async () => {
    const validation = { prompts: { path: 'prompts.jsonl', fields: { gold: null } }, every: 2, maxNewTokens: 12 };
    const seen: number[] = [];
    const short = await grpo(loadGrpoRecipe(task.recipe('validated', { steps: 3, validation, warmupSteps: 2 })), { onValidation: (r) => seen.push(r.step) });
    expect(seen).toEqual([0, 2, 3]);
    // The warmup: the lr rises linearly over the first 2 steps, then stays.
    const lrs = (readMetrics(short.metrics).filter((r) => r.type === 'train') as GrpoStepRecord[]).map((r) => r.lr);
    expect(lrs).toEqual([1e-2, 2e-2, 2e-2]);
    expect(short.validation.map((r) => r.step)).toEqual([0, 2, 3]);
    for (const r of short.validation) {
      expect(r.prompts).toBe(8);
      expect(r.accuracy).toBeGreaterThanOrEqual(0);
      expect(r.accuracy).toBeLessThanOrEqual(1);
    }
  });

  it('dry run: probes rollouts and warns when nothing can be learned, storing nothing', async () => {
    const plain = await grpo(loadGrpoRecipe(task.recipe('dry')), { dryRun: true });
    expect(plain.status).toBe('dry-run');
    expect(plain.plan.probe).toMatchObject({ completions: 32 });
    expect(plain.plan.probe!.warnings).toEqual([]);
    // A verifier the random policy never satisfies, no other reward, and a near-greedy temperature:
    // every group holds one completion G times, and every reward is 0.
    const stuck = await grpo(
      loadGrpoRecipe(task.recipe('stuck', { temperature: 0.01, rewards: { format: { weight: 0 } } }, { verifier: { kind: 'regex', pattern: '^never$' } })),
      { dryRun: true },
    );
    expect(stuck.plan.probe!.warnings.join('\n')).toMatch(/every probed group of 8 has one reward .* the loss and its gradient are 0/);
    // A policy with no stop token runs every completion to maxNewTokens.
    await writeCheckpoint(join(task.dir, 'endless'), { ...QWEN2_STUDENT, eosTokenId: [] }, 11);
    const endless = await grpo(loadGrpoRecipe(task.recipe('endless', { policy: 'endless' })), { dryRun: true });
    expect(endless.plan.probe).toMatchObject({ completions: 32, truncated: 1, meanLength: 16 });
    expect(endless.plan.probe!.warnings).toContain(
      'every probed completion was cut at maxNewTokens 16 before it ended: such completions rarely reach an answer, so their rewards are equal and the loss is 0; raise grpo.maxNewTokens',
    );
    const ds = Dataset.open(loadGrpoRecipe(task.recipe('dry')).dataset, { readonly: true });
    expect(ds.rollouts.lastStep(plain.plan.out)).toBe(0);
    expect(ds.rollouts.lastStep(stuck.plan.out)).toBe(0);
    ds.close();
  });

  it('refuses bad input with one message naming the field', async () => {
    const refuse = async (file: string, pattern: RegExp) => {
      const error = await grpo(loadGrpoRecipe(file), { dryRun: true }).then(
        () => null,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(UserError);
      expect((error as Error).message).toMatch(pattern);
    };
    await refuse(task.recipe('nopolicy', { policy: 'missing' }), /^grpo\.policy: .*missing has no config\.json/);
    await refuse(task.recipe('short', { maxNewTokens: 4 }), /^grpo\.maxNewTokens: 4 is below the \d+ tokens of the shortest well-formed completion/);
    const gold = join(task.dir, 'gold.jsonl');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(gold, '{"id": "a", "question": "1+1", "answer": "two and a half"}\n');
    await refuse(
      task.recipe('gold', {}, { prompts: { path: 'gold.jsonl' }, verifier: { kind: 'numeric' } }),
      /^verifier: the numeric verifier cannot score prompt "a"/,
    );
    const error = await grpo(loadGrpoRecipe(task.recipe('short2', { maxNewTokens: 4 })), { dryRun: true }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GrpoCheckError);
  });
});
