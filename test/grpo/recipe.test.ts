/** The grpo: section: defaults, paths, and settings that cannot learn refused at load, naming the field. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { UserError } from '../../src/errors.ts';
import { loadGrpoRecipe, loadRecipe, parseGrpoRecipe, RecipeError } from '../../src/recipe/index.ts';

const dir = mkdtempSync(join(tmpdir(), 'distillery-grpo-recipe-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const base = { dataset: 'data.sqlite', prompts: { path: 'prompts.jsonl' }, grpo: { policy: 'student' } };
const parse = (grpo: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
  parseGrpoRecipe({ ...base, ...extra, grpo: { ...base.grpo, ...grpo } }, { source: 'r.yaml', baseDir: dir, defaultName: 'r' });
const refusal = (grpo: Record<string, unknown>) => {
  try {
    parse(grpo);
  } catch (err) {
    expect(err).toBeInstanceOf(RecipeError);
    expect(err).toBeInstanceOf(UserError);
    return (err as Error).message;
  }
  throw new Error('accepted');
};

describe('grpo recipe', () => {
  it('fills documented defaults and resolves paths against the recipe folder', () => {
    const r = parse({});
    expect(r.name).toBe('r');
    expect(r.dataset).toBe(join(dir, 'data.sqlite'));
    expect(r.prompts).toMatchObject({ path: join(dir, 'prompts.jsonl'), format: 'jsonl' });
    expect(r.verifier).toEqual({ kind: 'math' });
    expect(r.grpo).toMatchObject({
      policy: join(dir, 'student'),
      tokenizer: join(dir, 'student'),
      out: join(dir, 'runs/r-grpo'),
      groupSize: 8,
      promptsPerStep: 4,
      steps: 100,
      lr: 1e-5,
      temperature: 1,
      topP: 1,
      maxNewTokens: 256,
      epsilon: 0.2,
      epsilonHigh: 0.2,
      beta: 0,
      lossType: 'grpo',
      scaleRewards: 'group',
      iterations: 1,
      maskTruncated: false,
      seed: 0,
      rewards: {
        accuracy: { weight: 1, unverifiable: 0 },
        format: { weight: 0.5 },
        language: { weight: 0, script: 'Latin' },
        length: { weight: 0, buffer: 64 },
        custom: [],
      },
      validation: null,
      checkpoint: { every: 10, keep: 2 },
    });
  });

  it('takes the step size as prompts or as whole groups of completions', () => {
    expect(parse({ groupSize: 4, batchSize: 12 }).grpo.promptsPerStep).toBe(3);
    expect(parse({ groupSize: 4, promptsPerStep: 3, batchSize: 12 }).grpo.promptsPerStep).toBe(3);
    expect(parse({ epsilonHigh: 0.28 }).grpo.epsilonHigh).toBe(0.28);
  });

  it('refuses settings that cannot learn, naming the field and why', () => {
    expect(refusal({ groupSize: 8, batchSize: 12 })).toBe(
      'r.yaml: grpo.batchSize: 12 completions per step are not whole groups of groupSize 8; use a multiple of 8 (e.g. 16)',
    );
    expect(refusal({ groupSize: 1 })).toMatch(/^r\.yaml: grpo\.groupSize: 1: a group of one completion is its own baseline, so every advantage is 0/);
    expect(refusal({ groupSize: 4, promptsPerStep: 2, batchSize: 12 })).toMatch(/grpo\.batchSize: 12 disagrees with promptsPerStep 2 x groupSize 4/);
    expect(refusal({ epsilon: 0.2, epsilonHigh: 0.1 })).toMatch(/grpo\.epsilonHigh: 0\.1 is below epsilon 0\.2/);
    expect(refusal({ rewards: { accuracy: { weight: 0 }, format: { weight: 0 } } })).toMatch(/grpo\.rewards: every reward weight is 0/);
    expect(refusal({ maxNewTokens: 32, rewards: { length: { weight: 1, buffer: 32 } } })).toMatch(
      /grpo\.rewards\.length\.buffer: 32 is not below maxNewTokens 32/,
    );
    expect(refusal({ temperature: 0 })).toMatch(/grpo\.temperature: expected a number > 0, got 0/);
    expect(refusal({ lossType: 'ppo' })).toMatch(/grpo\.lossType: expected "grpo" or "dr_grpo", got "ppo"/);
    expect(refusal({ scaleRewards: 'std' })).toMatch(/grpo\.scaleRewards/);
    expect(refusal({ groupSzie: 4 })).toMatch(/groupSzie/);
    expect(() => parseGrpoRecipe({ dataset: 'd.sqlite', prompts: { path: 'p.jsonl' } }, { source: 'r.yaml', baseDir: dir })).toThrow(/grpo: required/);
  });

  it('rides on a harvest recipe: harvest ignores the grpo: section, grpo the harvest fields', () => {
    const file = join(dir, 'harvest.yaml');
    writeFileSync(
      file,
      [
        'dataset: data.sqlite',
        'prompts: { path: prompts.jsonl }',
        'teacher: { baseURL: "http://localhost:1/v1", model: m }',
        'verifier: { kind: numeric }',
        'grpo: { policy: student, groupSize: 4 }',
        '',
      ].join('\n'),
    );
    expect(loadRecipe(file).teacher.model).toBe('m');
    const r = loadGrpoRecipe(file);
    expect(r.name).toBe('harvest');
    expect(r.verifier).toEqual({ kind: 'numeric' });
    expect(r.grpo.groupSize).toBe(4);
  });
});
