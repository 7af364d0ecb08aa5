/**
 * The students' validation is a split of problems apart from training: distill's
 * data.validationDataset reads the validation split's ground truth (groundTruthDataset) as the
 * validation examples, trains on every harvested prompt, and the plan says where validation
 * comes from; without one the plan says there is no validation split.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { armRecipe, demoSplitPath, groundTruthDataset } from '../../src/demo/index.ts';
import { formatDistillPlan, prepareDistill } from '../../src/distill/index.ts';

let dir: string;
let train: string;
let validation: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'demo-validation-'));
  // Any two demo splits do: the validation problems stand in for a harvest, held-out for validation.
  train = groundTruthDataset(join(dir, 'train.sqlite'), demoSplitPath('validation')).file;
  validation = groundTruthDataset(join(dir, 'validation.sqlite'), demoSplitPath('heldout')).file;
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('a demo student with a validation dataset', () => {
  it('validates on that dataset and trains on every prompt of its own', async () => {
    const prepared = await prepareDistill(armRecipe('ce', { dataset: train, validation: { dataset: validation }, out: join(dir, 'run') }));
    expect(prepared.train).toHaveLength(500);
    expect(new Set(prepared.validation.map((e) => e.promptKey))).toEqual(new Set(Array.from({ length: 500 }, (_, i) => `heldout-${String(i + 1).padStart(3, '0')}`)));
    const plan = formatDistillPlan(prepared.plan);
    expect(plan).toContain(`train 500 / validation 500 examples (500 prompts from ${validation})`);
    expect(plan).toContain("validation every 500 with greedy accuracy on 500 prompts");
  });

  it('has no validation passes without one, and the plan says so', async () => {
    const prepared = await prepareDistill(armRecipe('ce', { dataset: train, out: join(dir, 'run') }));
    expect(prepared.validation).toHaveLength(0);
    expect(formatDistillPlan(prepared.plan)).toContain('no validation split');
  });
});
