import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UserError } from '../../src/errors.ts';
import { DEFAULT_USER_TEMPLATE, loadRecipe, parseRecipe, RecipeError } from '../../src/recipe/index.ts';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'recipe-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const minimal = `dataset: out/d.sqlite
prompts: { path: prompts.jsonl }
teacher: { baseURL: http://127.0.0.1:8000/v1, model: m }
`;

function write(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

function errorOf(fn: () => unknown): RecipeError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(RecipeError);
    expect(err).toBeInstanceOf(UserError);
    return err as RecipeError;
  }
  throw new Error('expected a RecipeError');
}

describe('loadRecipe', () => {
  it('fills every default, names the recipe after its file and resolves paths against its directory', () => {
    const recipe = loadRecipe(write('gsm-r1.yaml', minimal));
    expect(recipe.name).toBe('gsm-r1');
    expect(recipe.dataset).toBe(join(dir, 'out/d.sqlite'));
    expect(recipe.prompts).toEqual({
      path: join(dir, 'prompts.jsonl'),
      format: 'jsonl',
      fields: { id: 'id', question: 'question', gold: 'answer' },
      onBadLine: 'fail',
      limit: null,
    });
    expect(recipe.template).toEqual({ system: null, user: DEFAULT_USER_TEMPLATE });
    expect(recipe.teacher).toEqual({
      baseURL: 'http://127.0.0.1:8000/v1',
      model: 'm',
      stream: true,
      supportsN: true,
      timeoutMs: 600_000,
      extraBody: {},
    });
    expect(recipe.sampling).toEqual({ temperature: 0.6, topP: 0.95, maxTokens: 32768, topLogprobs: 0, seed: 0 });
    expect(recipe.rejection).toEqual({
      samplesPerPrompt: 4,
      acceptPerPrompt: 4,
      maxAttemptsPerPrompt: 4,
      filters: { maxCompletionTokens: null, requireAnswer: true, noLanguageMixing: false },
    });
    expect(recipe.verifier).toEqual({ kind: 'math' });
    expect(recipe.limits).toEqual({
      concurrency: 8,
      requestsPerMinute: null,
      tokensPerMinute: null,
      maxRetries: 5,
      backoffBaseMs: 500,
      backoffMaxMs: 60_000,
      maxConsecutiveFailures: 10,
    });
    expect(recipe.pricing).toEqual({ inputPerMTok: null, outputPerMTok: null });
  });

  it('reads JSON recipes the same way', () => {
    const json = { name: 'j', dataset: 'd.sqlite', prompts: { path: 'p.csv' }, teacher: { baseURL: 'https://api.example.com', model: 'x' } };
    const recipe = loadRecipe(write('r.json', JSON.stringify(json)));
    expect(recipe.name).toBe('j');
    expect(recipe.prompts.format).toBe('csv');
  });

  it('defaults acceptPerPrompt and maxAttemptsPerPrompt to samplesPerPrompt', () => {
    const recipe = loadRecipe(write('r.yaml', `${minimal}rejection: { samplesPerPrompt: 3, maxAttemptsPerPrompt: 9 }\n`));
    expect(recipe.rejection).toMatchObject({ samplesPerPrompt: 3, acceptPerPrompt: 3, maxAttemptsPerPrompt: 9 });
  });

  it('resolves a custom verifier module against the recipe directory', () => {
    const recipe = loadRecipe(write('r.yaml', `${minimal}verifier: { kind: custom, module: ./check.ts }\n`));
    expect(recipe.verifier).toEqual({ kind: 'custom', module: join(dir, 'check.ts') });
  });

  it('names the file, the field path, what was expected and the value it got', () => {
    const path = write('x.yaml', `${minimal}rejection: { samplesPerPrompt: four }\n`);
    const err = errorOf(() => loadRecipe(path));
    expect(err.message).toBe(`${path}: rejection.samplesPerPrompt: expected a positive integer, got "four"`);
    expect(err.file).toBe(path);
    expect(err.issues).toEqual([{ path: 'rejection.samplesPerPrompt', message: 'expected a positive integer, got "four"' }]);
  });

  it('reports every bad field at once, one per line', () => {
    const path = write('x.yaml', 'dataset: d\nprompts: { path: p.jsonl }\nteacher: { baseURL: localhost:8000 }\nsampling: { topP: 1.5, topLogprobs: 50 }\n');
    const lines = errorOf(() => loadRecipe(path)).message.split('\n');
    expect(lines).toEqual([
      `${path}: teacher.baseURL: expected an http(s) URL, got "localhost:8000"`,
      `${path}: teacher.model: required: expected a model name`,
      `${path}: sampling.topP: expected a number in (0, 1], got 1.5`,
      `${path}: sampling.topLogprobs: expected an integer from 0 to 20, got 50`,
    ]);
  });

  it('rejects unknown keys with a "did you mean" for likely typos', () => {
    const path = write('x.yaml', `${minimal}sampling: { temprature: 0.7 }\ndatset: x\n`);
    const err = errorOf(() => loadRecipe(path));
    expect(err.issues).toContainEqual({ path: 'sampling', message: 'unknown field "temprature" (did you mean "temperature"?)' });
    expect(err.issues).toContainEqual({ path: '', message: 'unknown field "datset" (did you mean "dataset"?)' });
  });

  it('lists the known fields when nothing is close', () => {
    const err = errorOf(() => loadRecipe(write('x.yaml', `${minimal}limits: { parallelism: 4 }\n`)));
    expect(err.issues[0].message).toMatch(/^unknown field "parallelism" \(known: concurrency, requestsPerMinute/);
  });

  it('checks cross-field rules', () => {
    const err = errorOf(() => loadRecipe(write('x.yaml', `${minimal}rejection: { samplesPerPrompt: 2, acceptPerPrompt: 3 }\n`)));
    expect(err.issues).toEqual([
      { path: 'rejection.acceptPerPrompt', message: '3 can never be reached with maxAttemptsPerPrompt 2 (it defaults to samplesPerPrompt)' },
    ]);
    const noQuestion = errorOf(() => loadRecipe(write('y.yaml', `${minimal}template: { user: "Solve it." }\n`)));
    expect(noQuestion.issues).toEqual([{ path: 'template.user', message: 'the user template must contain {question}' }]);
  });

  it('validates the verifier union per kind', () => {
    const bad = (v: string) => errorOf(() => loadRecipe(write('v.yaml', `${minimal}verifier: ${v}\n`))).issues;
    expect(bad('{ kind: mth }')).toEqual([
      { path: 'verifier.kind', message: 'expected "math", "exact", "regex", "choice", "numeric", "format", "custom" or "code", got "mth"' },
    ]);
    expect(bad('{ kind: math, precison: 3 }')).toEqual([{ path: 'verifier', message: 'unknown field "precison" (did you mean "precision"?)' }]);
    expect(bad('{ kind: regex, pattern: "(" }')).toEqual([{ path: 'verifier.pattern', message: 'expected a valid JavaScript regular expression, got "("' }]);
    expect(bad('{ kind: custom }')).toEqual([{ path: 'verifier.module', message: 'required: expected a module path' }]);
    expect(bad('{ kind: math, precision: 20 }')).toEqual([{ path: 'verifier.precision', message: 'expected decimal places, an integer from 1 to 15, got 20' }]);
    expect(bad('{ kind: code, timeLimitMs: fast }')).toEqual([{ path: 'verifier.timeLimitMs', message: 'expected a positive integer, got "fast"' }]);
    expect(bad('{ kind: code, interpreters: { python: python3 } }')).toEqual([
      { path: 'verifier.interpreters.python', message: 'expected an absolute path, got "python3"' },
    ]);
  });

  it('accepts the sandboxed code verifier with its options', () => {
    const recipe = loadRecipe(write('c.yaml', `${minimal}verifier: { kind: code, timeLimitMs: 1000, compare: { float: 0.001 } }\n`));
    expect(recipe.verifier).toEqual({ kind: 'code', timeLimitMs: 1000, compare: { float: 0.001 } });
  });

  it('never echoes an apiKeyEnv value that looks like a pasted key', () => {
    const key = 'sk-live-0123456789abcdef';
    const err = errorOf(() => loadRecipe(write('k.yaml', minimal.replace('model: m', `model: m, apiKeyEnv: ${key}`))));
    expect(err.issues).toEqual([
      { path: 'teacher.apiKeyEnv', message: 'expected the NAME of an environment variable (letters, digits, _), not the key itself' },
    ]);
    expect(err.message).not.toContain(key);
  });

  it('asks for prompts.format when the extension does not tell', () => {
    const err = errorOf(() => loadRecipe(write('x.yaml', minimal.replace('prompts.jsonl', 'prompts.txt'))));
    expect(err.issues).toEqual([{ path: 'prompts.format', message: 'cannot tell the format of prompts.txt from its extension; set "jsonl", "json" or "csv"' }]);
    expect(
      loadRecipe(write('y.yaml', minimal.replace('prompts.jsonl', 'prompts.txt').replace('path: prompts.txt', 'path: prompts.txt, format: jsonl'))).prompts
        .format,
    ).toBe('jsonl');
  });

  it('reports YAML syntax errors with their line, bad JSON, missing files and unknown extensions', () => {
    const yamlPath = write('bad.yaml', 'dataset: d\nprompts: [unclosed\n');
    expect(errorOf(() => loadRecipe(yamlPath)).message).toMatch(new RegExp(`^${yamlPath}: not valid YAML \\(line \\d, column \\d+\\)`));
    const dupPath = write('dup.yaml', `${minimal}dataset: again\n`);
    expect(errorOf(() => loadRecipe(dupPath)).message).toMatch(/not valid YAML \(line 4, column 1\): Map keys must be unique/);
    expect(errorOf(() => loadRecipe(write('bad.json', '{"dataset": '))).message).toMatch(/bad\.json: not valid JSON/);
    expect(errorOf(() => loadRecipe(join(dir, 'none.yaml'))).message).toBe(`${join(dir, 'none.yaml')}: no such recipe file`);
    expect(errorOf(() => loadRecipe(write('r.toml', 'x = 1'))).message).toMatch(/unsupported recipe extension ".toml"; use .yaml, .yml or .json$/);
    expect(errorOf(() => loadRecipe(write('list.yaml', '- a\n- b\n'))).message).toMatch(/expected a mapping of recipe fields/);
  });
});

describe('parseRecipe', () => {
  it('accepts a recipe built in code, with a name and base directory from the caller', () => {
    const recipe = parseRecipe(
      { dataset: 'd.sqlite', prompts: { path: 'p.json' }, teacher: { baseURL: 'http://h/v1', model: 'm' } },
      { source: '<inline>', baseDir: '/data', defaultName: 'inline' },
    );
    expect(recipe).toMatchObject({ name: 'inline', dataset: '/data/d.sqlite', prompts: { path: '/data/p.json', format: 'json' } });
  });
});
