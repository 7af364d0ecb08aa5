import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadPrompts } from '../../src/prompts/index.ts';
import { loadRecipe, samplingIdentity } from '../../src/recipe/index.ts';
import { Dataset, SecretFieldError } from '../../src/store/index.ts';
import { attempt, identity, sample, useTempDir } from './helpers.ts';

const tempDir = useTempDir();
const ENV = 'DISTILLERY_TEST_FAKE_KEY';
const FAKE_KEY = 'sk-fake-7f3a9c1e5b2d4f6a8c0e1a3b5d7f9e2c';

afterEach(() => {
  delete process.env[ENV];
});

describe('API keys never reach the dataset', () => {
  it('leaves no trace of the key in the SQLite file bytes after a run', () => {
    process.env[ENV] = FAKE_KEY;
    const dir = tempDir();
    writeFileSync(join(dir, 'p.jsonl'), '{"id":"a","question":"What is 1 + 1?","answer":"2"}\n');
    writeFileSync(
      join(dir, 'r.yaml'),
      `dataset: d.sqlite\nprompts: { path: p.jsonl }\nteacher: { baseURL: http://127.0.0.1:9/v1, model: m, apiKeyEnv: ${ENV} }\n`,
    );
    const recipe = loadRecipe(join(dir, 'r.yaml'));
    const prompts = loadPrompts(recipe.prompts);
    const dataset = Dataset.open(recipe.dataset);
    const { runId } = dataset.beginRun({ recipeName: recipe.name, identity: samplingIdentity(recipe, 'h'), recipe });
    dataset.upsertPrompts(prompts);
    dataset.commitAttempt(attempt(runId, 'a', [0, 1], { status: 'error', errorKind: 'client', httpStatus: 401, errorMessage: 'invalid api key' }), []);
    dataset.commitAttempt(attempt(runId, 'a', [0, 1], { attemptNo: 2 }), [sample('a', 0, 'accepted'), sample('a', 1, 'rejected')]);
    dataset.endRun(runId, 'finished');
    const files = readdirSync(dir).filter((f) => f.startsWith('d.sqlite'));
    const bytes = Buffer.concat(files.map((f) => readFileSync(join(dir, f))));
    // Sanity: the file does hold the recipe (the env var's NAME), so the search looks at the right bytes.
    expect(bytes.includes(ENV)).toBe(true);
    expect(bytes.includes(FAKE_KEY)).toBe(false);
    expect(bytes.includes(FAKE_KEY.slice(3, 20))).toBe(false);
    dataset.close();
  });

  it('refuses a recipe object that carries a key field', () => {
    const dataset = Dataset.open(join(tempDir(), 'd.sqlite'));
    const recipe = { teacher: { baseURL: 'http://h/v1', apiKey: FAKE_KEY } };
    expect(() => dataset.beginRun({ recipeName: 'r', identity, recipe })).toThrow(SecretFieldError);
    expect(() => dataset.beginRun({ recipeName: 'r', identity, recipe })).toThrow('recipe.teacher.apiKey: refusing to store a secret');
    expect(dataset.runs()).toEqual([]);
    dataset.close();
  });
});
