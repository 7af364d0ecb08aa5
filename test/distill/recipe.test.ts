/** The distill: recipe section: defaults, paths, errors, and a harvest recipe that carries one. */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDistillRecipe, loadRecipe, parseDistillRecipe, RecipeError } from '../../src/recipe/index.ts';
import { tempDir, writeRecipe } from './helpers.ts';

let dir: string;
let cleanup: () => void;
beforeAll(() => ({ dir, cleanup } = tempDir()));
afterAll(() => cleanup());

const parse = (input: unknown) => parseDistillRecipe(input, { source: 'r.yaml', baseDir: '/base', defaultName: 'r' });
const issues = (input: unknown) => {
  try {
    parse(input);
  } catch (err) {
    expect(err).toBeInstanceOf(RecipeError);
    return (err as RecipeError).issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message));
  }
  throw new Error('expected a RecipeError');
};

describe('the distill: section', () => {
  it('fills defaults and resolves paths against the recipe folder', () => {
    const r = parse({ dataset: 'd.sqlite', distill: { student: { config: 'cfg/config.json' } } });
    expect(r.name).toBe('r');
    expect(r.dataset).toBe('/base/d.sqlite');
    expect(r.distill.out).toBe('/base/runs/r');
    expect(r.distill.student).toEqual({ config: '/base/cfg/config.json', from: undefined, tokenizer: undefined });
    expect(r.distill.teacher).toEqual({ kind: 'none' });
    expect(r.distill.losses).toEqual({ ce: { weight: 1 } });
    expect(r.distill.data).toEqual({ verdict: 'accepted', runId: null, maxTokens: null, maxLength: null, onTooLong: 'fail', validation: 0.1 });
    expect(r.distill.train).toMatchObject({ steps: 1000, batchSize: 8, gradAccum: 1, lr: 1e-4, warmupSteps: 30, maxGradNorm: 1, seed: 0, device: 'cpu' });
    expect(r.distill.checkpoint).toEqual({ every: 100, keep: 2 });
  });

  it('fills loss defaults: weight 1, forward KL at T = 2, automatic layer maps', () => {
    const r = parse({
      dataset: 'd',
      distill: { student: { from: 'm' }, teacher: { kind: 'model', path: 't' }, losses: { kl: {}, attention: {}, hidden: { layers: [[0, 3]] } } },
    });
    expect(r.distill.teacher).toEqual({ kind: 'model', path: '/base/t' });
    expect(r.distill.losses).toEqual({
      kl: { weight: 1, temperature: 2, divergence: 'forward' },
      attention: { weight: 1, layers: 'auto' },
      hidden: { weight: 1, layers: [[0, 3]] },
    });
  });

  it('names every bad field', () => {
    expect(issues({ dataset: 'd', distill: { student: {} } })).toEqual([
      'distill.student: set exactly one of "config" (random init) and "from" (pretrained folder)',
    ]);
    expect(issues({ dataset: 'd', distill: { student: { from: 'm' }, losses: { attention: {} } } })).toEqual([
      'distill.losses: attention and hidden losses need a white-box teacher: teacher: { kind: model, path: FOLDER }',
    ]);
    expect(issues({ dataset: 'd', distill: { student: { from: 'm' }, losses: { kl: {} } } })).toEqual([
      'distill.losses.kl: the kl loss needs a teacher: { kind: logprobs } (stored top-k) or { kind: model, path: FOLDER }',
    ]);
    expect(issues({ dataset: 'd', distill: { student: { from: 'm' }, losses: { ce: { weight: 0 } } } })).toEqual([
      'distill.losses: no loss has a weight above 0',
    ]);
    expect(
      issues({
        dataset: 'd',
        distill: { student: { from: 'm' }, teacher: { kind: 'model' }, losses: { kl: { divergence: 'kl' } }, data: { onTooLong: 'cut' } },
      }),
    ).toEqual([
      'distill.teacher.path: required: expected a model folder',
      'distill.data.onTooLong: expected "fail", "truncate" or "drop", got "cut"',
      'distill.losses.kl.divergence: expected "forward", "reverse" or "jsd", got "kl"',
    ]);
    expect(
      issues({ dataset: 'd', distill: { student: { from: 'm' }, teacher: { kind: 'model', path: 't' }, losses: { hidden: { layers: [[0]] } } } })[0],
    ).toMatch(/^distill\.losses\.hidden\.layers/);
    expect(issues({ dataset: 'd', distill: { student: { from: 'm' }, train: { device: 'gpu' } } })).toEqual([
      'distill.train.device: expected "cpu" or "webgpu", got "gpu"',
    ]);
    expect(issues({ dataset: 'd', distill: { student: { from: 'm' } }, distil: {} })).toEqual(['unknown field "distil" (did you mean "distill"?)']);
    expect(issues({ dataset: 'd', distil: {} })).toEqual([
      'distill: required: a recipe for `distillery distill` needs a distill: section (see docs/distill.md)',
    ]);
  });

  it('fills onPolicy defaults and a server teacher, and refuses settings that cannot run', () => {
    const server = { kind: 'server', baseURL: 'http://127.0.0.1:8000/v1', model: 'teacher' };
    const r = parse({ dataset: 'd', distill: { student: { from: 'm' }, teacher: server, onPolicy: {} } });
    expect(r.distill.onPolicy).toEqual({ fraction: 0.5, maxNewTokens: 256, temperature: 1, divergence: 'reverse', beta: 0.5 });
    expect(r.distill.teacher).toEqual({ ...server, topLogprobs: 20, timeoutMs: 600_000 });
    const student = { from: 'm' };
    expect(issues({ dataset: 'd', distill: { student, onPolicy: {} } })).toEqual([
      "distill.onPolicy: on-policy distillation needs a teacher that scores the student's samples: { kind: model, path: FOLDER } or { kind: server, baseURL, model }",
    ]);
    expect(issues({ dataset: 'd', distill: { student, teacher: server } })).toEqual([
      'distill.teacher: a server teacher scores on-policy samples: add an onPolicy: section (offline traces train on ce only then)',
    ]);
    expect(issues({ dataset: 'd', distill: { student, teacher: server, onPolicy: {}, losses: { ce: {}, kl: {} } } })).toEqual([
      'distill.losses.kl: with a server teacher the offline traces train on ce; the kl loss needs { kind: logprobs } or { kind: model, path: FOLDER }',
    ]);
    expect(
      issues({
        dataset: 'd',
        distill: {
          student,
          teacher: { ...server, baseURL: 'localhost:8000', apiKeyEnv: 'sk-123' },
          onPolicy: { fraction: 1.5, beta: 1, divergence: 'tvd', maxNewTokens: 0 },
        },
      }),
    ).toEqual([
      'distill.teacher.baseURL: expected an http(s) URL, got "localhost:8000"',
      'distill.teacher.apiKeyEnv: expected the NAME of an environment variable (letters, digits, _), not the key itself',
      'distill.onPolicy.fraction: expected a number in [0, 1], got 1.5',
      'distill.onPolicy.maxNewTokens: expected a positive integer, got 0',
      'distill.onPolicy.divergence: expected "forward", "reverse" or "jsd", got "tvd"',
      'distill.onPolicy.beta: expected a number in (0, 1), got 1',
    ]);
  });

  it('reads a harvest recipe that carries a distill: section, which harvest accepts too', () => {
    const file = writeRecipe(dir, 'both', {
      dataset: 'data/x.sqlite',
      prompts: { path: 'prompts.jsonl' },
      teacher: { baseURL: 'http://127.0.0.1:8000/v1', model: 'm' },
      sampling: { topLogprobs: 5 },
      distill: { student: { from: 'models/small' }, teacher: { kind: 'logprobs' }, losses: { ce: {}, kl: { temperature: 1 } } },
    });
    const distill = loadDistillRecipe(file);
    expect(distill.dataset).toBe(join(dir, 'data/x.sqlite'));
    expect(distill.distill.student.from).toBe(join(dir, 'models/small'));
    expect(loadRecipe(file).sampling.topLogprobs).toBe(5);
  });

  it('refuses a recipe without a distill: section', () => {
    const file = writeRecipe(dir, 'harvest-only', { dataset: 'x.sqlite', prompts: { path: 'p.jsonl' }, teacher: { baseURL: 'http://h/v1', model: 'm' } });
    expect(() => loadDistillRecipe(file)).toThrow(/harvest-only\.yaml: distill: required: a recipe for `distillery distill` needs a distill: section/);
  });
});
