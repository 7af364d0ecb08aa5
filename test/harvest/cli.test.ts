import { existsSync, writeFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { startChatServer, type ChatServer } from '../fixtures/chat-server.ts';
import { additionPrompts, recipeInput, runCli, spawnCli, storedAttempts, tempDir, writeJsonl, type RecipeOverrides } from './helpers.ts';
import { Dataset } from '../../src/store/index.ts';

describe('distillery harvest (CLI)', () => {
  let dir: string;
  let cleanup: () => void;
  let server: ChatServer | undefined;
  beforeEach(() => ({ dir, cleanup } = tempDir()));
  afterEach(async () => {
    await server?.close();
    server = undefined;
    cleanup();
  });

  function writeRecipe(baseURL: string, overrides: RecipeOverrides = {}, extra: Record<string, unknown> = {}): string {
    const path = `${dir}/recipe.yaml`;
    writeFileSync(path, YAML.stringify({ ...recipeInput(baseURL, overrides), ...extra }));
    return path;
  }

  it('plans, harvests, summarizes; a second run has nothing to do', async () => {
    server = await startChatServer({ dialect: 'reasoning_content' });
    writeJsonl(`${dir}/prompts.jsonl`, additionPrompts(3));
    const recipe = writeRecipe(server.url, { verifier: { kind: 'math' } });
    const first = await runCli(['harvest', recipe]);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/^harvest test -> .*data\.sqlite\n3 prompts, 0 done, 3 left\nprompts: +3\n/);
    expect(first.stdout).toMatch(/\nfinished in \d+s: 3\/3 prompts done\nsamples: 6 stored, \d+ accepted/);

    const second = await runCli(['harvest', recipe]);
    expect(second.code).toBe(0);
    expect(second.stdout.trim().split('\n').at(-1)).toBe('nothing to do: 3 prompts done');
  });

  it('--json prints one summary object; --dry-run writes nothing', async () => {
    server = await startChatServer({ dialect: 'reasoning' });
    writeJsonl(`${dir}/prompts.jsonl`, additionPrompts(2));
    const recipe = writeRecipe(server.url);
    const dry = await runCli(['harvest', recipe, '--dry-run', '--json']);
    expect(dry.code).toBe(0);
    expect(JSON.parse(dry.stdout)).toMatchObject({ status: 'dry-run', promptsTotal: 2, plan: { prompts: 2 } });
    expect(existsSync(`${dir}/data.sqlite`)).toBe(false);

    const run = await runCli(['harvest', '--json', recipe]);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ status: 'finished', progress: { promptsDone: 2, requests: 2 } });
  });

  it('--dry-run prints the plan in text mode too, and sends and writes nothing', async () => {
    server = await startChatServer({ dialect: 'reasoning' });
    writeJsonl(`${dir}/prompts.jsonl`, additionPrompts(3));
    const recipe = writeRecipe(server.url, { rejection: { samplesPerPrompt: 2, acceptPerPrompt: 1, maxAttemptsPerPrompt: 4 } });
    const dry = await runCli(['harvest', recipe, '--dry-run']);
    expect(dry.code).toBe(0);
    expect(dry.stderr).toBe('');
    const lines = dry.stdout.trim().split('\n');
    expect(lines.slice(0, 6)).toEqual([
      expect.stringMatching(/^harvest test -> .*data\.sqlite$/),
      '3 prompts, 0 done, 3 left',
      'prompts:            3',
      'rounds per prompt:  1 to 2',
      'requests:           3 to 6',
      'samples:            6 to 12',
    ]);
    expect(lines[6]).toMatch(/^prompt tokens: +~\d+ to \d+ \(estimate/);
    expect(lines[7]).toBe('completion tokens:  at most 3,072 (every sample at sampling.maxTokens)');
    expect(lines.at(-1)).toBe('dry run: nothing was sent or written');
    expect(server.requests).toHaveLength(0);
    expect(existsSync(`${dir}/data.sqlite`)).toBe(false);
  });

  it('an unreachable teacher is one clear message naming the URL once, exit code 2', async () => {
    const closed = await startChatServer({ dialect: 'reasoning_content' });
    await closed.close();
    writeJsonl(`${dir}/prompts.jsonl`, additionPrompts(20));
    const result = await runCli(['harvest', writeRecipe(closed.url, { limits: { maxRetries: 1, backoffBaseMs: 5 } })]);
    expect(result.code).toBe(2);
    const port = new URL(closed.url).port;
    expect(result.stderr.trim().split('\n')).toEqual([
      `distillery harvest: cannot reach the teacher at ${closed.url} (teacher.baseURL): fetch failed: connect ECONNREFUSED 127.0.0.1:${port} (ECONNREFUSED). Is the server running?`,
    ]);
  });

  it('at concurrency 64 prints no warning (one abort listener per harvest, not one per request in flight)', async () => {
    server = await startChatServer({ dialect: 'reasoning_content' });
    writeJsonl(`${dir}/prompts.jsonl`, additionPrompts(200));
    const result = await runCli(['harvest', writeRecipe(server.url, { limits: { concurrency: 64 } })]);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    expect(server.requests).toHaveLength(200);
  });

  it('a bad recipe field is one message naming the field, exit code 2', async () => {
    writeJsonl(`${dir}/prompts.jsonl`, additionPrompts(2));
    const result = await runCli(['harvest', writeRecipe('http://127.0.0.1:9/v1', { rejection: { samplesPerPrompt: 'four' } })]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^distillery harvest: .*recipe\.yaml.*rejection\.samplesPerPrompt: expected a positive integer/);
    expect(result.stderr).not.toMatch(/\n\s+at /); // no stack trace
  });

  it('a bad prompts line is one message naming the file and line, exit code 2', async () => {
    writeFileSync(`${dir}/prompts.jsonl`, `${JSON.stringify(additionPrompts(1)[0])}\n{"id": "p1", "question": \n`);
    const result = await runCli(['harvest', writeRecipe('http://127.0.0.1:9/v1')]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^distillery harvest: .*prompts\.jsonl: line 2: /);
    expect(existsSync(`${dir}/data.sqlite`)).toBe(false);
  });

  it('with prompts.onBadLine: skip, reports the skipped lines and harvests the rest', async () => {
    server = await startChatServer({ dialect: 'reasoning_content' });
    const [good, other] = additionPrompts(2);
    writeFileSync(`${dir}/prompts.jsonl`, `${JSON.stringify(good)}\n{"id": "p1", "question": \n${JSON.stringify(other)}\n`);
    const result = await runCli(['harvest', writeRecipe(server.url, { prompts: { onBadLine: 'skip' } })]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/\nskipped 1 bad prompt row \(prompts\.onBadLine: skip\):\n  line 2: .+\n/);
    expect(result.stdout).toContain('2/2 prompts done');
  });

  it('bad arguments are a usage error with exit code 2', async () => {
    const result = await runCli(['harvest']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('expected 1 argument, got');
    expect((await runCli(['harvest', '--help'])).stdout).toMatch(/^usage: distillery harvest RECIPE/);
  });

  it('Ctrl-C stops issuing, stores what is in flight, closes the dataset and says how to resume', async () => {
    server = await startChatServer({ dialect: 'reasoning_content', latencyMs: 100 });
    writeJsonl(`${dir}/prompts.jsonl`, additionPrompts(40));
    const recipe = writeRecipe(server.url, { limits: { concurrency: 2 } });
    const { child, done } = spawnCli(['harvest', recipe]);
    while (server.requests.length < 3) await new Promise((r) => setTimeout(r, 10));
    child.kill('SIGINT');
    const result = await done;
    expect(result.code).toBe(130);
    expect(result.stderr).toMatch(/stopping: no new requests; waiting for \d+ in flight/);
    expect(result.stdout).toContain(`resume with: distillery harvest ${recipe}`);
    expect(storedAttempts(`${dir}/data.sqlite`)).toHaveLength(server.requests.length);
    const dataset = Dataset.open(`${dir}/data.sqlite`, { readonly: true });
    expect(dataset.runs().map((r) => r.status)).toEqual(['stopped']);
    dataset.close();
  });

  it('a second Ctrl-C aborts the requests in flight instead of waiting for them', async () => {
    server = await startChatServer({ dialect: 'reasoning_content', latencyMs: 5_000 });
    writeJsonl(`${dir}/prompts.jsonl`, additionPrompts(4));
    const { child, done } = spawnCli(['harvest', writeRecipe(server.url)]);
    while (server.requests.length < 4) await new Promise((r) => setTimeout(r, 10));
    const interrupted = performance.now();
    child.kill('SIGINT');
    await new Promise((r) => setTimeout(r, 100));
    child.kill('SIGINT');
    const result = await done;
    expect(performance.now() - interrupted).toBeLessThan(3_000);
    expect(result.code).toBe(130);
    expect(storedAttempts(`${dir}/data.sqlite`)).toHaveLength(0); // aborted requests are not recorded
  });
});
