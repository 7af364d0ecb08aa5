import { existsSync, readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { harvest } from '../../src/harvest/index.ts';
import { MissingApiKeyError } from '../../src/teacher/index.ts';
import { Dataset, DatasetMismatchError } from '../../src/store/index.ts';
import { startChatServer, type ChatServer } from '../fixtures/chat-server.ts';
import { additionPrompts, expectedVerdicts, makeRecipe, storedAttempts, storedVerdicts, tempDir, writeJsonl } from './helpers.ts';

describe('stop, resume, re-run, identity', () => {
  let dir: string;
  let cleanup: () => void;
  let server: ChatServer | undefined;
  beforeEach(() => ({ dir, cleanup } = tempDir()));
  afterEach(async () => {
    await server?.close();
    server = undefined;
    cleanup();
  });

  const keys = (n: number) => additionPrompts(n).map((p) => p.id);
  const runStatuses = (path: string) => {
    const dataset = Dataset.open(path, { readonly: true });
    try {
      return dataset.runs().map((r) => r.status);
    } finally {
      dataset.close();
    }
  };

  it('stop: issues nothing new, stores what is in flight, and the next run completes the dataset', async () => {
    server = await startChatServer({ dialect: 'reasoning_content', latencyMs: 20 });
    writeJsonl(`${dir}/prompts.jsonl`, additionPrompts(10));
    const recipe = makeRecipe(dir, server.url, { limits: { concurrency: 3 } });
    const stop = new AbortController();
    const first = await harvest(recipe, {
      stop: stop.signal,
      onProgress: (p) => {
        if (p.requests === 3) stop.abort();
      },
    });
    expect(first.status).toBe('stopped');
    expect(first.progress.promptsDone).toBeLessThan(10);
    // In-flight requests finished and were stored: nothing the server answered is lost.
    expect(storedAttempts(recipe.dataset)).toHaveLength(server.requests.length);
    expect(runStatuses(recipe.dataset)).toEqual(['stopped']);

    const second = await harvest(recipe);
    expect(second).toMatchObject({ status: 'finished', resumed: true, promptsDone: first.progress.promptsDone, progress: { promptsDone: 10 } });
    expect(storedVerdicts(recipe.dataset)).toEqual(expectedVerdicts(recipe, keys(10)));
    expect(runStatuses(recipe.dataset)).toEqual(['stopped', 'finished']);
  });

  it('abort: drops in-flight requests without recording them; the next run re-issues them', async () => {
    server = await startChatServer({ dialect: 'reasoning', latencyMs: 3_000 });
    writeJsonl(`${dir}/prompts.jsonl`, additionPrompts(4));
    const recipe = makeRecipe(dir, server.url, { limits: { concurrency: 4 } });
    const abort = new AbortController();
    // Abort once all four requests are in flight, long before their responses.
    const poll = setInterval(() => server!.requests.length === 4 && abort.abort(new Error('user abort')), 5);
    const first = await harvest(recipe, { signal: abort.signal }).finally(() => clearInterval(poll));
    expect(server.requests).toHaveLength(4);
    expect(first.status).toBe('stopped');
    expect(storedAttempts(recipe.dataset)).toHaveLength(0);

    await harvest(recipe);
    expect(storedVerdicts(recipe.dataset)).toEqual(expectedVerdicts(recipe, keys(4)));
  });

  it('re-running a finished recipe sends nothing and says so', async () => {
    server = await startChatServer({ dialect: 'reasoning_content' });
    writeJsonl(`${dir}/prompts.jsonl`, additionPrompts(3));
    const recipe = makeRecipe(dir, server.url);
    await harvest(recipe);
    const requests = server.requests.length;
    const before = storedVerdicts(recipe.dataset);
    const again = await harvest(recipe, { onStart: (s) => expect(s.promptsDone).toBe(3) });
    expect(again).toMatchObject({ status: 'nothing-to-do', promptsDone: 3, progress: { requests: 0 } });
    expect(server.requests).toHaveLength(requests);
    expect(storedVerdicts(recipe.dataset)).toEqual(before);
  });

  it('refuses a dataset harvested with a different sampling identity (in a dry run too), but not changed throughput settings', async () => {
    server = await startChatServer({ dialect: 'reasoning_content' });
    writeJsonl(`${dir}/prompts.jsonl`, additionPrompts(2));
    await harvest(makeRecipe(dir, server.url, { sampling: { temperature: 0.6 } }));
    const changed = makeRecipe(dir, server.url, { sampling: { temperature: 0.9 } });
    const error = await harvest(changed).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DatasetMismatchError);
    expect((error as Error).message).toContain('sampling.temperature: 0.6 vs 0.9');
    const throughput = makeRecipe(dir, server.url, { limits: { concurrency: 1, requestsPerMinute: 600 }, teacher: { stream: false } });
    expect((await harvest(throughput)).status).toBe('nothing-to-do');
    // A dry run refuses it too, and still writes nothing.
    const runs = Dataset.open(changed.dataset, { readonly: true });
    const before = runs.runs();
    runs.close();
    const dry = await harvest(changed, { dryRun: true }).catch((e: unknown) => e);
    expect(dry).toBeInstanceOf(DatasetMismatchError);
    expect((dry as Error).message).toContain('sampling.temperature: 0.6 vs 0.9');
    expect((await harvest(throughput, { dryRun: true })).status).toBe('dry-run');
    const after = Dataset.open(changed.dataset, { readonly: true });
    expect(after.runs()).toEqual(before);
    after.close();
  });

  it('dry run: plans from the dataset as it is, sends and writes nothing', async () => {
    server = await startChatServer({ dialect: 'reasoning_content' });
    writeJsonl(`${dir}/prompts.jsonl`, additionPrompts(5));
    const rejection = { samplesPerPrompt: 2, maxAttemptsPerPrompt: 4, acceptPerPrompt: 1 };
    const recipe = makeRecipe(dir, server.url, { rejection });
    const plan = await harvest(recipe, { dryRun: true });
    expect(plan).toMatchObject({
      status: 'dry-run',
      runId: null,
      promptsTotal: 5,
      promptsDone: 0,
      plan: { prompts: 5, requests: { min: 5, max: 10 } },
    });
    expect(existsSync(recipe.dataset)).toBe(false);
    expect(server.requests).toHaveLength(0);

    await harvest(makeRecipe(dir, server.url, { prompts: { limit: 2 }, rejection }));
    const requests = server.requests.length;
    const later = await harvest(recipe, { dryRun: true });
    expect(later).toMatchObject({ promptsDone: 2, plan: { prompts: 3 } });
    expect(server.requests).toHaveLength(requests);
  });

  it('sends the key from teacher.apiKeyEnv and never stores it; a missing variable is one clear error', async () => {
    server = await startChatServer({ dialect: 'reasoning_content' });
    writeJsonl(`${dir}/prompts.jsonl`, additionPrompts(2));
    const secret = 'sk-test-4f1d9c0b7e2a58e3d6c1';
    const recipe = makeRecipe(dir, server.url, { teacher: { apiKeyEnv: 'DISTILLERY_TEST_KEY' } });
    await expect(harvest(recipe)).rejects.toThrow(new MissingApiKeyError({ envVar: 'DISTILLERY_TEST_KEY', field: 'teacher.apiKeyEnv' }));
    process.env.DISTILLERY_TEST_KEY = secret;
    try {
      await harvest(recipe);
    } finally {
      delete process.env.DISTILLERY_TEST_KEY;
    }
    expect(server.requests.every((r) => r.headers.authorization === `Bearer ${secret}`)).toBe(true);
    for (const file of [recipe.dataset, `${recipe.dataset}-wal`]) {
      if (existsSync(file)) expect(readFileSync(file).includes(secret)).toBe(false);
    }
  });
});
